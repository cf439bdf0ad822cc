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
import java.util.ArrayList;
import java.util.List;
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
        footer = {"", "Examples:", "  lifeboat init -r /srv/backup/repo", "  lifeboat backup /home /etc --exclude \"*.tmp\"", "  lifeboat snapshots", "  lifeboat restore latest --target /srv/restore", "  lifeboat help backup"})
public final class Main implements Runnable {
    public static final String VERSION = "0.1.0";

    /**
     * The subcommands by name, in the order help lists them. They are not in the annotation: picocli
     * builds the model of every annotated subcommand by reflection before parsing (about half a
     * second for all of them, on every run), so a run registers only the ones its arguments name;
     * see {@link #commandLine(Main, String[])}. The names are each class's {@code @Command(name)}
     * (CommandTreeTest checks that they agree).
     */
    static final java.util.SequencedMap<String, Class<?>> SUBCOMMANDS = subcommands();

    private static java.util.SequencedMap<String, Class<?>> subcommands() {
        java.util.LinkedHashMap<String, Class<?>> m = new java.util.LinkedHashMap<>();
        m.put("init", InitCommand.class);
        m.put("backup", BackupCommand.class);
        m.put("snapshots", SnapshotsCommand.class);
        m.put("ls", LsCommand.class);
        m.put("find", FindCommand.class);
        m.put("diff", DiffCommand.class);
        m.put("stats", StatsCommand.class);
        m.put("restore", RestoreCommand.class);
        m.put("dump", DumpCommand.class);
        m.put("check", CheckCommand.class);
        m.put("cat", CatCommand.class);
        m.put("key", KeyCommand.class);
        m.put("forget", ForgetCommand.class);
        m.put("unlock", UnlockCommand.class);
        m.put("prune", PruneCommand.class);
        m.put("retention", RetentionCommand.class);
        m.put("tag", TagCommand.class);
        m.put("rewrite", RewriteCommand.class);
        m.put("migrate", MigrateCommand.class);
        m.put("repair", RepairCommand.class);
        m.put("rebuild-index", RebuildIndexCommand.class);
        m.put("demo", DemoCommand.class);
        m.put("version", VersionCommand.class);
        m.put("plan", PlanCommand.class);
        m.put("recover", RecoverCommand.class);
        m.put("runbook", RunbookCommand.class);
        m.put("copy", CopyCommand.class);
        m.put("drill", DrillCommand.class);
        m.put("forecast", ForecastCommand.class);
        m.put("anomalies", AnomaliesCommand.class);
        m.put("scan", ScanCommand.class);
        m.put("assess", AssessCommand.class);
        m.put("generate", GenerateCommand.class);
        m.put("serve", ServeCommand.class);
        m.put("status", StatusCommand.class);
        m.put("serve-repository", ServeRepositoryCommand.class);
        m.put("mount", MountCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return java.util.Collections.unmodifiableSequencedMap(m);
    }

    /** Commands that walk or write many files (see {@link org.lifeboat.fs.Posix#prepareInBackground}). */
    private static final java.util.Set<String> FILE_COMMANDS = java.util.Set.of("backup", "restore", "recover", "drill", "dump", "demo");

    /** Commands that show or generate the whole tree (help lists, man pages, completion). */
    private static final java.util.Set<String> WHOLE_TREE = java.util.Set.of("help", "generate");

    @Option(names = {"-r", "--repo"}, scope = ScopeType.INHERIT, paramLabel = "REPOSITORY",
            description = "repository location (default: $LIFEBOAT_REPOSITORY, then $RESTIC_REPOSITORY)")
    String repo;

    @Option(names = "--repository-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "read the repository location from FILE (default: $LIFEBOAT_REPOSITORY_FILE, then $RESTIC_REPOSITORY_FILE)")
    String repositoryFile;

    @Option(names = {"-p", "--password-file"}, scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "read the password from FILE, white space around it removed (default: $LIFEBOAT_PASSWORD_FILE, then $RESTIC_PASSWORD_FILE)")
    String passwordFile;

    @Option(names = "--password-command", scope = ScopeType.INHERIT, paramLabel = "COMMAND",
            description = "run COMMAND (no shell) and use what it prints as the password (default: $LIFEBOAT_PASSWORD_COMMAND, then $RESTIC_PASSWORD_COMMAND)")
    String passwordCommand;

    @Option(names = "--no-cache", scope = ScopeType.INHERIT,
            description = "accepted for restic's command lines; Lifeboat keeps no local cache, so it changes nothing")
    boolean noCache;

    @Option(names = "--cache-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "accepted for restic's command lines; Lifeboat keeps no local cache and writes nothing there")
    String cacheDir;

    /** -o values; see {@link Context#backendOptions()}. Added to every command by {@link #addBackendOption}. */
    final List<List<String>> optionLists = new ArrayList<>();

    /** Every -o/--option value given, in order of the command levels. */
    List<String> backendOptions() {
        List<String> all = new ArrayList<>();
        optionLists.forEach(all::addAll);
        return all;
    }

    @Option(names = "--limit-upload", scope = ScopeType.INHERIT, paramLabel = "RATE",
            description = "limit writes to the repository to this many KiB per second (default: unlimited)")
    int limitUpload;

    @Option(names = "--limit-download", scope = ScopeType.INHERIT, paramLabel = "RATE",
            description = "limit reads from the repository to this many KiB per second (default: unlimited)")
    int limitDownload;

    @Option(names = "--pack-size", scope = ScopeType.INHERIT, paramLabel = "SIZE",
            description = "target size of the pack files written, 4 to 128 MiB, 0 for the default (default: $LIFEBOAT_PACK_SIZE, then $RESTIC_PACK_SIZE, else 16)")
    Integer packSize;

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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** restic's --retry-lock (0.16+): how long to keep trying to lock a repository another process holds. */
    java.time.Duration retryLock = java.time.Duration.ZERO;

    @Option(names = "--retry-lock", scope = ScopeType.INHERIT, paramLabel = "DURATION",
            description = "retry to lock the repository if it is already locked, for up to DURATION (5m, 2h, 30s; default: no retries)")
    void retryLock(String value) {
        try {
            java.time.Duration d = value.strip().equals("0") ? java.time.Duration.ZERO // restic's default, no retries
                    : org.lifeboat.plan.Durations.parse(value);
            if (d == null || d.isNegative()) throw new IllegalArgumentException("not a duration");
            retryLock = d;
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid value '" + value + "' for --retry-lock: give a duration"
                    + " such as 30s, 5m or 2h");
        }
    }

    /**
     * This run's cancel token ({@link Context#cancel()}): cancelled by Ctrl-C/SIGTERM in the real
     * process, or by a lock that could not be kept.
     */
    org.lifeboat.backend.Cancel cancel = new org.lifeboat.backend.Cancel();

    /** The real process's token (set by main); a command run in-process from it (the demo) shares it. */
    private static volatile org.lifeboat.backend.Cancel processCancel;

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
            // With a reason (backend.NotAFolderException) the reason is the whole sentence.
            case NotDirectoryException _ -> file + (reason.isEmpty() ? " is not a folder" : reason);
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

    /**
     * Apache SSHD's NIO2 transport can complete a read of an SFTP session that was closed on
     * purpose after its client stopped; the JDK's channel-group thread then reports the rejected
     * completion ("Executor has been shut down") as an uncaught exception with a stack trace.
     * Nothing is lost then (the session was done), so that one report is not shown; every other
     * uncaught exception is, as before.
     */
    static void quietClosedSessionReads() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof IllegalStateException && "Executor has been shut down".equals(e.getMessage())) return;
            if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                System.err.print("Exception in thread \"" + t.getName() + "\" ");
                e.printStackTrace();
            }
        });
    }

    public static void main(String[] args) {
        // First: a Ctrl-C in the first moments must find the handler (else the JVM ends, no line).
        org.lifeboat.backend.Cancel job = new org.lifeboat.backend.Cancel();
        processCancel = job;
        Interrupts.install(null, job);
        quietClosedSessionReads();
        // Before any output: messages clear a drawn progress line first.
        ProgressLine.guardStandardStreams();
        RawArgs.capture(args); // names that are not UTF-8 (only the real process has its argv)
        Interrupts.exit(run(args));
    }

    /**
     * The whole command tree as the user sees it (help, completion and man pages are made from it).
     * picocli's own {@code help} command cannot be annotated, so its examples are set here.
     */
    static CommandLine commandLine() {
        return commandLine(new Main(), null);
    }

    /**
     * The command tree for one run: the root with only the subcommand its arguments run (the first
     * argument that is neither a root option nor such an option's value, as picocli finds it), or
     * all of them when there is none, it is not a command (a typo: the suggestions need them all) or
     * the command shows the whole tree. picocli parses the same with this tree as with the whole
     * one: past the command word, arguments belong to that command.
     *
     * @param args the run's arguments, or null for the whole tree
     */
    static CommandLine commandLine(Main main, String[] args) {
        CommandLine cl = new CommandLine(main);
        addBackendOption(cl, main); // the root's -o first: its value is skipped like the others'
        String word = args == null ? null : commandWord(cl.getCommandSpec(), args);
        boolean whole = word == null || !SUBCOMMANDS.containsKey(word) || WHOLE_TREE.contains(word);
        SUBCOMMANDS.forEach((name, type) -> {
            if (whole || name.equals(word)) cl.addSubcommand(name, type);
        });
        addBackendOption(cl, main);
        // restic takes "-r snapshots snapshots" (a repository named like a command); so does Lifeboat
        cl.setAllowSubcommandsAsOptionParameters(true);
        // An unknown command ends the parse (the root only): picocli would go on and enter a later
        // argument that is a command's name ("restor latest --target check" ran check's parser).
        cl.getCommandSpec().parser().stopAtUnmatched(true);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Help fills the terminal as the progress line does (picocli wraps at 80 otherwise; 55 is its
        // minimum). Asking the terminal costs native calls, so only a run that may show help asks.
        if (args == null || showsHelp(args)) {
            cl.setUsageHelpWidth(Math.clamp(ProgressLine.columns(System.getenv(), () -> org.lifeboat.fs.Terminal.columns(1)), 55, 160));
        }
        CommandLine help = cl.getSubcommands().get("help");
        if (help != null) {
            help.getCommandSpec().usageMessage().footer("", "Examples:", "  lifeboat help backup",
                    "  lifeboat help drill report");
        }
        return cl;
    }

    /**
     * Runs one command and returns its exit code (used by main, the demo and tests). In the real
     * process the command gets the process's cancel token; an in-process run (tests) its own.
     */
    public static int run(String... args) {
        org.lifeboat.backend.Cancel shared = processCancel;
        return run(shared != null ? shared : new org.lifeboat.backend.Cancel(), args);
    }

    /** {@link #run(String...)} with {@code cancel} as the command's token (tests cancel it themselves). */
    static int run(org.lifeboat.backend.Cancel cancel, String... args) {
        Main main = new Main();
        main.cancel = cancel;
        CommandLine cl = commandLine(main, args);
        // While it opens the repository (the key's scrypt alone takes a third of a second), a
        // command that reads or writes many files gets its native calls made on the other core.
        if (cl.getSubcommands().size() == 1 && FILE_COMMANDS.containsAll(cl.getSubcommands().keySet())) {
            org.lifeboat.fs.Posix.prepareInBackground();
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd.getErr()));
        cl.setExecutionStrategy(parsed -> {
            refuseUnknownCommandWithHelp(parsed);
            if (nestedHelp(parsed)) return ExitCodes.OK;
            refuseNoLockForWriters(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String bad = badValue(ex);
            if (bad != null) {
                // A value of the wrong form or size, for every option at once: one sentence, as
                // Lifeboat's own range checks say it (not picocli's "'…' is not an int").
                err.println("Fatal: " + bad);
                err.flush();
                return ExitCodes.FATAL;
            }
            String unknown = ex instanceof CommandLine.UnmatchedArgumentException u ? unknown(u) : unknownHelpTopic(ex);
            err.println("error: " + (unknown != null ? unknown : ex.getMessage()));
            CommandLine.Model.CommandSpec see = ex.getCommandLine().getCommandSpec();
            if (see.userObject() instanceof CommandLine.HelpCommand && see.parent() != null) see = see.parent();
            err.println("see '" + see.qualifiedName() + " --help'");
            return ExitCodes.FATAL;
        });
        return cl.execute(args);
    }

    /**
     * The argument picocli takes for the subcommand: the first one that is not an option of the
     * root ({@code root}'s options, which every command inherits) nor the value of one, or null
     * when there is none (or only after {@code --}, where nothing is a command).
     */
    static String commandWord(CommandLine.Model.CommandSpec root, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return null;
            if (a.startsWith("-") && a.length() > 1) {
                if (a.indexOf('=') > 0) continue; // --repo=DIR: the value is part of it
                CommandLine.Model.OptionSpec o = root.findOption(a);
                if (o != null && o.arity().max() > 0 && !o.typeInfo().isBoolean()) i++; // its value is the next one
                continue;
            }
            return a;
        }
        return null;
    }

    /**
     * {@code lifeboat snapshot --help}: picocli shows the root's help for a help option behind an
     * unknown command and exits 0; restic (cobra) says the command is unknown, with suggestions,
     * and exits 1. So does Lifeboat.
     *
     * @throws CommandLine.UnmatchedArgumentException for an unknown command with a help option
     */
    static void refuseUnknownCommandWithHelp(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) leaf = leaf.subcommand();
        // at any level that has subcommands (plan shw --help too)
        if (leaf.isUsageHelpRequested() && !leaf.unmatched().isEmpty() && !leaf.commandSpec().subcommands().isEmpty()) {
            throw new CommandLine.UnmatchedArgumentException(leaf.commandSpec().commandLine(), leaf.unmatched());
        }
    }

    /**
     * {@code lifeboat help plan show}: picocli's help command shows the first topic's help only
     * ({@code plan}'s) and takes any second one; cobra (restic) walks down to the nested command and
     * refuses an unknown one. So does Lifeboat: the nested command's usage, or an unknown command of
     * its parent with suggestions.
     *
     * @return true when it printed a nested command's help (the run is done)
     * @throws CommandLine.ParameterException for a topic that is no command there
     */
    static boolean nestedHelp(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) leaf = leaf.subcommand();
        if (!(leaf.commandSpec().userObject() instanceof CommandLine.HelpCommand) || leaf.commandSpec().parent() == null) return false;
        List<String> topics = new ArrayList<>();
        for (CommandLine.Model.PositionalParamSpec p : leaf.matchedPositionals()) {
            switch (p.getValue()) {
                case String[] words -> topics.addAll(List.of(words));
                case String word -> topics.add(word);
                case null, default -> { }
            }
        }
        topics.addAll(leaf.unmatched()); // picocli's help command takes one topic; it lets the others through
        if (topics.size() < 2) return false;
        CommandLine cur = leaf.commandSpec().parent().commandLine();
        for (String t : topics) {
            // a command without subcommands takes the rest as its arguments (help key list: key's help)
            if (cur.getSubcommands().isEmpty() && cur != leaf.commandSpec().parent().commandLine()) break;
            CommandLine sub = cur.getSubcommands().get(t);
            if (sub == null) throw new CommandLine.ParameterException(cur, "Unknown subcommand '" + t + "'.");
            cur = sub;
        }
        cur.usage(leaf.commandSpec().commandLine().getOut());
        return true;
    }

    /**
     * Whether a run with these arguments may print a usage text: asked for with help, -h, --help
     * or --version, or no command at all (the root's usage).
     */
    private static boolean showsHelp(String[] args) {
        if (args.length == 0) return true;
        for (String a : args) {
            if (a.equals("--")) break;
            if (a.equals("help") || a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) return true;
        }
        return false;
    }

    /** What picocli says when a value cannot be converted to the option's type. */
    private static final java.util.regex.Pattern INVALID_VALUE =
            java.util.regex.Pattern.compile("Invalid value for (?:option|positional parameter) '([^']*)': (.*)", java.util.regex.Pattern.DOTALL);

    /** The accepted values of options whose range is narrower than their Java type's. */
    private static final java.util.Map<String, String> RANGES = java.util.Map.of(
            "--pack-size", "a whole number of MiB from 4 to 128 (0: the default)",
            "--limit-upload", "a whole number of KiB/s from 0 (unlimited) to " + Integer.MAX_VALUE,
            "--limit-download", "a whole number of KiB/s from 0 (unlimited) to " + Integer.MAX_VALUE);

    /**
     * A value picocli could not convert (not a number, too large for the type, not one of the
     * choices) as one sentence naming the option, the value and what it accepts, e.g.
     * {@code --pack-size '99999999999' is not valid: it must be a whole number of MiB from 4 to 128}.
     *
     * @return the sentence, or null when {@code ex} is about something else (an unknown option, a
     *     missing value)
     */
    static String badValue(CommandLine.ParameterException ex) {
        java.util.regex.Matcher m = INVALID_VALUE.matcher(String.valueOf(ex.getMessage()));
        if (!m.matches()) return null;
        String name = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName() : m.group(1);
        String value = ex.getValue();
        if (value == null) {
            java.util.regex.Matcher v = java.util.regex.Pattern.compile("'(.*?)' is not", java.util.regex.Pattern.DOTALL)
                    .matcher(m.group(2));
            value = v.find() ? v.group(1) : null;
        }
        String accepted = RANGES.get(name);
        if (accepted == null && ex.getArgSpec() != null) {
            Class<?> t = ex.getArgSpec().type();
            if (t.isArray() || java.util.Collection.class.isAssignableFrom(t)) {
                Class<?>[] aux = ex.getArgSpec().auxiliaryTypes();
                t = aux.length > 0 ? aux[0] : t;
            }
            if (t == int.class || t == Integer.class) accepted = "a whole number from 0 to " + Integer.MAX_VALUE;
            else if (t == long.class || t == Long.class) accepted = "a whole number from 0 to " + Long.MAX_VALUE;
            else if (t == double.class || t == Double.class) accepted = "a number such as 2.5";
        }
        String what = name + (value == null ? "" : " '" + value + "'");
        if (accepted != null) return what + " is not valid: it must be " + accepted;
        // Other types (choices, durations): picocli's own reason says what is accepted.
        String reason = m.group(2).replaceFirst("^'.*?' ", "").strip();
        return what + " is not valid: " + reason;
    }

    /**
     * picocli's help command meets a topic that is no command ("Unknown subcommand 'snapshot'."):
     * said as for the command itself, {@code unknown command "snapshot" for "lifeboat"; did you mean: snapshots?}.
     *
     * @return the sentence, or null when {@code ex} is about something else
     */
    static String unknownHelpTopic(CommandLine.ParameterException ex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Unknown subcommand '(.*)'\\.?", java.util.regex.Pattern.DOTALL)
                .matcher(String.valueOf(ex.getMessage()));
        if (!m.matches()) return null;
        CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
        if (spec.userObject() instanceof CommandLine.HelpCommand && spec.parent() != null) spec = spec.parent();
        return unknownCommand(m.group(1), spec);
    }

    /** {@code unknown command "typed" for "spec"}, with the near visible subcommands. */
    private static String unknownCommand(String typed, CommandLine.Model.CommandSpec spec) {
        List<String> candidates = new ArrayList<>();
        spec.subcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().usageMessage().hidden()) candidates.add(name);
        });
        List<String> near = near(typed, candidates);
        return "unknown command \"" + typed + "\" for \"" + spec.qualifiedName() + "\""
                + (near.isEmpty() ? "" : "; did you mean: " + String.join(", ", near) + "?");
    }

    /**
     * An unknown command or option as cobra (restic) says it, with the near ones:
     * {@code unknown command "snapshot" for "lifeboat"; did you mean: snapshots?}.
     *
     * @return the sentence, or null when the unmatched argument is neither (a surplus argument)
     */
    static String unknown(CommandLine.UnmatchedArgumentException u) {
        if (u.getUnmatched().isEmpty()) return null;
        String arg = u.getUnmatched().getFirst();
        CommandLine.Model.CommandSpec spec = u.getCommandLine().getCommandSpec();
        List<String> candidates = new ArrayList<>();
        String kind;
        String typed = arg;
        if (arg.startsWith("-") && arg.length() > 1) {
            kind = "option";
            int eq = arg.indexOf('=');
            if (eq > 0) typed = arg.substring(0, eq); // --exclde=*.tmp: the value is no part of the name
            for (CommandLine.Model.OptionSpec o : spec.options()) {
                if (!o.hidden()) candidates.addAll(List.of(o.names()));
            }
        } else if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
            return unknownCommand(arg, spec);
        } else {
            return null;
        }
        List<String> near = near(typed, candidates);
        return "unknown " + kind + " \"" + typed + "\" for \"" + spec.qualifiedName() + "\""
                + (near.isEmpty() ? "" : "; did you mean: " + String.join(", ", near) + "?");
    }

    /**
     * The candidates close to what was typed, nearest first (at most 5): those it is a prefix of,
     * and those within an edit distance of 2 (1 for names of up to 3 letters), ignoring case and
     * leading dashes, as cobra's suggestions. One-letter names suggest nothing: every other
     * one-letter option would be "near".
     */
    static List<String> near(String typed, List<String> candidates) {
        String t = stripDashes(typed).toLowerCase(java.util.Locale.ROOT);
        if (t.length() < 2) return List.of();
        int maxDistance = t.length() <= 3 ? 1 : 2;
        record Scored(String name, int distance) {}
        List<Scored> scored = new ArrayList<>();
        for (String c : new java.util.LinkedHashSet<>(candidates)) {
            String n = stripDashes(c).toLowerCase(java.util.Locale.ROOT);
            if (n.length() < 2 || n.equals(t)) continue;
            int d = distance(t, n);
            if (n.startsWith(t)) scored.add(new Scored(c, Math.min(d, maxDistance)));
            else if (d <= maxDistance) scored.add(new Scored(c, d));
        }
        scored.sort(java.util.Comparator.comparingInt(Scored::distance).thenComparing(Scored::name));
        return scored.stream().limit(5).map(Scored::name).toList();
    }

    private static String stripDashes(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '-') i++;
        return s.substring(i);
    }

    /** Levenshtein distance (insertions, deletions, substitutions). */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] tmp = prev;
            prev = cur;
            cur = tmp;
        }
        return prev[b.length()];
    }

    /**
     * Adds restic's {@code -o/--option KEY=VALUE} to the command and every subcommand, all filling
     * {@link #backendOptions()}, as restic accepts it before or after the command name. A command that
     * already uses {@code -o} for itself (e.g. {@code runbook -o FILE}) keeps it and gets only
     * {@code --option}.
     */
    static void addBackendOption(CommandLine cl, Main main) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        List<String> names = new ArrayList<>();
        if (!spec.optionsMap().containsKey("-o")) names.add("-o");
        if (!spec.optionsMap().containsKey("--option")) names.add("--option");
        if (!names.isEmpty()) {
            spec.addOption(CommandLine.Model.OptionSpec.builder(names.toArray(String[]::new))
                    .paramLabel("KEY=VALUE").type(List.class).auxiliaryTypes(String.class).arity("1")
                    .description("set a backend option, as restic's -o (e.g. s3.connections=8, sftp.args=\"-i KEY\", s3.region=eu-west-1)")
                    .setter(new CommandLine.Model.ISetter() {
                        @Override
                        public <T> T set(T value) {
                            // picocli hands over the list it fills; one per command level, all kept
                            if (value instanceof List<?> l && main.optionLists.stream().noneMatch(x -> x == l)) {
                                @SuppressWarnings("unchecked")
                                List<String> strings = (List<String>) l;
                                main.optionLists.add(strings);
                            }
                            return null;
                        }
                    })
                    .getter(new CommandLine.Model.IGetter() {
                        @Override
                        public <T> T get() {
                            return null;
                        }
                    })
                    .build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) addBackendOption(sub, main);
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
            case org.lifeboat.state.StateStoreException st -> {
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
