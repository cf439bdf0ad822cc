package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lifeboat.cli.Failures.fatal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code lifeboat generate}: completion scripts that bash loads and uses, man pages that man renders,
 * and systemd units that systemd accepts.
 */
class GenerateCommandTest {
    @TempDir
    Path dir;

    @Nested
    class CompletionAndManPages {
        Path bash;
        Path zsh;
        Path man;

        @BeforeEach
        void generate() {
            bash = dir.resolve("lifeboat.bash");
            zsh = dir.resolve("lifeboat.zsh");
            man = dir.resolve("man1");
            Run r = Cli.raw(null, "generate", "--bash-completion", bash.toString(), "--zsh-completion", zsh.toString(),
                    "--man", man.toString());
            assertThat(r.exit()).as("%s", r).isZero();
        }

        private static Run bash(String script) {
            return Proc.run(List.of("bash", "-c", script), Map.of(), null, new byte[0], 60);
        }

        @Test
        void theBashScriptLoadsAndRegistersTheCompletion() {
            Run r = bash("source '" + bash + "' && complete -p lifeboat");
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).contains("-F _complete_lifeboat").endsWith("lifeboat\n");
        }

        /** Completion really completes: bash calls the function as it would on TAB. */
        @Test
        void commandsAndOptionsComplete() {
            String call = "source '" + bash + "'; complete(){ COMP_WORDS=(\"$@\"); COMP_CWORD=$(($#-1)); COMP_LINE=\"$*\";"
                    + " COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _complete_lifeboat; echo \"${COMPREPLY[*]}\"; };"
                    + " complete lifeboat snap; complete lifeboat backup --exclude-c; complete lifeboat drill rep";
            Run r = bash(call);
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.out().lines().toList()).containsExactly("snapshots", "--exclude-caches", "report");
        }

        @Test
        void theZshScriptIsWrittenToo() throws Exception {
            assertThat(Files.readString(zsh)).contains("bashcompinit").contains("_complete_lifeboat");
        }

        /** Every command has a page that man renders without a warning, naming each of its options. */
        @Test
        void everyCommandHasAManPageListingItsOptions() throws Exception {
            CommandLine root = Main.commandLine();
            List<CommandSpec> specs = new java.util.ArrayList<>();
            collect(root, specs);
            assertThat(specs).hasSizeGreaterThan(20);
            for (CommandSpec spec : specs) {
                Path page = man.resolve(spec.qualifiedName("-") + ".1");
                assertThat(page).exists();
                Run r = Proc.run(List.of("man", "--warnings", "-l", page.toString()),
                        Map.of("LC_ALL", "C", "MANPAGER", "cat", "MANWIDTH", "100"), null, new byte[0], 60);
                assertThat(r.exit()).as("%s: %s", page, r).isZero();
                assertThat(r.err()).as("warnings for %s", page).isEmpty();
                String text = r.out();
                assertThat(text).contains("NAME").contains("SYNOPSIS").contains("EXAMPLES").contains(spec.qualifiedName());
                for (OptionSpec o : spec.options()) {
                    if (!o.hidden()) assertThat(text).as("%s lists %s", page, o.longestName()).contains(o.longestName());
                }
            }
            Run backup = Proc.run(List.of("man", "-l", man.resolve("lifeboat-backup.1").toString()),
                    Map.of("LC_ALL", "C", "MANPAGER", "cat", "MANWIDTH", "100"), null, new byte[0], 60);
            assertThat(backup.out()).contains("--stdin-filename=FILE").contains("lifeboat backup /home --dry-run -v")
                    .contains("lifeboat(1)");
        }

        private static void collect(CommandLine cl, List<CommandSpec> specs) {
            specs.add(cl.getCommandSpec());
            for (CommandLine sub : cl.getSubcommands().values()) {
                if (sub.getCommandSpec().parent() == cl.getCommandSpec()) collect(sub, specs);
            }
        }

        @Test
        void nothingToGenerateIsOneClearSentence() {
            Run r = Cli.raw(null, "generate");
            assertThat(fatal(r, 1)).contains("nothing to generate").contains("--man DIR");
        }

        @Test
        void aMissingFolderIsNamed() {
            Run r = Cli.raw(null, "generate", "--bash-completion", dir.resolve("no/such/lifeboat.bash").toString());
            assertThat(fatal(r, 1)).contains(dir.resolve("no/such/lifeboat.bash").toString()).contains("does not exist");
        }
    }

    /**
     * {@code lifeboat generate --systemd}: a unit running {@code lifeboat serve}, or a timer running
     * {@code lifeboat backup --all}, naming the plan by its absolute path, quoted as systemd reads it.
     */
    @Nested
    class Systemd {
        Path plan;

        @BeforeEach
        void plan() throws Exception {
            // The in-process runs see no LIFEBOAT_HOME (whatever this JVM's environment holds): the launcher is the default guess.
            GenerateCommand.lifeboatHome = () -> null;
            plan = dir.resolve("lifeboat.yaml");
            Files.writeString(plan, "systems: {}\n");
        }

        @org.junit.jupiter.api.AfterEach
        void environmentBack() {
            GenerateCommand.lifeboatHome = () -> System.getenv("LIFEBOAT_HOME");
        }

        private String execStart(String out) {
            List<String> lines = out.lines().filter(l -> l.startsWith("ExecStart=")).toList();
            assertThat(lines).hasSize(1);
            return lines.getFirst();
        }

        @Test
        void printsTheServiceUnitWithThePlansAbsolutePath() {
            Run r = Cli.raw(null, "generate", "--systemd", "--config", plan.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).startsWith("# lifeboat.service\n");
            assertThat(execStart(r.out())).isEqualTo("ExecStart=/usr/local/bin/lifeboat serve --config " + plan.toAbsolutePath());
            // the guessed launcher is pointed out
            assertThat(r.out()).contains("# /usr/local/bin/lifeboat: adjust it to where the lifeboat launcher is");
            assertThat(r.out().lines().toList()).contains("[Unit]", "Wants=network-online.target", "After=network-online.target",
                    "[Service]", "Type=exec", "User=root", "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM",
                    "TimeoutStopSec=120", "SuccessExitStatus=143", "Restart=on-failure", "RestartSec=30", "NoNewPrivileges=yes",
                    "LimitNOFILE=65536", "StateDirectory=lifeboat", "[Install]", "WantedBy=multi-user.target")
                    .anyMatch(l -> l.startsWith("Documentation="));
            assertThat(r.out()).doesNotContainPattern("(?m)^ProtectSystem=").doesNotContainPattern("(?m)^ProtectHome=")
                    // a private /tmp would hide a plan, repository or source there (the demo's plan is under the temp dir)
                    .doesNotContainPattern("(?m)^PrivateTmp=");
        }

        @Test
        void aRelativeConfigBecomesAbsoluteAndListenIsPassedOn() {
            Path relative = Path.of("").toAbsolutePath().relativize(plan.toAbsolutePath());
            Run r = Cli.raw(null, "--config", relative.toString(), "generate", "--systemd", "--listen", "0.0.0.0:8480");
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(execStart(r.out()))
                    .isEqualTo("ExecStart=/usr/local/bin/lifeboat serve --config " + plan.toAbsolutePath() + " --listen 0.0.0.0:8480");
        }

        /** systemd.syntax(7): double quotes around white space, \" and \\ inside; systemd.unit(5): %% for %; $$ for $. */
        @Test
        void aPathWithSpacesPercentQuotesAndDollarsIsQuotedAndEscaped() throws Exception {
            Path odd = dir.resolve("my plans/100% \"sure\"/back\\slash $HOME.yaml");
            Files.createDirectories(odd.getParent());
            Files.writeString(odd, "systems: {}\n");
            Run r = Cli.raw(null, "generate", "--systemd", "--config", odd.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(execStart(r.out())).isEqualTo("ExecStart=/usr/local/bin/lifeboat serve --config \"" + dir.toAbsolutePath()
                    + "/my plans/100%% \\\"sure\\\"/back\\\\slash $$HOME.yaml\"");
        }

        @Test
        void argumentsAreQuotedOnlyWhenNeeded() {
            assertThat(GenerateCommand.argument("/etc/lifeboat/lifeboat.yaml")).isEqualTo("/etc/lifeboat/lifeboat.yaml");
            assertThat(GenerateCommand.argument("/a b/c")).isEqualTo("\"/a b/c\"");
            assertThat(GenerateCommand.argument("/a%b")).isEqualTo("/a%%b");
            assertThat(GenerateCommand.argument("/it's")).isEqualTo("\"/it's\"");
            assertThat(GenerateCommand.executable("/opt/life boat/lifeboat")).isEqualTo("\"/opt/life boat/lifeboat\"");
            assertThatThrownBy(() -> GenerateCommand.argument("/a\nb")).isInstanceOf(UserException.class)
                    .hasMessageContaining("control character");
            assertThatThrownBy(() -> GenerateCommand.executable("/opt/$x/lifeboat")).isInstanceOf(UserException.class);
        }

        @Test
        void theTimerAlternativeIsTwoUnits() {
            Run r = Cli.raw(null, "generate", "--systemd", "--timer", "--config", plan.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            String out = r.out();
            assertThat(out).startsWith("# lifeboat-backup.service\n").contains("\n# lifeboat-backup.timer\n")
                    .doesNotContain("# lifeboat.service\n");
            String service = out.substring(0, out.indexOf("\n# lifeboat-backup.timer\n"));
            String timer = out.substring(out.indexOf("\n# lifeboat-backup.timer\n"));
            assertThat(execStart(service)).isEqualTo("ExecStart=/usr/local/bin/lifeboat backup --all --config " + plan.toAbsolutePath());
            assertThat(service.lines().toList()).contains("Type=oneshot", "Nice=10", "IOSchedulingClass=idle", "TimeoutStartSec=infinity",
                    "User=root", "NoNewPrivileges=yes");
            assertThat(service).doesNotContain("[Install]").doesNotContain("serve");
            assertThat(timer.lines().toList()).contains("[Timer]", "OnCalendar=hourly", "Persistent=true", "RandomizedDelaySec=5m",
                    "[Install]", "WantedBy=timers.target");
        }

        /** A plan whose systems back up with these RPOs (and one without backup sources, whose RPO the timer ignores). */
        private Path planWithRpos(String... rpos) throws Exception {
            StringBuilder b = new StringBuilder("repositories:\n  main: { url: " + dir.resolve("repo") + ", password-file: "
                    + dir.resolve("pw") + " }\nsystems:\n");
            for (int i = 0; i < rpos.length; i++) {
                b.append("  s").append(i).append(":\n    rpo: ").append(rpos[i]).append("\n    rto: 1h\n    backup: { repository: main, sources: [ { path: ")
                        .append(dir.resolve("src")).append(" } ] }\n");
            }
            b.append("  nobackup:\n    rpo: 1m\n    rto: 1h\n");
            Path p = dir.resolve("rpo-plan.yaml");
            Files.writeString(p, b.toString());
            return p;
        }

        private String timerOf(Path planFile) {
            Run r = Cli.raw(null, "generate", "--systemd", "--timer", "--config", planFile.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            return r.out().substring(r.out().indexOf("\n# lifeboat-backup.timer\n"));
        }

        /** brk13b N14: the timer runs every half of the smallest RPO (15m: every 6 minutes, clock-aligned), and says why. */
        @Test
        void theTimerRunsEveryHalfOfTheSmallestRpo() throws Exception {
            String timer = timerOf(planWithRpos("1d", "15m", "4h"));
            assertThat(timer.lines().toList()).contains("OnCalendar=*-*-* *:00/6:00", "Persistent=true", "AccuracySec=36s",
                    "RandomizedDelaySec=36s", "Description=Lifeboat backup of every system in the plan, every 6m")
                    .doesNotContain("OnCalendar=hourly");
            assertThat(timer).contains("# Every 6m: half of the smallest RPO in the plan (15m, system s1), rounded down");
            // systemd reads the expression as every 6 minutes of the hour, evenly
            Run cal = Proc.run(List.of("systemd-analyze", "calendar", "--iterations=11", "*-*-* *:00/6:00"), Map.of(), null, new byte[0], 60);
            assertThat(cal.exit()).as("%s", cal).isZero();
            List<java.time.LocalTime> times = cal.out().lines().filter(l -> l.contains("Next elapse:") || l.contains("Iter."))
                    .map(l -> java.time.LocalTime.parse(l.replaceAll(".* (\\d\\d:\\d\\d:\\d\\d) .*", "$1"))).toList();
            assertThat(times).hasSize(11);
            for (int i = 1; i < times.size(); i++) {
                assertThat(java.time.Duration.between(times.get(i - 1), times.get(i)).plusDays(1).toMinutes() % (24 * 60))
                        .as("%s", times).isEqualTo(6);
            }
        }

        @Test
        void theTimersIntervalIsRoundedDownToOneThatDividesTheClock() throws Exception {
            assertThat(timerOf(planWithRpos("2h"))).contains("\nOnCalendar=hourly\n").contains("RandomizedDelaySec=5m\n")
                    .doesNotContain("AccuracySec=");
            assertThat(timerOf(planWithRpos("1d"))).contains("\nOnCalendar=*-*-* 00/12:00:00\n");
            assertThat(timerOf(planWithRpos("7d"))).contains("\nOnCalendar=daily\n").contains("# Every 1d: half of the smallest RPO in the plan (7d");
            assertThat(timerOf(planWithRpos("90m"))).contains("\nOnCalendar=*-*-* *:00/30:00\n");
            assertThat(timerOf(planWithRpos("1m"))).contains("\nOnCalendar=*-*-* *:*:00/30\n").contains("\nAccuracySec=3s\n")
                    .contains("\nRandomizedDelaySec=3s\n");
            // no RPO below the floor: 10 s, said in the unit and on standard error
            Run r = Cli.raw(null, "generate", "--systemd", "--timer", "--config", planWithRpos("15s").toString());
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.out()).contains("\nOnCalendar=*-*-* *:*:00/10\n").contains("more than half of the RPO");
            assertThat(r.err()).contains("every 10s, more than half of s0's RPO of 15s");
            // a plan where no system has an RPO and backup sources: hourly, and the unit says why
            assertThat(timerOf(plan)).contains("\nOnCalendar=hourly\n").contains("# Hourly: no system in the plan has both backup sources and an RPO");
        }

        @Test
        void userUnitsHaveNoUserLineAndStartWithTheSession() {
            Run r = Cli.raw(null, "generate", "--systemd", "--user", "--config", plan.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.out().lines().toList()).contains("WantedBy=default.target").doesNotContain("WantedBy=multi-user.target")
                    .noneMatch(l -> l.startsWith("User="));
            assertThat(r.out()).contains("systemctl --user");
            Run t = Cli.raw(null, "generate", "--systemd", "--user", "--timer", "--config", plan.toString());
            assertThat(t.exit()).as("%s", t).isZero();
            assertThat(t.out().lines().toList()).contains("WantedBy=timers.target", "Persistent=true").noneMatch(l -> l.startsWith("User="));
        }

        @Test
        void outputDirWritesTheFilesReadableByAll() throws Exception {
            Path units = dir.resolve("units");
            Run r = Cli.raw(null, "generate", "--systemd", "--timer", "--output-dir", units.toString(), "--config", plan.toString());
            assertThat(r.exit()).as("%s", r).isZero();
            assertThat(r.out()).contains("wrote " + units.resolve("lifeboat-backup.timer")).doesNotContain("[Timer]");
            try (Stream<Path> files = Files.list(units)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .containsExactlyInAnyOrder("lifeboat-backup.service", "lifeboat-backup.timer"); // no temporary file left
            }
            for (String name : List.of("lifeboat-backup.service", "lifeboat-backup.timer")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(units.resolve(name)))).isEqualTo("rw-r--r--");
            }
            assertThat(Files.readString(units.resolve("lifeboat-backup.timer"))).contains("Persistent=true").doesNotStartWith("# lifeboat-backup.timer\n");
        }

        @Test
        void outputDirRefusesToReplaceAUnitWithoutForce() throws Exception {
            Path units = Files.createDirectories(dir.resolve("units"));
            Path existing = units.resolve("lifeboat.service");
            Files.writeString(existing, "mine\n");
            Run r = Cli.raw(null, "generate", "--systemd", "--output-dir", units.toString(), "--config", plan.toString());
            assertThat(fatal(r, 1)).contains(existing.toString()).contains("already exists").contains("--force");
            assertThat(Files.readString(existing)).isEqualTo("mine\n");

            Run forced = Cli.raw(null, "generate", "--systemd", "--output-dir", units.toString(), "--force", "--config", plan.toString());
            assertThat(forced.exit()).as("%s", forced).isZero();
            assertThat(execStart(Files.readString(existing))).contains("serve --config " + plan.toAbsolutePath());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(existing))).isEqualTo("rw-r--r--");
            try (Stream<Path> files = Files.list(units)) {
                assertThat(files).hasSize(1);
            }
        }

        @Test
        void withoutSystemdTheSystemdOptionsAreOneSentence() {
            assertThat(fatal(Cli.raw(null, "generate", "--timer"), 1)).contains("--timer").contains("--systemd");
            assertThat(fatal(Cli.raw(null, "generate", "--output-dir", dir.toString()), 1)).contains("--systemd");
            assertThat(fatal(Cli.raw(null, "generate"), 1)).contains("nothing to generate").contains("--systemd");
        }

        @Test
        void badCombinationsAndValuesAreOneSentence() {
            assertThat(fatal(Cli.raw(null, "generate", "--systemd", "--listen", "localhost", "--config", plan.toString()), 1))
                    .contains("--listen localhost").contains("HOST:PORT");
            assertThat(fatal(Cli.raw(null, "generate", "--systemd", "--timer", "--listen", "127.0.0.1:8480", "--config", plan.toString()), 1))
                    .contains("--listen");
            assertThat(fatal(Cli.raw(null, "generate", "--systemd", "--man", dir.toString(), "--config", plan.toString()), 1))
                    .contains("--systemd cannot be combined");
            assertThat(fatal(Cli.raw(null, "generate", "--systemd", "--config", dir.resolve("missing.yaml").toString()), 1))
                    .contains(dir.resolve("missing.yaml").toString()).contains("does not exist");
        }

        /**
         * With LIFEBOAT_HOME the launcher there is named (quoted, its % doubled) with the README; and
         * systemd-analyze (installed by run-tests) accepts every unit and reads the command line back.
         */
        @Test
        void lifeboatHomeNamesItsLauncherAndSystemdAcceptsTheUnits() throws Exception {
            Path home = Files.createDirectories(dir.resolve("life boat 50%"));
            Path launcher = home.resolve("lifeboat");
            Files.writeString(launcher, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(home.resolve("README.md"), "# Lifeboat\n");
            Path odd = dir.resolve("my plans/100% sure.yaml");
            Files.createDirectories(odd.getParent());
            // an RPO of 15m: the timer's OnCalendar= is every 6 minutes, which systemd must accept too
            Files.writeString(odd, "repositories:\n  main: { url: " + dir.resolve("repo") + ", password-file: " + dir.resolve("pw")
                    + " }\nsystems:\n  files:\n    rpo: 15m\n    rto: 1h\n    backup: { repository: main, sources: [ { path: " + dir.resolve("src") + " } ] }\n");
            Map<String, String> env = new HashMap<>(Map.of("LIFEBOAT_HOME", home.toString()));
            Path xdg = Files.createDirectories(dir.resolve("xdg"));
            Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
            // ./run-tests installs systemd-analyze (package systemd) when it is missing
            assertThat(Proc.run(List.of("sh", "-c", "command -v systemd-analyze"), Map.of(), null, new byte[0], 60).exit())
                    .as("systemd-analyze is installed").isZero();
            for (List<String> flags : List.of(List.<String>of(), List.of("--user"), List.of("--timer"), List.of("--timer", "--user"))) {
                Path units = dir.resolve("units" + String.join("", flags));
                List<String> args = new java.util.ArrayList<>(List.of("generate", "--systemd", "--config", odd.toString(),
                        "--output-dir", units.toString()));
                args.addAll(flags);
                Run r = Cli.process(env, null, args.toArray(String[]::new));
                assertThat(r.exit()).as("%s", r).isZero();
                String service = Files.readString(units.resolve(flags.contains("--timer") ? "lifeboat-backup.service" : "lifeboat.service"));
                assertThat(execStart(service)).startsWith("ExecStart=\"" + home.toAbsolutePath().toString().replace("%", "%%") + "/lifeboat\" ")
                        .endsWith(" --config \"" + odd.toAbsolutePath().toString().replace("%", "%%") + "\"");
                assertThat(service).doesNotContain("adjust it").contains("file://").contains("README.md");
                if (flags.contains("--timer")) {
                    assertThat(Files.readString(units.resolve("lifeboat-backup.timer"))).contains("\nOnCalendar=*-*-* *:00/6:00\n");
                }
                List<String> verify = new java.util.ArrayList<>(List.of("systemd-analyze"));
                if (flags.contains("--user")) verify.add("--user");
                verify.addAll(List.of("--man=no", "verify"));
                try (Stream<Path> files = Files.list(units)) {
                    files.map(Path::toString).sorted().forEach(verify::add);
                }
                Run v = Proc.run(verify, Map.of("SYSTEMD_LOG_LEVEL", "debug", "XDG_RUNTIME_DIR", xdg.toString()), null, new byte[0], 120);
                assertThat(v.exit()).as("systemd-analyze verify %s: %s", flags, v).isZero();
                // systemd reads the paths back unescaped
                String command = (v.out() + v.err()).lines().filter(l -> l.contains("Command Line:") && l.contains("--config")).findFirst().orElseThrow();
                assertThat(command).contains("\"" + launcher.toAbsolutePath() + "\"").contains("\"" + odd.toAbsolutePath() + "\"");
            }
        }
    }
}
