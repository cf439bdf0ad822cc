package org.lifeboat.recovery;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.BackendOptions;
import org.lifeboat.backend.Backends;
import org.lifeboat.plan.Plan;
import org.lifeboat.repository.PasswordSources;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.RepositoryNotFoundException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.WrongPasswordException;

/**
 * The plan's repositories, each opened once (password from the plan's file or variable, else the
 * usual LIFEBOAT_/RESTIC_ variables), its index loaded once and a lock held until close.
 */
public final class Repositories implements AutoCloseable {
    private final Plan plan;
    private final boolean exclusive;
    private final Map<String, Repository> open = new LinkedHashMap<>();
    /** Each open repository's backend stack, for its request figures ({@link #requests}). */
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private java.util.function.Consumer<Map<String, List<Requests>>> onClose;

    /**
     * What one kind of request to one repository's storage cost so far.
     *
     * @param op       load, save, stat, list or remove
     * @param requests calls made
     * @param bytes    bytes read (load) or written (save)
     * @param errors   calls that failed after their retries
     * @param retries  attempts repeated after a transient fault
     */
    public record Requests(String op, long requests, long bytes, long errors, long retries) {}
    private final Map<String, RepositoryLock> locks = new LinkedHashMap<>();
    private final Map<String, List<Snapshot>> snapshots = new LinkedHashMap<>();
    private BackendOptions options;
    /** Status mode: why a repository could not be opened, so it is tried once per run, not per question. */
    private final Map<String, Exception> failed = new LinkedHashMap<>();
    private boolean status;
    /** Read for status, recovery or drill: no advice to create a missing repository. */
    private boolean reading;

    /**
     * The retry policy of a status command: 2 attempts within a few seconds. A status (plan show, a
     * runbook, recover --dry-run's checks) must answer while a store is down and say so; the
     * default policy retries a refused connection for minutes, as a backup should.
     */
    public static final org.lifeboat.backend.RetryPolicy STATUS_RETRY = new org.lifeboat.backend.RetryPolicy(2,
            java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(3));
    private final int packSize;
    private final org.lifeboat.backend.Cancel cancel;

    /** The plan's repositories as they are (no rate limit, the default pack size). */
    public Repositories(Plan plan, boolean exclusive) {
        this(plan, exclusive, BackendOptions.DEFAULT, Repository.DEFAULT_PACK_SIZE);
    }

    /**
     * Repositories with the default backend options and pack size whose locks, when they cannot
     * be kept, cancel {@code cancel} (a drill's sandbox run).
     */
    public Repositories(Plan plan, boolean exclusive, org.lifeboat.backend.Cancel cancel) {
        this(plan, exclusive, BackendOptions.DEFAULT, Repository.DEFAULT_PACK_SIZE, cancel);
    }

    /**
     * @param options  how each repository's backend is opened and stacked (e.g. the
     *     --limit-upload/--limit-download rates), see {@link Backends#open}
     * @param packSize target size in bytes of the packs written (restic's --pack-size, in bytes)
     */
    public Repositories(Plan plan, boolean exclusive, BackendOptions options, int packSize) {
        this(plan, exclusive, options, packSize, org.lifeboat.backend.Cancel.NEVER);
    }

    /**
     * As above, for the job whose token is {@code cancel}: a lock taken here that cannot be kept
     * (removed by another process, not refreshed in time) cancels it.
     */
    public Repositories(Plan plan, boolean exclusive, BackendOptions options, int packSize, org.lifeboat.backend.Cancel cancel) {
        this.cancel = cancel;
        this.plan = plan;
        this.exclusive = exclusive;
        this.options = options;
        this.packSize = packSize;
    }

    /**
     * Switches these repositories to status use, before any is opened: each backend gets
     * {@link #STATUS_RETRY} (the other options stay), and a repository that cannot be opened is
     * tried once per run (later calls rethrow the first failure).
     *
     * @return this
     * @throws IllegalStateException when a repository is already open
     */
    public synchronized Repositories forStatus() {
        if (!open.isEmpty()) throw new IllegalStateException("forStatus() must come before the first repository is opened");
        options = options.retry(STATUS_RETRY);
        status = true;
        reading = true;
        return this;
    }

