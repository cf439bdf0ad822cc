package org.lifeboat.repository;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.lifeboat.backend.Backend;
import org.lifeboat.backend.Cancel;
import org.lifeboat.backend.FileStat;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.Handle;
import org.lifeboat.backend.PutOptions;

/**
 * Keeps a repository's files locked (S3 Object Lock) for as long as they are in use, after kopia's
 * {@code maintenance --extend-object-locks}: the config, every key, index file and snapshot, and
 * every pack the index names. Lock files are never retained, and packs no index names (prune's
 * to remove) are left to run out.
 *
 * <p>The rule (see {@link Retention#slack()}): a file is extended to now + period once less than
 * period − slack of its lock is left, slack being a quarter of the period and at most one day;
 * so a daily run (or one every slack) keeps every file in use locked for at least period − 2 ×
 * slack, and touches each file at most once per slack. {@link #inspect} (check) reports a file
 * whose lock is missing or shorter than that, or of a weaker mode than the repository's
 * (GOVERNANCE, which a user allowed to bypass it can remove, in a COMPLIANCE repository), which
 * {@link #extend} strengthens (S3 allows GOVERNANCE → COMPLIANCE).
 */
public final class RetentionKeeper {
    private RetentionKeeper() {}

    /** One file that could not be checked or extended: its name ("data/ID", "config") and why. */
    public record Failure(String file, String reason) {}

    /**
     * One file whose lock is missing ({@code until} null), ends too soon, or is of a weaker mode
     * than the repository's (GOVERNANCE, which can be bypassed, in a COMPLIANCE repository).
     *
     * @param mode the mode the file is locked in ({@link PutOptions.Retention#NONE} when none or not said)
     */
    public record Short(String file, Instant until, PutOptions.Retention mode) {
        /** A lock of unknown mode. */
        public Short(String file, Instant until) {
            this(file, until, PutOptions.Retention.NONE);
        }

        /** True when the file is locked, long enough or not, but in a weaker mode than the repository's {@code r}. */
        public boolean weaker(Retention r) {
            return until != null && weakerMode(mode, RetainingBackend.putOptions(r).retention());
        }

