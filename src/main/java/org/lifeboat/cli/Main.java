package org.lifeboat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
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

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "print more detail")
    boolean verbose;

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "the recovery plan (default: $LIFEBOAT_CONFIG, ./lifeboat.yaml, /etc/lifeboat/lifeboat.yaml)")
    String config;

    @Option(names = "--no-lock", scope = ScopeType.INHERIT, description = "do not lock the repository (read-only commands)")
    boolean noLock;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "missing command");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lifeboat " + VERSION + " (restic repository format 1 and 2)"};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command and returns its exit code (used by main, the demo and tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd.getErr()));
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            return ExitCodes.FATAL;
        });
        return cl.execute(args);
    }

    /** Maps failures to one clear sentence and restic's exit codes; stack traces only with LIFEBOAT_DEBUG. */
    static int handle(Exception ex, PrintWriter err) {
        if (System.getenv("LIFEBOAT_DEBUG") != null) ex.printStackTrace(err);
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
            case NoSuchFileException n -> {
                code = ExitCodes.FATAL;
                msg = n.getFile() + ": no such file or directory";
            }
            case AccessDeniedException a -> {
                code = ExitCodes.FATAL;
                msg = a.getFile() + ": permission denied";
            }
            case FileSystemException f -> {
                code = ExitCodes.FATAL;
                msg = f.getMessage();
            }
            case IOException io -> {
                code = ExitCodes.FATAL;
                msg = io.getMessage();
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
