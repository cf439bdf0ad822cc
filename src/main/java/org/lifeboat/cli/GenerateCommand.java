package org.lifeboat.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.lifeboat.plan.Durations;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Shell completion scripts and man pages, as restic's {@code generate}; and systemd units that run
 * {@code lifeboat serve} as a service, or {@code lifeboat backup --all} from a timer.
 */
@Command(name = "generate", description = {"Write shell completion scripts, man pages, or systemd units:",
        "a service running 'lifeboat serve' (scheduler, alerts, dashboard), or with --timer a timer running 'lifeboat backup --all'",
        "every half of the plan's smallest RPO (hourly when no system has one). The units name the plan by its absolute path (--config FILE, else where the plan is found)",
        "and the launcher as $LIFEBOAT_HOME/lifeboat, else /usr/local/bin/lifeboat."},
        footer = {"", "Examples:",
                "  lifeboat generate --bash-completion /etc/bash_completion.d/lifeboat",
                "  lifeboat generate --zsh-completion ~/.lifeboat-completion.zsh",
                "  lifeboat generate --man /usr/local/share/man/man1",
                "  lifeboat generate --systemd --config /etc/lifeboat/lifeboat.yaml",
                "  lifeboat generate --systemd --output-dir /etc/systemd/system",
                "  lifeboat generate --systemd --timer --output-dir /etc/systemd/system"})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--bash-completion", paramLabel = "FILE", description = "write the bash completion script to FILE (- for standard output)")
    String bash;

    @Option(names = "--zsh-completion", paramLabel = "FILE",
            description = "write the zsh completion script to FILE (- for standard output; it uses zsh's bashcompinit)")
    String zsh;

    @Option(names = "--man", paramLabel = "DIR", description = "write one man page per command into DIR (created if missing)")
    String man;

    @Option(names = "--systemd", description = "write systemd units: lifeboat.service, running 'lifeboat serve' (printed, or written with --output-dir)")
    boolean systemd;

    @Option(names = "--timer", description = "with --systemd: instead, lifeboat-backup.service and lifeboat-backup.timer, running 'lifeboat backup --all'"
            + " every half of the plan's smallest RPO (rounded down to a clock-aligned interval; hourly when no system has an RPO)")
    boolean timer;

    @Option(names = "--user", description = "with --systemd: units for the user's own service manager (systemctl --user), not the system's")
    boolean user;

    @Option(names = "--listen", paramLabel = "ADDRESS",
            description = "with --systemd: the HOST:PORT the service's 'lifeboat serve' listens on (default: serve's own)")
    String listen;

    @Option(names = "--output-dir", paramLabel = "DIR",
            description = "with --systemd: write the units into DIR (created if missing; e.g. /etc/systemd/system) instead of printing them")
    String outputDir;

    @Option(names = "--force", description = "with --systemd --output-dir: replace units that are already there")
    boolean force;

    @Override
    public Integer call() throws IOException, org.lifeboat.plan.PlanException {
        Context ctx = new Context(main);
        if (systemd) {
            if (bash != null || zsh != null || man != null) {
                throw new UserException("--systemd cannot be combined with --bash-completion, --zsh-completion or --man; run generate once for each");
            }
            return systemd(ctx);
        }
        String stray = timer ? "--timer" : user ? "--user" : listen != null ? "--listen" : outputDir != null ? "--output-dir" : force ? "--force" : null;
        if (stray != null) throw new UserException(stray + " is for systemd units: add --systemd");
        if (bash == null && zsh == null && man == null) {
            throw new UserException("nothing to generate: give --bash-completion FILE, --zsh-completion FILE, --man DIR"
                    + " or --systemd (units for lifeboat serve, or with --timer for a timed backup --all)");
        }
        // Names checked before anything is written: one sentence for what is wrong with each.
        if (bash != null) checkFile("--bash-completion", bash);
        if (zsh != null) checkFile("--zsh-completion", zsh);
        if (man != null) {
            if (man.isEmpty()) throw new UserException("--man: the folder name is empty (give a folder, e.g. /usr/local/share/man/man1)");
            if (Files.exists(Path.of(man)) && !Files.isDirectory(Path.of(man))) {
                throw new UserException("--man " + man + " is not a folder (man pages are written into a folder,"
                        + " e.g. /usr/local/share/man/man1)");
            }
            // A file above it: the folder cannot be created there.
            for (Path p = Path.of(man).toAbsolutePath().getParent(); p != null; p = p.getParent()) {
                if (!Files.exists(p)) continue;
                if (!Files.isDirectory(p)) {
                    throw new UserException("--man " + man + ": " + p + " is a file, not a folder, so the folder cannot be created");
                }
                break;
            }
        }
        CommandLine root = spec.root().commandLine();
        // picocli's script serves both shells: under zsh it loads bashcompinit itself.
        String script = AutoComplete.bash("lifeboat", root);
        if (bash != null) write(ctx, bash, script);
        if (zsh != null) write(ctx, zsh, script);
        if (man != null) {
            Path dir = Path.of(man);
            Files.createDirectories(dir);
            Map<String, String> pages = ManPages.all(root);
            for (Map.Entry<String, String> p : pages.entrySet()) {
                Files.writeString(dir.resolve(p.getKey()), p.getValue(), StandardCharsets.UTF_8);
            }
            ctx.info("wrote " + pages.size() + " man pages to " + dir);
        }
        return ExitCodes.OK;
    }

    /**
     * A completion script's target: not empty and not a folder.
     *
     * @throws UserException naming the option and what is wrong with the name
     */
    private static void checkFile(String option, String file) {
        if (file.isEmpty()) {
            throw new UserException(option + ": the file name is empty (give a file, or - for standard output)");
        }
        if (!file.equals("-") && Files.isDirectory(Path.of(file))) {
            throw new UserException(option + " " + file + " is a folder, not a file (give the script's file name)");
        }
    }

    // ---- systemd units ----------------------------------------------------------------------

    /** Where the launcher is assumed to be when LIFEBOAT_HOME is not set; the unit says to adjust it. */
    static final String DEFAULT_LAUNCHER = "/usr/local/bin/lifeboat";

    private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.%a-zA-Z]+\\]|[^\\s:\\[\\]]+):([0-9]{1,5})");

    private int systemd(Context ctx) throws IOException, org.lifeboat.plan.PlanException {
        if (timer && listen != null) {
            throw new UserException("--listen is for the service running 'lifeboat serve'; the --timer units run 'lifeboat backup --all', which listens on nothing");
        }
        if (listen != null) checkListen(listen);
        Path plan = Plans.file(ctx).toAbsolutePath().normalize();
        if (!Files.isRegularFile(plan)) {
            throw new UserException("the plan " + plan + " does not exist (or is not a file); the units must name an existing plan: give it with --config FILE");
        }
        Launcher launcher = launcher(lifeboatHome.get());
        SequencedMap<String, String> units;
        if (timer) {
            Cadence cadence = Cadence.of(org.lifeboat.plan.PlanLoader.load(plan, null, org.lifeboat.plan.PlanLoader.Generators.placeholders()));
            if (cadence.late()) {
                ctx.warn("the timer runs every " + Durations.format(cadence.every()) + ", more than half of " + cadence.system()
                        + "'s RPO of " + Durations.toPlanText(cadence.rpo()) + ": a failed backup is not retried within it;"
                        + " 'lifeboat serve' backs up closer to the RPO");
            }
            units = timerUnits(launcher, plan, user, cadence);
        } else {
            units = new LinkedHashMap<>();
            units.put("lifeboat.service", serviceUnit(launcher, plan, user, listen));
        }
        if (outputDir == null) {
            boolean first = true;
            for (Map.Entry<String, String> u : units.entrySet()) {
                if (!first) ctx.out.println();
                first = false;
                ctx.out.println("# " + u.getKey());
                ctx.out.print(u.getValue());
            }
            ctx.out.flush();
            ctx.checkOutput();
            return ExitCodes.OK;
        }
        Path dir = Path.of(outputDir).toAbsolutePath().normalize();
        writeUnits(dir, units, force);
        for (String name : units.keySet()) ctx.info("wrote " + dir.resolve(name));
        String systemctl = user ? "systemctl --user" : "systemctl";
        ctx.info("then: " + systemctl + " daemon-reload && " + systemctl + " enable --now " + (timer ? "lifeboat-backup.timer" : "lifeboat.service"));
        return ExitCodes.OK;
    }

    /** The lifeboat launcher named in ExecStart, and whether it is only the default guess. */
    record Launcher(String path, Path home) {
        boolean guessed() {
            return home == null;
        }
    }

    /**
     * {@code $LIFEBOAT_HOME/lifeboat} (absolute) when LIFEBOAT_HOME is set, else {@link #DEFAULT_LAUNCHER}.
     *
     * @throws UserException when LIFEBOAT_HOME is set but holds no executable launcher
     */
    /**
     * Where the launcher is said to be: {@code LIFEBOAT_HOME}, which ./lifeboat exports. In-process
     * tests run inside a JVM whose environment they cannot change, so they set this instead.
     */
    static java.util.function.Supplier<String> lifeboatHome = () -> System.getenv("LIFEBOAT_HOME");

    static Launcher launcher(String lifeboatHome) {
        if (lifeboatHome == null || lifeboatHome.isBlank()) return new Launcher(DEFAULT_LAUNCHER, null);
        Path home = Path.of(lifeboatHome).toAbsolutePath().normalize();
        Path script = home.resolve("lifeboat");
        if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
            throw new UserException("LIFEBOAT_HOME is " + lifeboatHome + ", but there is no executable launcher " + script
                    + ": set LIFEBOAT_HOME to the folder holding the lifeboat launcher, or unset it");
        }
        return new Launcher(script.toString(), home);
    }

    private static void checkListen(String value) {
        java.util.regex.Matcher m = ADDRESS.matcher(value);
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
            throw new UserException("--listen " + value + " is not HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:8480 or [::1]:8480)");
        }
    }

    /** The unit that runs {@code lifeboat serve}. */
    static String serviceUnit(Launcher launcher, Path plan, boolean user, String listen) {
        StringBuilder b = new StringBuilder();
        String systemctl = user ? "systemctl --user" : "systemctl";
        b.append("# The Lifeboat service (scheduler, alerts, dashboard), generated by 'lifeboat generate --systemd").append(user ? " --user" : "").append("'.\n");
        b.append("# Install: put it in ").append(user ? "~/.config/systemd/user/" : "/etc/systemd/system/").append(", then: ")
                .append(systemctl).append(" daemon-reload && ").append(systemctl).append(" enable --now lifeboat.service\n");
        if (user) b.append("# To run it while you are not logged in: loginctl enable-linger $USER\n");
        b.append("# After editing the plan: ").append(systemctl).append(" reload lifeboat.service\n");
        b.append("[Unit]\n");
        b.append("Description=Lifeboat backup and disaster recovery service (scheduler, alerts, dashboard)\n");
        documentation(b, launcher);
        network(b, user);
        b.append("\n[Service]\n");
        b.append("Type=exec\n");
        account(b, user);
        execStart(b, launcher, listen == null ? new String[] {"serve", "--config", plan.toString()}
                : new String[] {"serve", "--config", plan.toString(), "--listen", listen});
        b.append("# The service reads its plan again on SIGHUP.\n");
        b.append("ExecReload=/bin/kill -HUP $MAINPID\n");
        stopping(b);
        b.append("Restart=on-failure\n");
        b.append("RestartSec=30\n");
        hardening(b, user);
        b.append("\n[Install]\n");
        b.append("WantedBy=").append(user ? "default.target" : "multi-user.target").append('\n');
        return b.toString();
    }

    /**
     * How often the timer runs {@code backup --all}: every half of the smallest RPO of the systems
     * it backs up (so one failed backup is retried within the RPO, as serve's default schedule),
     * rounded down to an interval that divides the minute, hour or day evenly, so that an
     * {@code OnCalendar=} expression (clock-aligned, and with {@code Persistent=} catching up a run
     * missed while the machine was off) runs it at even spacing; at least every 10 s, at most daily.
     *
     * @param every    the interval between runs
     * @param calendar the {@code OnCalendar=} expression for it
     * @param rpo      the smallest RPO, or null when no system with backup sources has one (hourly then)
     * @param system   the system with that RPO, or null
     */
    record Cadence(Duration every, String calendar, Duration rpo, String system) {
        /** Runs of the timer every 10 s at the most: a JVM starts for each. */
        static final Duration FLOOR = Duration.ofSeconds(10);
        private static final int[] SECONDS = {10, 12, 15, 20, 30};
        private static final int[] MINUTES = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30};
        private static final int[] HOURS = {1, 2, 3, 4, 6, 8, 12};

        /** The cadence for {@code plan}: see the record's comment. */
        static Cadence of(org.lifeboat.plan.Plan plan) {
            Duration rpo = null;
            String system = null;
            for (org.lifeboat.plan.SystemSpec s : plan.systems().values()) {
                if (s.backup() == null || s.backup().sources() == null || s.backup().sources().isEmpty()) continue;
                if (s.rpo() == null || s.rpo().isZero() || s.rpo().isNegative()) continue;
                if (rpo == null || s.rpo().compareTo(rpo) < 0) {
                    rpo = s.rpo();
                    system = s.name();
                }
            }
            if (rpo == null) return new Cadence(Duration.ofHours(1), "hourly", null, null);
            return forHalf(rpo.dividedBy(2), rpo, system);
        }

        /** The largest clock-aligned interval not over {@code half} (within the floor and a day). */
        static Cadence forHalf(Duration half, Duration rpo, String system) {
            long s = half.toSeconds();
            if (s >= 86400) return new Cadence(Duration.ofDays(1), "daily", rpo, system);
            if (s >= 3600) {
                int h = largest(HOURS, s / 3600);
                return new Cadence(Duration.ofHours(h), h == 1 ? "hourly" : "*-*-* 00/" + h + ":00:00", rpo, system);
            }
            if (s >= 60) {
                int m = largest(MINUTES, s / 60);
                return new Cadence(Duration.ofMinutes(m), m == 1 ? "minutely" : "*-*-* *:00/" + m + ":00", rpo, system);
            }
            int sec = largest(SECONDS, Math.max(s, FLOOR.toSeconds()));
            return new Cadence(Duration.ofSeconds(sec), "*-*-* *:*:00/" + sec, rpo, system);
        }

        private static int largest(int[] steps, long atMost) {
            int best = steps[0];
            for (int step : steps) if (step <= atMost) best = step;
            return best;
        }

        /** True when even the floor is more than half the RPO: the timer cannot retry a failed backup in time. */
        boolean late() {
            return rpo != null && every.multipliedBy(2).compareTo(rpo) > 0;
        }

        /** The interval as the units' comments and Description= say it: 6m, 12h, 30s. */
        String text() {
            return Durations.toPlanText(every);
        }

        /** Runs spread over a tenth of the interval (at most 5 minutes), so machines sharing a repository do not all start at once. */
        Duration randomizedDelay() {
            Duration tenth = every.dividedBy(10);
            return tenth.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : tenth;
        }

        /**
         * systemd's timer accuracy (AccuracySec=, 1 minute by default: a timer may elapse up to that
         * late); a tenth of the interval when that is shorter, or null for the default.
         */
        Duration accuracy() {
            Duration tenth = every.dividedBy(10);
            if (tenth.compareTo(Duration.ofMinutes(1)) >= 0) return null;
            return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth;
        }
    }

    /** A time span as systemd.time(7) reads it, in whole seconds: 5m, 36s, 1h. */
    private static String span(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) return (s / 3600) + "h";
        if (s % 60 == 0) return (s / 60) + "m";
        return s + "s";
    }

    /** lifeboat-backup.service (a oneshot {@code lifeboat backup --all}) and lifeboat-backup.timer (every {@code cadence}). */
    static SequencedMap<String, String> timerUnits(Launcher launcher, Path plan, boolean user, Cadence cadence) {
        String systemctl = user ? "systemctl --user" : "systemctl";
        String install = "# Install: put lifeboat-backup.service and lifeboat-backup.timer in "
                + (user ? "~/.config/systemd/user/" : "/etc/systemd/system/") + ", then: " + systemctl + " daemon-reload && "
                + systemctl + " enable --now lifeboat-backup.timer\n";
        String header = "generated by 'lifeboat generate --systemd --timer" + (user ? " --user" : "") + "'.\n";
        StringBuilder s = new StringBuilder();
        s.append("# A backup of every system in the plan, started by lifeboat-backup.timer; ").append(header);
        s.append(install);
        s.append("# A backup now: ").append(systemctl).append(" start lifeboat-backup.service\n");
        s.append("[Unit]\n");
        s.append("Description=Lifeboat backup of every system in the plan\n");
        documentation(s, launcher);
        network(s, user);
        s.append("\n[Service]\n");
        s.append("Type=oneshot\n");
        account(s, user);
        execStart(s, launcher, "backup", "--all", "--config", plan.toString());
        s.append("# A backup takes as long as it takes: no start time-out (a oneshot unit's default is 90 seconds).\n");
        s.append("TimeoutStartSec=infinity\n");
        stopping(s);
        s.append("# Backups give way to everything else; if they stop finishing within ").append(cadence.text())
                .append(" (the timer's interval) on busy disks,\n");
        s.append("# use IOSchedulingClass=best-effort.\n");
        s.append("Nice=10\n");
        s.append("IOSchedulingClass=idle\n");
        hardening(s, user);

        StringBuilder t = new StringBuilder();
        t.append("# Runs lifeboat-backup.service every ").append(cadence.text()).append("; ").append(header);
        t.append(install);
        t.append("# When it runs next: ").append(systemctl).append(" list-timers lifeboat-backup.timer\n");
        t.append("[Unit]\n");
        t.append("Description=Lifeboat backup of every system in the plan, every ").append(cadence.text()).append('\n');
        documentation(t, launcher);
        t.append("\n[Timer]\n");
        if (cadence.rpo() == null) {
            t.append("# Hourly: no system in the plan has both backup sources and an RPO. Generate the units again\n");
            t.append("# after giving the systems their RPOs: the timer then runs every half of the smallest one.\n");
        } else {
            t.append("# Every ").append(cadence.text()).append(": half of the smallest RPO in the plan (")
                    .append(Durations.toPlanText(cadence.rpo())).append(", system ").append(cadence.system())
                    .append("), rounded down to an interval\n");
            t.append("# that divides the ").append(cadence.every().toSeconds() >= 3600 ? "day" : cadence.every().toSeconds() >= 60 ? "hour" : "minute")
                    .append(" evenly (at least 10s, at most daily), so that a backup that fails is retried within the RPO.\n");
            if (cadence.late()) {
                t.append("# (That is more than half of the RPO: a failed backup is not retried in time; 'lifeboat serve' can do better.)\n");
            }
            t.append("# Generate the units again when the plan's RPOs change.\n");
        }
        t.append("OnCalendar=").append(cadence.calendar()).append('\n');
        Duration accuracy = cadence.accuracy();
        if (accuracy != null) {
            t.append("# systemd may start a timer up to AccuracySec= late (1 minute by default): a tenth of the interval here.\n");
            t.append("AccuracySec=").append(span(accuracy)).append('\n');
        }
        t.append("# A run missed while the machine was off (or the timer stopped) runs at the next start.\n");
        t.append("Persistent=true\n");
        t.append("# Machines sharing a repository do not all start at once (a tenth of the interval, at most 5 minutes).\n");
        t.append("RandomizedDelaySec=").append(span(cadence.randomizedDelay())).append('\n');
        t.append("Unit=lifeboat-backup.service\n");
        t.append("\n[Install]\n");
        t.append("WantedBy=timers.target\n");

        SequencedMap<String, String> units = new LinkedHashMap<>();
        units.put("lifeboat-backup.service", s.toString());
        units.put("lifeboat-backup.timer", t.toString());
        return units;
    }

    private static void documentation(StringBuilder b, Launcher launcher) {
        b.append("# man:lifeboat(1) is there once 'lifeboat generate --man /usr/local/share/man/man1' has run\n");
        b.append("# (without it, use systemd-analyze verify --man=no).\n");
        b.append("Documentation=man:lifeboat(1)");
        if (launcher.home() != null && Files.isRegularFile(launcher.home().resolve("README.md"))) {
            // A URI's %-escapes (a space is %20) are systemd specifiers unless doubled.
            b.append(' ').append(launcher.home().resolve("README.md").toUri().toASCIIString().replace("%", "%%"));
        }
        b.append('\n');
    }

    private static void network(StringBuilder b, boolean user) {
        if (user) {
            b.append("# (A user service cannot wait for the system's network-online.target; a backup that starts\n");
            b.append("# before the network is up fails and is retried.)\n");
        } else {
            b.append("# Remote repositories (SFTP, S3, REST) need the network.\n");
            b.append("Wants=network-online.target\n");
            b.append("After=network-online.target\n");
        }
    }

    private static void account(StringBuilder b, boolean user) {
        if (user) return;
        b.append("# A backup must read every file the plan names, and a restore write them back: root.\n");
        b.append("User=root\n");
    }

    private static void execStart(StringBuilder b, Launcher launcher, String... args) {
        if (launcher.guessed()) {
            b.append("# ").append(launcher.path()).append(": adjust it to where the lifeboat launcher is, or link it there\n");
            b.append("# (ln -s /opt/lifeboat/lifeboat ").append(launcher.path()).append("); LIFEBOAT_HOME was not set when this was generated.\n");
        }
        b.append("ExecStart=").append(executable(launcher.path()));
        for (String a : args) b.append(' ').append(argument(a));
        b.append('\n');
    }

    private static void stopping(StringBuilder b) {
        b.append("# On SIGTERM Lifeboat cancels its running jobs and removes its repository locks: give it time for that.\n");
        b.append("KillSignal=SIGTERM\n");
        b.append("TimeoutStopSec=120\n");
        b.append("# After a SIGTERM Lifeboat exits 143 (128 + 15), as restic does: a stop, not a failure.\n");
        b.append("SuccessExitStatus=143\n");
    }

    private static void hardening(StringBuilder b, boolean user) {
        b.append("# Hardening that leaves backups of any path working. ProtectSystem= and ProtectHome= are not set:\n");
        b.append("# a backup service must read everything (and a restore write anywhere), which ProtectSystem=strict\n");
        b.append("# or =full and ProtectHome=yes would forbid (read-only or hidden /usr, /etc, /home and more).\n");
        b.append("# NoNewPrivileges: hooks cannot gain privileges (no sudo or setuid programs in them).\n");
        b.append("NoNewPrivileges=yes\n");
        if (user) {
            b.append("# (No PrivateTmp=: in a user service it needs user namespaces, which not every system allows.)\n");
        } else {
            b.append("# No PrivateTmp=: the service must see the real /tmp, where a plan, a repository, a source or a\n");
            b.append("# database's socket may be (a private one would hide them, and the unit would fail to start).\n");
            b.append("# Drill history and logs of started services: /var/lib/lifeboat (unless the plan names a state-dir).\n");
            b.append("StateDirectory=lifeboat\n");
            b.append("StateDirectoryMode=0700\n");
        }
        b.append("# One open file per file being read or written, many at a time.\n");
        b.append("LimitNOFILE=65536\n");
    }

    /**
     * The executable of an ExecStart= line: quoted as {@link #argument}, with {@code %} doubled (a
     * specifier otherwise). A {@code $} is refused: systemd expands variables in the arguments only,
     * so no escape names it the same way in both places.
     */
    static String executable(String path) {
        if (path.indexOf('$') >= 0) {
            throw new UserException("the launcher path " + path + " contains a $, which a systemd unit cannot name reliably; move Lifeboat to a folder without one");
        }
        return quote(path, "the launcher path").replace("%", "%%");
    }

    /**
     * One argument of an ExecStart= line (systemd.syntax(7), systemd.service(5)): in double quotes
     * when it holds white space, a quote or a backslash (inside them {@code "} and {@code \} are
     * backslash-escaped), {@code %} doubled (systemd.unit(5) specifiers) and {@code $} doubled
     * (variable expansion).
     *
     * @throws UserException for a control character (a line break would end the setting)
     */
    static String argument(String value) {
        return quote(value, value.startsWith("/") ? "the path" : "the value").replace("%", "%%").replace("$", "$$");
    }

    private static String quote(String value, String what) {
        boolean needs = value.isEmpty();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new UserException(what + " " + value.replaceAll("\\p{Cntrl}", "?") + " contains a control character (such as a line break), which a systemd unit cannot hold; rename it");
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '"' || c == '\'' || c == '\\' || c == ';') needs = true;
        }
        if (!needs) return value;
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static final Set<PosixFilePermission> MODE_0644 = PosixFilePermissions.fromString("rw-r--r--");

    /**
     * Writes each unit into {@code dir} (created if missing), mode 0644: to a temporary file there,
     * synced, then renamed over the name, so a reader sees the old file or the new one, whole.
     *
     * @throws UserException when a unit is already there and not {@code force} (nothing is written then)
     */
    static void writeUnits(Path dir, SequencedMap<String, String> units, boolean force) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserException("--output-dir " + dir + " is not a folder; give the folder to write the units into (e.g. /etc/systemd/system)");
        }
        for (String name : units.keySet()) {
            Path f = dir.resolve(name);
            if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserException(f + " is a folder, not a unit file; nothing was written");
            }
            if (!force && Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new UserException(f + " already exists; give --force to replace it (nothing was written)");
            }
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, String> u : units.entrySet()) {
            Path tmp = Files.createTempFile(dir, "." + u.getKey() + ".", ".tmp", PosixFilePermissions.asFileAttribute(MODE_0644));
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buf = ByteBuffer.wrap(u.getValue().getBytes(StandardCharsets.UTF_8));
                    while (buf.hasRemaining()) ch.write(buf);
                    ch.force(true);
                }
                Files.setPosixFilePermissions(tmp, MODE_0644); // the umask narrowed what createTempFile was given
                Files.move(tmp, dir.resolve(u.getKey()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
        }
        // The renames themselves outlive a crash once the folder is synced.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a folder; the files themselves are synced
        }
    }

    private static void write(Context ctx, String file, String text) throws IOException {
        if (file.equals("-")) {
            ctx.out.print(text);
            ctx.out.flush();
        } else {
            Files.writeString(Path.of(file), text, StandardCharsets.UTF_8);
            ctx.info("wrote " + file);
        }
    }
}
