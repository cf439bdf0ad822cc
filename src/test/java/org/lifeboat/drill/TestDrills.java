package org.lifeboat.drill;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.StepResult;
import org.lifeboat.repository.Json;

/** Drill reports and system runs for tests, built from the real records with plausible defaults. */
final class TestDrills {
    static final long MIB = 1024 * 1024;

    private TestDrills() {}

    static Report drill(String id, Instant started) {
        return new Report(id, started);
    }

    static Sys system(String name) {
        return new Sys(name);
    }

    /** What the store hands back: the report after its JSON round trip (durations to the millisecond). */
    static DrillReport viaJson(DrillReport r) {
        try {
            return DrillJson.fromJson(Json.MAPPER.writeValueAsString(DrillJson.toJson(r)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static SystemRun run(String drillId, Instant started, String name, DrillSystem.Outcome result, Duration rto,
                         Duration rpo, long bytes, Duration restore) {
        return new SystemRun(drillId, started, name, result, Duration.ofMinutes(30), rto, Duration.ofHours(1), rpo,
                Duration.ofMinutes(45), bytes, restore);
    }

    static SystemRun passed(String drillId, Instant started, String name, Duration rto, Duration rpo) {
        return run(drillId, started, name, DrillSystem.Outcome.PASSED, rto, rpo, 0, Duration.ZERO);
    }

    static final class Report {
        private final String id;
        private final Instant started;
        private Duration length = Duration.ofMinutes(12);
        private String site = "alternate";
        private final List<Sys> systems = new ArrayList<>();

        private Report(String id, Instant started) {
            this.id = id;
            this.started = started;
        }

        Report site(String s) {
            site = s;
            return this;
        }

        Report lasting(Duration d) {
            length = d;
            return this;
        }

        Report with(Sys... s) {
            systems.addAll(List.of(s));
            return this;
        }

        DrillReport build() {
            List<DrillSystem> built = new ArrayList<>();
            TreeMap<Integer, List<String>> waves = new TreeMap<>();
            for (Sys s : systems) {
                built.add(s.build(started));
                waves.computeIfAbsent(s.wave, w -> new ArrayList<>()).add(s.name);
            }
            boolean passed = built.stream().allMatch(s -> s.result() == DrillSystem.Outcome.PASSED);
            return new DrillReport(id, "sha256:5e1f0c2a9b", "/etc/lifeboat/plan.yaml", site, "/var/tmp/lifeboat-drill-" + id,
                    started, started.plus(length), passed, List.copyOf(waves.values()), built, false,
                    passed ? List.of() : List.of("container lifeboat-" + id + "-db"));
        }
    }

    static final class Sys {
        private final String name;
        private int wave = 1;
        private DrillSystem.Outcome result = DrillSystem.Outcome.PASSED;
        private List<String> reasons = List.of();
        private long bytes = 100 * MIB;
        private Duration restore = Duration.ofSeconds(60);
        private Duration rto = Duration.ofSeconds(95);
        private Duration rtoTarget = Duration.ofMinutes(30);
        private Duration rpo = Duration.ofMinutes(20);
        private Duration rpoTarget = Duration.ofHours(1);

        private Sys(String name) {
            this.name = name;
        }

        Sys wave(int w) {
            wave = w;
            return this;
        }

        /** Came back but too late, or not at all when rto is null. */
        Sys failed(String reason, Duration measuredRto) {
            result = DrillSystem.Outcome.FAILED;
            reasons = List.of(reason);
            rto = measuredRto;
            return this;
        }

        Sys blocked(String dependency) {
            result = DrillSystem.Outcome.BLOCKED;
            reasons = List.of("depends on " + dependency, "which failed");
            rto = null;
            bytes = 0;
            restore = null;
            return this;
        }

        Sys restored(long b, Duration took) {
            bytes = b;
            restore = took;
            return this;
        }

        Sys rto(Duration measured, Duration target) {
            rto = measured;
            rtoTarget = target;
            return this;
        }

        Sys rpo(Duration achieved) {
            rpo = achieved;
            return this;
        }

        DrillSystem build(Instant drillStart) {
            Instant t0 = drillStart.plusMillis(1500L * wave);
            Duration took = restore == null ? Duration.ZERO : restore;
            List<StepResult> steps = new ArrayList<>();
            List<CheckResult> checks = new ArrayList<>();
            if (result != DrillSystem.Outcome.BLOCKED) {
                steps.add(new StepResult(1, "restore", "restore " + name + " files into /srv/" + name,
                        StepResult.Outcome.OK, null, t0, t0.plusMillis(120), t0.plus(took), bytes, null, null));
                steps.add(new StepResult(2, "command", "start " + name, StepResult.Outcome.OK, "started in background",
                        t0.plus(took), null, t0.plus(took).plusSeconds(2), 0, 4242L, "/var/tmp/" + name + ".log"));
                checks.add(new CheckResult("tcp", "port 5432 answers", result == DrillSystem.Outcome.PASSED,
                        result == DrillSystem.Outcome.PASSED ? null : "connection refused", 3,
                        t0.plus(took).plusSeconds(2), t0.plus(took).plusSeconds(5)));
            }
            Instant finished = rto == null ? t0.plus(took).plusSeconds(60) : drillStart.plus(rto);
            return new DrillSystem(name, wave, result, reasons, result == DrillSystem.Outcome.BLOCKED ? null : "4e5f6a7b",
                    drillStart.minus(rpo), bytes, rpoTarget, rpo, Duration.ofMinutes(47), rtoTarget, rto, t0, finished,
                    Duration.ofMillis(1620), restore, Duration.ofSeconds(2), Duration.ofSeconds(3),
                    new DrillSystem.Verification(12, 12, 0, 3, List.of()), steps, checks);
        }
    }
}