        /** The file's mode for messages: "governance", "compliance" or "none". */
        public String modeText() {
            return mode.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A mode the storage said (not NONE) that is weaker than the one required. */
    static boolean weakerMode(PutOptions.Retention found, PutOptions.Retention required) {
        return found != PutOptions.Retention.NONE && found.compareTo(required) < 0;
    }

    /**
     * What {@link #extend} did.
     *
     * @param checked    files in use looked at
     * @param extended   files whose retention was extended (or set, where there was none)
     * @param longEnough files whose retention already ran long enough
     * @param failures   files that could not be extended, each named with the reason
     */
    public record Summary(int checked, int extended, int longEnough, List<Failure> failures) {}

    /**
     * What {@link #inspect} found.
     *
     * @param checked  files in use looked at
     * @param problems files whose lock is missing or shorter than the rule keeps, by name
     * @param failures files that could not be asked (other than missing ones, which check reports itself)
     */
    public record Report(int checked, List<Short> problems, List<Failure> failures) {
        /** True when every file in use is locked long enough. */
        public boolean ok() {
            return problems.isEmpty() && failures.isEmpty();
        }
    }

    /**
     * Extends the retention of every file in use whose lock ends within period − slack of
     * {@code now} (every one with {@code all}) to {@code now} + period, with at most
     * {@code inFlight} requests at once. Loads the index. A file that fails is named in the
     * summary and the others go on.
     *
     * @param inFlight requests at once, at least 1 (e.g. {@link Repository#connections()})
     * @throws RepositoryException if the repository's config asks for no retention
     * @throws Cancel.Cancelled if {@code cancel} is cancelled
     * @throws IOException if the files in use cannot be listed
     */
    public static Summary extend(Repository repo, Instant now, boolean all, int inFlight, Cancel cancel) throws IOException {
        Retention r = required(repo);
        Backend b = repo.storage();
        PutOptions.Retention mode = RetainingBackend.putOptions(r).retention();
        Instant until = now.plus(r.period());
        AtomicInteger extended = new AtomicInteger();
        AtomicInteger longEnough = new AtomicInteger();
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        List<Handle> files = inUse(repo);
        forEach(files, inFlight, cancel, h -> {
            try {
                FileStat st = b.stat(h);
                Instant current = st.retainUntil();
                // A weaker mode (GOVERNANCE in a COMPLIANCE repository) is strengthened whatever its date.
                if (!all && !r.due(current, now) && !weakerMode(st.retentionMode(), mode)) {
                    longEnough.incrementAndGet();
                    return;
                }
                b.retain(h, mode, until);
                extended.incrementAndGet();
            } catch (InterruptedIOException e) {
                throw e;
            } catch (NoSuchFileException e) {
                failures.add(new Failure(h.toString(), "it is missing"));
            } catch (IOException e) {
                failures.add(new Failure(h.toString(), reason(e)));
            }
        });
        return new Summary(files.size(), extended.get(), longEnough.get(), sorted(failures));
    }

    /**
     * Asks the storage for the lock of every file in use (one request each, at most
     * {@code inFlight} at once) and reports those whose lock is missing or ends sooner than
     * {@code now} + period − 2 × slack. Missing files are skipped (check reports them). Loads the
     * index.
     *
     * @throws RepositoryException if the repository's config asks for no retention
     * @throws Cancel.Cancelled if {@code cancel} is cancelled
     * @throws IOException if the files in use cannot be listed
     */
    public static Report inspect(Repository repo, Instant now, int inFlight, Cancel cancel) throws IOException {
        Retention r = required(repo);
        Backend b = repo.storage();
        PutOptions.Retention mode = RetainingBackend.putOptions(r).retention();
        List<Short> problems = Collections.synchronizedList(new ArrayList<>());
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        List<Handle> files = inUse(repo);
        forEach(files, inFlight, cancel, h -> {
            try {
                FileStat st = b.stat(h);
                Instant until = st.retainUntil();
                if (r.tooShort(until, now) || until != null && weakerMode(st.retentionMode(), mode)) {
                    problems.add(new Short(h.toString(), until, st.retentionMode()));
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (NoSuchFileException e) {
                // a missing pack or file: check says so in its own words
            } catch (IOException e) {
                failures.add(new Failure(h.toString(), reason(e)));
            }
        });
        List<Short> p = new ArrayList<>(problems);
        p.sort(Comparator.comparing(Short::file));
        return new Report(files.size(), List.copyOf(p), sorted(failures));
    }

    private static Retention required(Repository repo) throws RepositoryException {
        Retention r = repo.retention();
        if (r == null) {
            throw new RepositoryException("the repository at " + repo.location() + " keeps no retention (its config asks for none;"
                    + " 'lifeboat init --retention-mode … --retention-period …' sets one when the repository is created)");
        }
        return r;
    }

    /** The files in use: config, keys, index files, snapshots, and the packs the index names. */
    static List<Handle> inUse(Repository repo) throws IOException {
        repo.loadIndex();
        List<Handle> out = new ArrayList<>();
        out.add(Handle.CONFIG);
        for (FileType t : new FileType[] {FileType.KEY, FileType.INDEX, FileType.SNAPSHOT}) {
            for (Id id : repo.list(t)) out.add(new Handle(t, id.hex()));
        }
        List<Id> packs = new ArrayList<>(repo.indexedPacks());
        Collections.sort(packs);
        for (Id p : packs) out.add(new Handle(FileType.DATA, p.hex()));
        return out;
    }

    @FunctionalInterface
    private interface Step {
        void run(Handle h) throws IOException;
    }

    /** Runs {@code step} for each file on at most {@code inFlight} threads, checking the cancel between files. */
    private static void forEach(List<Handle> files, int inFlight, Cancel cancel, Step step) throws IOException {
        int workers = Math.clamp(Math.min(inFlight, files.size()), 1, Repository.MAX_CONNECTIONS);
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "retention");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                fs.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                        cancel.check();
                        step.run(files.get(i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while extending retention");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Failure> sorted(List<Failure> failures) {
        List<Failure> out = new ArrayList<>(failures);
        out.sort(Comparator.comparing(Failure::file));
        return List.copyOf(out);
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
