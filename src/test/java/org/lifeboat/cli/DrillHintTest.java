package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.recovery.Runbook;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/**
 * What `lifeboat drill` tells people to type next works where they type it: the hint, pasted in
 * another folder, writes the report; and `drill history` shows the forecast made before the
 * second drill next to what it measured.
 */
class DrillHintTest {
    @TempDir
    Path dir;

    @Test
    void theHintAfterADrillWorksFromAnyFolderAndHistoryShowsTheForecastBeforeEachDrill() throws Exception {
        Path plan = Files.createDirectories(dir.resolve("plans with space")).resolve("lifeboat.yaml");
        Files.writeString(plan, """
                name: tiny
                sites:
                  primary: { root: prod }
                  sandbox: { root: "${temp-dir}" }
                state-dir: state
                systems:
                  job:
                    rpo: 1d
                    rto: 5m
                    restore: [ { command: "true" } ]
                    verify: [ { command: "true" } ]
                """);
        Run first = PlanRuns.lifeboat(plan, "drill");
        assertThat(first.exit()).as(first.toString()).isZero();
        String hint = first.out().lines().filter(l -> l.startsWith("see it again: ")).findFirst().orElseThrow()
                .substring("see it again: ".length());
        String id = first.out().lines().findFirst().orElseThrow().split("[ :]")[1];
        assertThat(hint).contains("'" + plan + "'").contains(id);

        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path launcher = bin.resolve("lifeboat");
        Files.writeString(launcher, "#!/bin/sh\nexec " + Cli.command().stream().map(Runbook::shellWord)
                .collect(Collectors.joining(" ")) + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Run pasted = Proc.run(List.of("sh", "-c", hint), Map.of("PATH", bin + ":" + System.getenv("PATH")), elsewhere, null, 120);
        assertThat(pasted.exit()).as(pasted.toString()).isZero();
        Path html = Path.of(System.getProperty("user.dir")).resolve("drill-" + id + ".html");
        try {
            assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("Drill " + id);
        } finally {
            Files.deleteIfExists(html);
        }

        PlanRuns.lifeboat(plan, "drill").ok();
        Run history = PlanRuns.lifeboat(plan, "drill", "history");
        history.ok();
        assertThat(history.out()).contains("FORECAST BEFORE", "FORECAST ERROR");
        // One formatter, rounded: the summary's LAST RTO, BEST and WORST are the runs' own RTO MEASURED cells.
        List<String[]> rows = history.out().lines().filter(l -> l.startsWith("job ") || l.contains("  job  "))
                .map(l -> l.split(" {2,}")).toList();
        String[] summary = rows.stream().filter(c -> c[0].equals("job")).findFirst().orElseThrow();
        List<String> measured = rows.stream().filter(c -> !c[0].equals("job")).map(c -> c[4]).toList();
        assertThat(measured).hasSize(2).allMatch(m -> m.matches("\\d+\\.\\ds|\\d+ms"), "tenths of a second, or ms below 0.05s");
        assertThat(summary[3]).isEqualTo(measured.get(1));
        assertThat(List.of(summary[4], summary[5])).containsExactlyInAnyOrderElementsOf(measured);
        Run json = PlanRuns.lifeboat(plan, "--json", "drill", "history");
        var runs = PlanRuns.json(json).get("systems").get(0).get("runs");
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).has("forecast_seconds")).isFalse(); // nothing before the first
        assertThat(runs.get(1).get("forecast_seconds").asDouble()).isPositive();
        assertThat(runs.get(1).get("forecast_error_seconds").asDouble()).isEqualTo(
                runs.get(1).get("forecast_seconds").asDouble() - runs.get(1).get("rto_measured_seconds").asDouble(),
                org.assertj.core.data.Offset.offset(0.002));
    }

    @Test
    void aDrillIntoProductionIsRefusedInTheWordsValidateAndTheServiceUse() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                sites:
                  sandbox: { root: prod }
                state-dir: state
                systems:
                  job: { rpo: 1d, rto: 5m, restore: [ { command: "true" } ] }
                """);
        String why = "site 'sandbox' is the plan's default site, where a recovery runs for real, and a drill never runs in"
                + " production; add a site for production and name it in default-site";
        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).as(drill.toString()).isNotZero();
        assertThat(drill.err()).contains(why).doesNotContain("Exception");
        Run validate = PlanRuns.lifeboat(plan, "plan", "validate");
        assertThat(validate.out() + validate.err()).contains("no drill of system 'job' can run: " + why);
        assertThat(Files.exists(dir.resolve("prod"))).isFalse();
    }
}
