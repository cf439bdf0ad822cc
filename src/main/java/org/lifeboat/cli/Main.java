package org.lifeboat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import org.lifeboat.repository.LockException;
import org.lifeboat.repository.RepositoryNotFoundException;
import org.lifeboat.repository.WrongPasswordException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code lifeboat} command line. */
@Command(name = "lifeboat", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = ScopeType.INHERIT, // every subcommand gets --help/--version, which the usage hints point to
        description = "Backup and disaster recovery. Repositories use restic's format (version 2).",
        subcommands = {InitCommand.class, BackupCommand.class, SnapshotsCommand.class, LsCommand.class,
                FindCommand.class, DiffCommand.class, StatsCommand.class, RestoreCommand.class, DumpCommand.class,
                CheckCommand.class, CatCommand.class, KeyCommand.class, UnlockCommand.class, DemoCommand.class,
                VersionCommand.class, PlanCommand.class, RecoverCommand.class, RunbookCommand.class,
                DrillCommand.class, ForecastCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    @Option(names = {"-r", "--repo"}, scope = ScopeType.INHERIT, paramLabel = "REPOSITORY",
            description = "repository location (default: $LIFEBOAT_REPOSITORY, then $RESTIC_REPOSITORY)")
    String repo;

    @Option(names = "--password-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "read the password from FILE (default: $LIFEBOAT_PASSWORD_FILE)")
    String passwordFile;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "machine-readable JSON output")
    boolean json;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "print only errors and results")
    boolean quiet;

    /** -v given at all; {@link #verbosity} counts how often (restic's -v, -vv). */
    boolean verbose;
    int verbosity;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "print more detail (repeatable: -vv prints even more)")
    void verbose(boolean[] times) {
        verbosity = times.length;
        verbose = verbosity > 0;
    }

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "the recovery plan (default: $LIFEBOAT_CONFIG, ./lifeboat.yaml, /etc/lifeboat/lifeboat.yaml)")
    String config;

    @Option(names = "--no-lock", scope = ScopeType.INHERIT, description = "do not lock the repository (read-only commands)")
    boolean noLock;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command");
    }

    /**
     * A file system failure as a sentence: what kind of failure and the file (the JDK's message is
     * often only the path, e.g. "Fatal: /srv/restore/f8.bin").
     */
    static String fileError(FileSystemException f) {
        String file = f.getFile() == null ? "a file" : f.getFile();
        String other = f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")";
        String reason = f.getReason() == null || f.getReason().isBlank() ? "" : ": " + f.getReason();
        return switch (f) {
            case NoSuchFileException _ -> file + other + " does not exist (no such file or folder)";
            case AccessDeniedException _ -> "permission denied for " + file + other + reason;
            case FileAlreadyExistsException _ -> "cannot create " + file + ": it already exists"
                    + (reason.isEmpty() ? " (is another process writing there too?)" : reason);
            case DirectoryNotEmptyException _ -> "folder " + file + " is not empty" + reason;
            case NotDirectoryException _ -> file + " is not a folder" + reason;
            case FileSystemLoopException _ -> file + " is part of a loop of symbolic links";
            case NotLinkException _ -> file + " is not a symbolic link" + reason;
            default -> "file system error on " + file + other
                    + (reason.isEmpty() ? " (" + f.getClass().getSimpleName() + ")" : reason);
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lifeboat " + VERSION + " (restic repository format 1 and 2)"};
        }
    }

    public static void main(String[] args) {
        Interrupts.install(System.err);
        RawArgs.capture(args); // names that are not UTF-8 (only the real process has its argv)
        int code = run(args);
        Interrupts.exiting();
        System.exit(code);
    }

    /** Runs one command and returns its exit code (used by main, the demo and tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd.getErr()));
        cl.setExecutionStrategy(parsed -> {
            refuseNoLockForWriters(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return ExitCodes.FATAL;
        });
        return cl.execute(args);
    }

    /**
     * --no-lock is for commands that only read the repository (snapshots, ls, find, diff, stats,
     * restore, dump, check, cat, key list, and backup --dry-run), as in restic. A command that
     * writes would write while another process may hold an exclusive lock, so it refuses the option
     * instead of ignoring it.
     *
     * @throws CommandLine.ParameterException naming the command, for a writer given --no-lock
     */
    static void refuseNoLockForWriters(CommandLine.ParseResult parsed) {
        if (!(parsed.commandSpec().userObject() instanceof Main m) || !m.noLock) return;
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) leaf = leaf.subcommand();
        if (leaf.isUsageHelpRequested() || leaf.isVersionHelpRequested()) return;
        String what = switch (leaf.commandSpec().userObject()) {
            case InitCommand _ -> "'init' creates the repository and must lock it";
            case UnlockCommand _ -> "'unlock' removes lock files and must see them all";
            case BackupCommand b when b.all || !b.systems.isEmpty() -> "'backup --system/--all' writes snapshots and must lock the repositories";
            case BackupCommand b when !b.dryRun -> "'backup' writes to the repository and must lock it (only 'backup --dry-run' may skip the lock)";
            case KeyCommand k when !"list".equals(k.action) -> "'key " + k.action + "' changes the repository's keys and must lock it";
            default -> null;
        };
        if (what == null) return;
        throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(),
                "--no-lock is only for commands that only read the repository; " + what);
    }

    /** Maps failures to one clear sentence and restic's exit codes; stack traces only with LIFEBOAT_DEBUG. */
    static int handle(Exception ex, PrintWriter err) {
        if (Interrupts.interrupted()) {
            // The interrupt's own line says what happened; failures it caused are no news.
            return 130;
        }
        if (System.getenv("LIFEBOAT_DEBUG") != null) ex.printStackTrace(err);
        if ((ex instanceof java.io.UncheckedIOException || ex instanceof java.util.concurrent.CompletionException
                || ex instanceof java.util.concurrent.ExecutionException) && ex.getCause() instanceof Exception c) {
            ex = c;
        }
        int code;
        String msg;
        switch (ex) {
            case org.lifeboat.plan.PlanException p -> {
                code = ExitCodes.FATAL;
                if (p.problems().isEmpty()) {
                    msg = p.getMessage();
                } else {
                    for (org.lifeboat.plan.Problem pr : p.problems()) err.println(pr);
                    long n = p.problems().stream().filter(org.lifeboat.plan.Problem::isError).count();
                    msg = "the plan has " + n + " error" + (n == 1 ? "" : "s") + "; nothing was done";
                }
            }
            case org.lifeboat.drill.StateStoreException st -> {
                code = ExitCodes.FATAL;
                msg = st.getMessage();
            }
            case org.lifeboat.recovery.RecoveryException r -> {
                code = ExitCodes.FATAL;
                msg = r.getMessage();
            }
            case UserException u -> {
                code = u.exitCode();
                msg = u.getMessage();
            }
            case WrongPasswordException w -> {
                code = ExitCodes.WRONG_PASSWORD;
                msg = w.getMessage();
            }
            case RepositoryNotFoundException r -> {
                code = ExitCodes.NO_REPOSITORY;
                msg = r.getMessage();
            }
            case LockException l -> {
                code = ExitCodes.LOCKED;
                msg = l.getMessage();
            }
            case FileSystemException f -> {
                code = ExitCodes.FATAL;
                msg = fileError(f);
            }
            case IOException io -> {
                code = ExitCodes.FATAL;
                msg = io.getMessage() == null || io.getMessage().isBlank()
                        ? "input/output error (" + io.getClass().getSimpleName() + ")" : io.getMessage();
            }
            default -> {
                code = ExitCodes.FATAL;
                msg = "internal error: " + ex + " (run with LIFEBOAT_DEBUG=1 for details)";
            }
        }
        err.println("Fatal: " + msg);
        err.flush();
        return code;
    }
}