    /**
     * Opens the repositories without taking locks, as restic's {@code --no-lock}: for a look that
     * only lists snapshots and reads the index (the service's status every minute), which must
     * never make a prune or check that needs the exclusive lock fail. What it reads may be in the
     * middle of a prune (a snapshot listed then removed): good for status, not for a restore.
     *
     * @return this
     * @throws IllegalStateException for exclusive repositories
     */
    public synchronized Repositories withoutLocks() {
        if (exclusive) throw new IllegalStateException("an exclusive use needs its locks");
        locking = false;
        return this;
    }

    /** Whether opening takes a lock (false after {@link #withoutLocks()}). */
    private boolean locking = true;

    /**
     * Makes opening wait up to {@code wait} while another process holds a conflicting lock, as
     * restic's {@code --retry-lock} does: tried again after 0.2 s, doubling up to 5 s, each wait said
     * to {@code waiting}; a cancel ends the wait. The service's jobs wait so that a user's command
     * or another job on the same repository does not make them fail.
     *
     * @param wait how long to keep trying; zero fails at the first conflict (the default)
     * @param waiting told "waiting for a lock on 'NAME': WHY" before each wait
     * @return this
     */
    public synchronized Repositories retryLock(java.time.Duration wait, java.util.function.Consumer<String> waiting) {
        this.lockWait = wait;
        this.lockWaiting = waiting;
        return this;
    }

    private java.time.Duration lockWait = java.time.Duration.ZERO;
    private java.util.function.Consumer<String> lockWaiting = w -> {};

    private RepositoryLock lock(String name, Repository r) throws IOException {
        return RepositoryLock.acquire(r, exclusive, w -> System.err.println("warning: " + w), cancel, lockWait,
                w -> lockWaiting.accept(w.replaceFirst("^waiting for a lock: ", "waiting for a lock on '" + name + "': ")));
    }

    /**
     * Marks these repositories as read for a recovery or a drill: a missing one is reported as
     * missing (moved? the location wrong?), never with advice to create an empty one there, which
     * in a recovery would hide where the backups went.
     *
     * @return this
     */
    public synchronized Repositories forReading() {
        reading = true;
        return this;
    }

    public synchronized Repository get(String name) throws IOException, RecoveryException, WrongPasswordException {
        Repository r = open.get(name);
        if (r != null) return r;
        Exception before = failed.get(name);
        if (before != null) rethrow(before);
        try {
            return openRepository(name);
        } catch (IOException | RecoveryException | WrongPasswordException | RuntimeException e) {
            if (status) failed.put(name, e);
            throw e;
        }
    }

    private static void rethrow(Exception e) throws IOException, RecoveryException, WrongPasswordException {
        switch (e) {
            case IOException io -> throw io;
            case RecoveryException re -> throw re;
            case WrongPasswordException wp -> throw wp;
            case RuntimeException rt -> throw rt;
            default -> throw new IllegalStateException(e);
        }
    }

    private Repository openRepository(String name) throws IOException, RecoveryException, WrongPasswordException {
        Repository r;
        Plan.RepositorySpec spec = plan.repositories().get(name);
        if (spec == null) throw new RecoveryException("the plan has no repository '" + name + "'");
        Backend b;
        try {
            b = Backends.open(spec.url(), options);
        } catch (IllegalArgumentException e) {
            throw new RecoveryException("repository '" + name + "': " + e.getMessage());
        }
        // The config is shown to exist before the password is read.
        if (!b.exists(org.lifeboat.backend.Handle.CONFIG)) {
            b.close();
            throw new RepositoryNotFoundException("there is no repository at " + b.location() + " (repository '" + name
                    + "' of " + plan.file() + ")" + (reading ? "; was it moved, or is its url in the plan wrong?"
                    : "; if it was moved, put it back or correct its url; if it is new, create it with 'lifeboat init --config "
                    + Runbook.q(String.valueOf(plan.file())) + "'"));
        }
        r = Repository.open(b, password(spec));
        r.setPackSize(packSize);
        try {
            if (locking) locks.put(name, lock(name, r));
            r.loadIndex();
        } catch (IOException | RuntimeException e) {
            RepositoryLock l = locks.remove(name);
            if (l != null) l.close();
            r.close();
            throw e;
        }
        open.put(name, r);
        backends.put(name, b);
        return r;
    }

