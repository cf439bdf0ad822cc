package org.lifeboat.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lifeboat.backend.Backend;
import org.lifeboat.copy.Copier;
import org.lifeboat.copy.CopyListener;
import org.lifeboat.copy.CopyResult;
import org.lifeboat.copy.Places;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.PasswordSources;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryLock;
import org.lifeboat.repository.RepositoryNotFoundException;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.WrongPasswordException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code copy}: snapshots from a source repository ({@code --from-repo}) into the current one, as
 * restic's copy (restic 0.14 and later: {@code --from-*} flags). Snapshots already copied are
 * skipped; only blobs the target lacks are sent.
 */
@Command(name = "copy", description = {"Copy snapshots from another repository (--from-repo) into this one.",
        "Snapshots already copied are skipped; only blobs this repository lacks are sent."},
        footer = {"", "Examples:", "  lifeboat copy -r /srv/offsite --from-repo /srv/main --from-password-file pw",
                "  lifeboat copy -r /srv/offsite --from-repo /srv/backup --host web1 latest",
                "  lifeboat init -r /srv/offsite --from-repo /srv/backup --copy-chunker-params"})
final class CopyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    From from;

    @Mixin
    SnapshotOptions filter;

    @Parameters(paramLabel = "SNAPSHOT", arity = "0..*", description = "snapshot IDs or 'latest' (default: all matching the filters)")
    List<String> ids = new ArrayList<>();

    /**
     * The source repository flags, as restic's secondary repository options: --from-repo or
     * --from-repository-file, --from-password-file or --from-password-command, --from-key-hint,
     * else the LIFEBOAT_FROM_* and RESTIC_FROM_* variables. Shared with {@code init --copy-chunker-params}.
     */
    static final class From {
        @Option(names = "--from-repo", paramLabel = "REPOSITORY", description = "source repository (default: $RESTIC_FROM_REPOSITORY)")
        String repo;

        @Option(names = "--from-repository-file", paramLabel = "FILE", description = "file holding the source repository location")
        String repositoryFile;

        @Option(names = "--from-password-file", paramLabel = "FILE", description = "file holding the source repository's password")
        String passwordFile;

        @Option(names = "--from-password-command", paramLabel = "COMMAND", description = "command printing the source repository's password")
        String passwordCommand;

        @Option(names = "--from-key-hint", paramLabel = "KEY", description = "key ID to try first for the source repository")
        String keyHint;

        /** True when a source is given by a flag or a variable. */
        boolean given() {
            return nonEmpty(repo) != null || nonEmpty(repositoryFile) != null || PasswordSources.variable("FROM_REPOSITORY") != null
                    || PasswordSources.variable("FROM_REPOSITORY_FILE") != null;
        }

        /** @throws UserException when none is given, two exclusive ones are, or the file cannot be read */
        String location() {
            String flag = nonEmpty(repo);
            String file = nonEmpty(repositoryFile);
            if (flag != null && file != null) {
                throw new UserException("--from-repo and --from-repository-file are mutually exclusive; give only one");
            }
            if (flag != null) return flag;
            if (file != null) return readLocation(file, "--from-repository-file");
            String[] env = PasswordSources.variable("FROM_REPOSITORY");
            if (env != null) return env[1];
            env = PasswordSources.variable("FROM_REPOSITORY_FILE");
            if (env != null) return readLocation(env[1], env[0]);
            throw new UserException("please specify a source repository location (--from-repo or --from-repository-file)");
        }

        private static String readLocation(String file, String from) {
            String loc;
            try {
                loc = PasswordSources.readFile(Path.of(file));
            } catch (NoSuchFileException e) {
                throw new UserException("repository file " + file + " (" + from + ") does not exist");
            } catch (IOException e) {
                throw new UserException("cannot read repository file " + file + " (" + from + "): " + e.getMessage());
            }
            if (loc.isEmpty()) throw new UserException("repository file " + file + " (" + from + ") is empty");
            return loc;
        }

        /** The source password: the flags, else LIFEBOAT_FROM_* / RESTIC_FROM_* (command, file, value). */
        String password(Context ctx) {
            String cmd = nonEmpty(passwordCommand);
            if (cmd != null && passwordFile != null) {
                throw new UserException("--from-password-file and --from-password-command are mutually exclusive; give only one");
            }
            String pw;
            String source;
            try {
                if (cmd != null) {
                    pw = PasswordSources.fromCommand(cmd, ctx.cancel());
                    source = "--from-password-command";
                } else if (passwordFile != null) {
                    pw = Context.readPasswordFile(passwordFile);
                    source = "password file " + passwordFile;
                } else {
                    String[] c = PasswordSources.variable("FROM_PASSWORD_COMMAND");
                    String[] f = PasswordSources.variable("FROM_PASSWORD_FILE");
                    String[] v = PasswordSources.variable("FROM_PASSWORD");
                    if (c != null && f != null) {
                        throw new UserException(c[0] + " and " + f[0] + " are both set; set only one");
                    }
                    if (c != null) {
                        pw = PasswordSources.fromCommand(c[1], ctx.cancel());
                        source = c[0];
                    } else if (f != null) {
                        pw = Context.readPasswordFile(f[1]);
                        source = f[0] + " " + f[1];
                    } else if (v != null) {
                        pw = v[1];
                        source = v[0];
                    } else {
                        throw new UserException("no password given for the source repository: use --from-password-file or"
                                + " --from-password-command, or set RESTIC_FROM_PASSWORD (or LIFEBOAT_FROM_PASSWORD)");
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new UserException("--from-password-command: " + e.getMessage());
            } catch (IOException e) {
                throw new UserException(e.getMessage());
            }
            if (pw.isEmpty()) throw new UserException("an empty password is not a password (" + source + " gave none)");
            return pw;
        }

        /** The key hint: the flag, else LIFEBOAT_FROM_KEY_HINT / RESTIC_FROM_KEY_HINT; null for none. */
        String keyHint() {
            if (nonEmpty(keyHint) != null) return keyHint;
            String[] env = PasswordSources.variable("FROM_KEY_HINT");
            return env == null ? null : env[1];
        }

        /** The source's backend (read-only but for locks), shown to hold a repository. @throws UserException exit 10 if not */
        Backend backend(Context ctx) throws IOException {
            Backend b;
            try {
                b = new CopySourceBackend(Context.backendFor(location(), ctx.stackOptions()), keyHint());
            } catch (UserException e) {
                throw new UserException(opening(true, org.lifeboat.repository.Locations.redact(location()), e.getMessage()), e.exitCode());
            }
            return requireRepository(true, b);
        }

        /** Opens the source on {@code b}. @throws UserException exit 12 naming the source for a wrong password */
        Repository open(Context ctx, Backend b) throws IOException {
            try {
                return Repository.open(b, password(ctx));
            } catch (WrongPasswordException e) {
                b.close();
                throw new UserException("wrong password for the source repository " + b.location() + " (" + e.getMessage() + ")",
                        ExitCodes.WRONG_PASSWORD);
            } catch (java.io.InterruptedIOException | UserException e) {
                b.close();
                throw e;
            } catch (IOException e) {
                b.close();
                throw new UserException(opening(true, b.location(), message(e)), ExitCodes.FATAL);
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
        }

        private static String nonEmpty(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    @Override
    public Integer call() throws Exception {
        Context ctx = new Context(main);
        // Both locations are shown to hold a repository before any password is asked for.
        Backend srcBackend = from.backend(ctx);
        Backend dstBackend;
        try {
            try {
                dstBackend = ctx.backend();
            } catch (UserException e) {
                throw new UserException(opening(false, org.lifeboat.repository.Locations.redact(ctx.repositoryLocation()), e.getMessage()),
                        e.exitCode());
            }
            requireRepository(false, dstBackend);
        } catch (IOException | RuntimeException e) {
            srcBackend.close();
            throw e;
        }
        // Sameness is by place (a clone made with cp -a or rsync keeps the config ID and is a fine target).
        if (Places.same(srcBackend.location(), dstBackend.location(), null)) {
            srcBackend.close();
            dstBackend.close();
            throw new UserException("the source and the target are the same repository (" + dstBackend.location()
                    + "); copy needs two different places");
        }
        Repository dst = null;
        try (Repository src = from.open(ctx, srcBackend)) {
            try {
                dst = Repository.open(dstBackend, ctx.password(false));
            } catch (WrongPasswordException e) {
                throw new UserException("wrong password for the target repository " + dstBackend.location() + " ("
                        + e.getMessage() + ")", ExitCodes.WRONG_PASSWORD);
            } catch (java.io.InterruptedIOException | UserException e) {
                throw e;
            } catch (IOException e) {
                throw new UserException(opening(false, dstBackend.location(), message(e)), ExitCodes.FATAL);
            }
            dst.setPackSize(ctx.packSizeBytes());
            // restic: a shared lock on the source (unless --no-lock), a normal lock on the target, always.
            final Repository target = dst;
            try (RepositoryLock srcLock = side(true, src, () -> ctx.lock(src, false));
                 RepositoryLock dstLock = side(false, target, () -> RepositoryLock.acquire(target, false, ctx::warn, ctx.cancel(),
                         ctx.global.retryLock, ctx.lockWaiting()))) {
                side(true, src, () -> {
                    ctx.loadIndex(src);
                    return null;
                });
                side(false, target, () -> {
                    ctx.loadIndex(target);
                    return null;
                });
                List<Snapshot> selected = side(true, src, () -> Copier.select(src, filter.filter(), ids, ctx::warn));
                CopyResult r = new Copier(src, dst, new Lines(ctx), ctx.cancel()).copy(selected, ctx::warn);
                if (ctx.json()) {
                    ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "summary")
                            .put("snapshots_copied", r.copied().size()).put("snapshots_skipped", r.skipped())
                            .put("blobs_sent", r.blobsSent()).put("bytes_sent", r.bytesSent())
                            .put("packed_bytes_sent", r.packedBytes()));
                } else {
                    ctx.verbose("copied " + r.copied().size() + " snapshots, skipped " + r.skipped() + ", sent " + r.blobsSent()
                            + " blobs (" + ProgressLine.bytes(r.bytesSent()) + ")");
                }
            }
        } finally {
            if (dst != null) dst.close();
            else dstBackend.close();
        }
        return ExitCodes.OK;
    }

    /**
     * {@code b}, shown to hold a repository (restic exits 10 when one side does not); on any failure
     * {@code b} is closed and the failure names its side. A missing source gets no advice to create
     * one: a source that is not there is to be found, not made.
     */
    private static Backend requireRepository(boolean source, Backend b) throws IOException {
        try {
            Repository.requireConfig(b);
            return b;
        } catch (RepositoryNotFoundException e) {
            b.close();
            throw new UserException(source ? "source repository: " + withoutInitAdvice(e.getMessage())
                    : "target repository: " + e.getMessage(), ExitCodes.NO_REPOSITORY);
        } catch (java.io.InterruptedIOException | RuntimeException e) {
            b.close();
            throw e;
        } catch (IOException e) {
            b.close();
            throw new UserException(opening(source, b.location(), message(e)), ExitCodes.FATAL);
        }
    }

    /**
     * A failure opening one side, as every failure of that side says it: {@code source repository
     * LOC: …} or {@code target repository LOC: …} (the message's own copy of the location dropped).
     */
    static String opening(boolean source, String location, String message) {
        String side = (source ? "source" : "target") + " repository " + location + ": ";
        if (message.startsWith(side)) return message;
        // the location once: a message that starts with it gives the rest
        if (message.startsWith(location + ": ")) message = message.substring(location.length() + 2);
        return side + message;
    }

    private static String message(IOException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** A "repository does not exist" message without the advice to create one (for a source). */
    static String withoutInitAdvice(String message) {
        return message.replaceAll("; create one with 'lifeboat init[^']*'$", "");
    }

    /** A step on one side of the copy. */
    private interface Step<T> {
        T run() throws IOException;
    }

    /**
     * Runs a step on one side, its failures (lock, storage, index) saying which side, so that a
     * user unlocks or repairs the right repository: {@code source repository LOC: …} (with
     * {@code unlock -r SOURCE}), {@code target repository LOC: …}. Exit codes stay (11 for a lock).
     */
    private static <T> T side(boolean source, Repository repo, Step<T> step) throws IOException {
        try {
            return step.run();
        } catch (java.io.InterruptedIOException e) { // a cancel (Cancel.Cancelled) is no side's fault
            throw e;
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (source) {
                msg = msg.replace("'lifeboat unlock --remove-all'", "'lifeboat unlock --remove-all -r " + repo.location() + "'")
                        .replace("'lifeboat unlock'", "'lifeboat unlock -r " + repo.location() + "'");
            }
            int code = e instanceof org.lifeboat.repository.LockException ? ExitCodes.LOCKED : ExitCodes.FATAL;
            throw new UserException((source ? "source" : "target") + " repository " + repo.location() + ": " + msg, code);
        }
    }

    /** Go's time.Time String() as restic prints a snapshot's time, in the local zone. */
    private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS Z z");

    static String goTime(java.time.OffsetDateTime t) {
        String s = t.atZoneSameInstant(ZoneId.systemDefault()).format(GO_TIME);
        // Go drops trailing zeros of the fraction (and the dot when it is all zeros)
        int dot = s.indexOf('.');
        int space = s.indexOf(' ', dot);
        String frac = s.substring(dot + 1, space).replaceAll("0+$", "");
        return s.substring(0, dot) + (frac.isEmpty() ? "" : "." + frac) + s.substring(space);
    }

    /** The engine's events as restic's lines (text) or one JSON object each (--json). */
    private static final class Lines implements CopyListener {
        private final Context ctx;

        Lines(Context ctx) {
            this.ctx = ctx;
        }

        private void header(Snapshot s) {
            ctx.info("");
            ctx.info("snapshot " + s.id().shortHex() + " of [" + String.join(" ", s.paths()) + "] at " + goTime(s.time())
                    + " by " + nz(s.username()) + "@" + nz(s.hostname()) + ")");
        }

        private static String nz(String s) {
            return s == null ? "" : s;
        }

        @Override
        public void skipped(Snapshot source, Snapshot existing) {
            if (ctx.json()) {
                ctx.printJson(Json.MAPPER.createObjectNode().put("message_type", "snapshot_skipped")
                        .put("source_snapshot", source.id().hex()).put("existing_snapshot", existing.id().hex()));
                return;
            }
            header(source);
            ctx.info("skipping source snapshot " + source.id().shortHex() + ", was already copied to snapshot "
                    + existing.id().shortHex());
        }

        @Override
        public void started(Snapshot source) {
            if (ctx.json()) return;
            header(source);
            ctx.info("  copy started, this may take a while...");
        }

        @Override
        public void copied(Snapshot source, Snapshot copy, long blobs, long bytes) {
            if (ctx.json()) {
                ObjectNode o = Json.MAPPER.createObjectNode().put("message_type", "snapshot_copied")
                        .put("source_snapshot", source.id().hex()).put("snapshot_id", copy.id().hex())
                        .put("blobs_sent", blobs).put("bytes_sent", bytes);
                ctx.printJson(o);
                return;
            }
            ctx.info("snapshot " + copy.id().shortHex() + " saved");
        }
    }
}