    /**
     * The request figures of each repository opened so far, by its name in the plan (counted by
     * the backend stack, above the retries).
     */
    public synchronized Map<String, List<Requests>> requests() {
        Map<String, List<Requests>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Backend> e : backends.entrySet()) {
            List<Requests> l = new java.util.ArrayList<>();
            try {
                org.lifeboat.backend.BackendMetrics m = Backends.metrics(e.getValue());
                m.ops().forEach((op, st) -> l.add(new Requests(op.name().toLowerCase(java.util.Locale.ROOT), st.requests(), st.bytes(),
                        st.errors(), st.retries())));
            } catch (IllegalArgumentException notStacked) {
                continue;
            }
            out.put(e.getKey(), l);
        }
        return out;
    }

    /** Gives {@link #requests()} to {@code sink} as these repositories close (a service counts every job's). */
    public synchronized Repositories onClose(java.util.function.Consumer<Map<String, List<Requests>>> sink) {
        this.onClose = sink;
        return this;
    }

    /** Index problems of the repositories opened so far (their blobs count as missing). */
    public synchronized List<String> indexErrors() {
        return open.values().stream().flatMap(r -> r.indexErrors().stream()).toList();
    }

    /** All snapshots of a repository, oldest first, listed once per run. */
    public synchronized List<Snapshot> snapshots(String name, java.util.function.Consumer<String> warn)
            throws IOException, RecoveryException, WrongPasswordException {
        List<Snapshot> l = snapshots.get(name);
        if (l == null) {
            l = get(name).listSnapshots(warn); // which reads index files written since the opening
            snapshots.put(name, l);
        }
        return l;
    }

    /** Forgets the listing, after a backup added a snapshot. */
    public synchronized void invalidate(String name) {
        snapshots.remove(name);
    }

    /**
     * The password of a plan repository: its password-file, else its password-env variable, else
     * LIFEBOAT_PASSWORD/LIFEBOAT_PASSWORD_FILE.
     *
     * @throws RecoveryException naming the repository when the source is missing or unreadable
     */
    public static String password(Plan.RepositorySpec spec) throws RecoveryException {
        if (spec.passwordFile() != null) {
            String v = readFile(spec.passwordFile(), spec.name());
            // as restic: an empty password is refused, never tried as a wrong one
            if (v.isEmpty()) throw new RecoveryException("an empty password is not a password (password file " + spec.passwordFile()
                    + " of repository '" + spec.name() + "' gave none)");
            return v;
        }
        if (spec.passwordEnv() != null) {
            String v = System.getenv(spec.passwordEnv());
            if (v == null) throw new RecoveryException("environment variable " + spec.passwordEnv()
                    + " (the password of repository '" + spec.name() + "') is not set");
            if (v.isEmpty()) throw new RecoveryException("an empty password is not a password (environment variable "
                    + spec.passwordEnv() + " of repository '" + spec.name() + "' is empty)");
            return v;
        }
        try {
            return PasswordSources.fromEnvironment().orElseThrow(() -> new RecoveryException("repository '" + spec.name()
                    + "' has no password-file or password-env in the plan, and LIFEBOAT_PASSWORD/LIFEBOAT_PASSWORD_FILE are not set"));
        } catch (IOException e) {
            throw new RecoveryException("cannot read the password file for repository '" + spec.name() + "': " + e.getMessage());
        }
    }

    private static String readFile(String file, String repo) throws RecoveryException {
        try {
            return PasswordSources.readFile(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new RecoveryException("password file " + file + " of repository '" + repo + "' does not exist");
        } catch (IOException e) {
            throw new RecoveryException("cannot read password file " + file + " of repository '" + repo + "': " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (onClose != null && !backends.isEmpty()) {
            try {
                onClose.accept(requests());
            } catch (RuntimeException ignored) {
                // figures are for monitoring: they never keep the locks from being released
            }
        }
        IOException first = null;
        for (RepositoryLock l : locks.values()) if (l != null) l.close();
        for (Repository r : open.values()) {
            try {
                r.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        locks.clear();
        open.clear();
        backends.clear();
        if (first != null) throw first;
    }
}
