package org.lifeboat.assess;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.state.FleetStatus;
import org.lifeboat.state.Incidents;
import org.lifeboat.state.JobLog;
import org.lifeboat.state.JobRun;
import org.lifeboat.state.Runbooks;
import org.lifeboat.state.StateStore;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * {@code lifeboat assess}: a plan built to pass every check scores 100 with every finding ok; plans
 * built to miss each check get that gap, named with its evidence and advice; what the service
 * recorded (alerts, failed checks, prunes on the backup host, gaps between backups) turns into gaps;
 * the demo's plan is assessed; the JSON contract; a repository that cannot be opened is evidence,
 * not a crash; plan and flag errors are one sentence; and the assessment writes nothing.
 */
class AssessTest {
    @TempDir
    Path dir;

    private final List<RestServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(RestServer::close);
    }

    private static final Set<String> CHECKS = Set.of("offsite", "immutable", "drill", "rto", "rpo", "monitoring", "runbook",
            "owner", "verification", "separation");

    /** An append-only REST server (serve-repository --append-only) on a free port; its URL. */
    private String appendOnlyServer() throws IOException {
        RestServer s = new RestServer(new ServerOptions(Files.createDirectories(dir.resolve("srv")), "127.0.0.1", 0, null, true,
                false, true, null, null, 0, false, false, false));
        servers.add(s);
        return s.start();
    }

    /** A plan meant to pass every check: a copy to an append-only off-site server, owner, contact, service, alerts. */
    private String readyPlan() throws IOException {
        return """
                name: ready
                repositories:
                  local: { url: repo, password-file: password, copy-to: [vault] }
                  vault: { url: "rest:%svault", password-file: password, append-only: true }
                sites:
                  production: { root: prod }
                  sandbox: { root: "${temp-dir}" }
                default-site: production
                state-dir: state
                serve: { password-file: dashboard-password }
                alerts:
                  - command: "cat > /dev/null"
                systems:
                  files:
                    owner: Ann (office)
                    contact: [ann@example.com]
                    rpo: 1d
                    rto: 10m
                    backup: { repository: local, sources: [ { path: prod/files } ] }
                    schedule: { check: "0 3 * * *" }
                    restore:
                      - path: { from: prod/files, to: "${root}/files" }
                    verify:
                      - files: {}
                """.formatted(appendOnlyServer());
    }

    /** Writes the plan and its data, creates its repositories and backs every system up. */
    private Path setUp(String planText) throws IOException {
        Cli.passwordFile(dir);
        Files.writeString(dir.resolve("dashboard-password"), "dash\n");
        Files.createDirectories(dir.resolve("prod/files/docs"));
        Files.writeString(dir.resolve("prod/files/docs/a.txt"), "the first file\n");
        Files.writeString(dir.resolve("prod/files/b.txt"), "b".repeat(5000));
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, planText);
        PlanRuns.lifeboat(plan, "init").ok();
        PlanRuns.lifeboat(plan, "backup", "--all").ok();
        return plan;
    }

    /** What the service records: a passing check of the repository and a look published now. */
    private void serviceRecords(String host, String system) throws Exception {
        Instant now = Instant.now();
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            new JobLog(store).record(new JobRun(JobLog.newId(now.minusSeconds(3600), "check", system), host, system, "check",
                    "schedule", now.minusSeconds(3600), now.minusSeconds(3590), JobRun.SUCCEEDED, -1, -1, -1, null,
                    "check of 'local' (packs 3/7, 1 read): no errors"));
            new FleetStatus(store).publish(host, List.of(new FleetStatus.Row(host, system, now, "{}")));
        }
    }

    private static JsonNode assess(Path plan) throws IOException {
        Run r = PlanRuns.lifeboat(plan, "assess", "--format", "json");
        assertThat(r.exit()).as(r.toString()).isZero();
        return PlanRuns.json(r);
    }

    /** The finding of {@code check} for {@code system} (null: the plan's). */
    private static JsonNode finding(JsonNode result, String check, String system) {
        for (JsonNode f : result.get("findings")) {
            if (f.get("check").asText().equals(check) && (system == null ? f.get("system").isNull() : system.equals(f.get("system").asText()))) {
                return f;
            }
        }
        throw new AssertionError("no finding " + check + " for " + system + " in " + result.toPrettyString());
    }

    private static void assertGap(JsonNode result, String check, String system, String... evidence) {
        JsonNode f = finding(result, check, system);
        assertThat(f.get("status").asText()).as("%s of %s: %s", check, system, f).isEqualTo("gap");
        assertThat(f.get("evidence").asText()).as("%s of %s", check, system).contains(evidence);
        assertThat(f.get("advice").isTextual()).as("a gap says what to do: %s", f).isTrue();
        assertThat(f.get("advice").asText()).isNotBlank();
    }

    private static void assertOk(JsonNode result, String check, String system, String... evidence) {
        JsonNode f = finding(result, check, system);
        assertThat(f.get("status").asText()).as("%s of %s: %s", check, system, f).isEqualTo("ok");
        if (evidence.length > 0) assertThat(f.get("evidence").asText()).contains(evidence);
        assertThat(f.get("advice").isNull()).isTrue();
    }

    @Test
    void aPlanBuiltToPassEveryCheckScores100() throws Exception {
        Path plan = setUp(readyPlan());
        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).as(drill.toString()).isZero();
        PlanRuns.lifeboat(plan, "runbook", "-o", dir.resolve("runbook.md").toString()).ok();
        serviceRecords("h1", "files");

        JsonNode a = assess(plan);
        List<String> gaps = new ArrayList<>();
        for (JsonNode f : a.get("findings")) if (!f.get("status").asText().equals("ok")) gaps.add(f.toString());
        assertThat(gaps).isEmpty();
        assertThat(a.get("score").asInt()).isEqualTo(100);
        assertThat(a.get("systems").get(0).get("score").asInt()).isEqualTo(100);
        assertOk(a, "offsite", "files", "off-site repository 'vault' holds snapshot");
        assertOk(a, "immutable", "files", "'vault' is declared append-only");
        assertOk(a, "drill", "files", "passed, within drill-every 30d");
        assertOk(a, "rto", "files", "measured", "within the RTO 10m");
        assertOk(a, "rpo", "files", "no RPO miss in the last 30 days (RPO 1d)");
        assertOk(a, "monitoring", null, "a service (host h1) looked at the systems", "1 alert channel (command)");
        assertOk(a, "runbook", null, "generated from the plan as it is now", dir.resolve("runbook.md").toString());
        assertOk(a, "owner", "files", "owner Ann (office), contact ann@example.com");
        assertOk(a, "verification", "files", "1 successful check of 'local'", "slices [3] of 7",
                "the copies in 'vault' are not read by the service's checks", "always encrypted");
        assertOk(a, "separation", "files", "the backup host cannot delete the copies in 'vault' (append-only)");

        // the runbook's generation is in the state with the plan version it was written from
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            Runbooks.Generated g = new Runbooks(store).recent(1).getFirst();
            assertThat(g.output()).isEqualTo(dir.resolve("runbook.md").toString());
            assertThat(g.format()).isEqualTo("md");
            assertThat(g.planHash()).isEqualTo(org.lifeboat.plan.PlanLoader.load(plan, null,
                    org.lifeboat.plan.PlanLoader.Generators.placeholders()).hash());
        }
    }

    @Test
    void aBarePlanMissesEachCheckAndSaysWhy() throws Exception {
        Path plan = setUp("""
                repositories:
                  local: { url: repo, password-file: password }
                sites:
                  production: { root: prod }
                default-site: production
                state-dir: state
                systems:
                  files:
                    rpo: 1d
                    rto: 10m
                    backup: { repository: local, sources: [ { path: prod/files } ] }
                    retention: { keep-last: 3 }
                    schedule: { prune: "0 4 * * 0" }
                    restore:
                      - path: { from: prod/files, to: "${root}/files" }
                """);
        JsonNode a = assess(plan);
        assertGap(a, "offsite", "files", "no off-site repository holds a snapshot of files", "'local' (on-site, its own) holds snapshot");
        assertGap(a, "immutable", "files", "none of its repositories has an Object Lock retention or is append-only");
        assertGap(a, "drill", "files", "files's restore has never been tested");
        assertThat(finding(a, "drill", "files").get("advice").asText()).contains("the plan has no site 'sandbox'");
        assertGap(a, "rto", "files", "recovery time unknown: never drilled");
        assertGap(a, "owner", "files", "files has no owner and no contact");
        assertGap(a, "verification", "files", "no check reading the data of 'local' is recorded in the last 30 days and none is scheduled",
                "always encrypted");
        assertGap(a, "separation", "files", "the backup host can delete every copy of files",
                "the plan schedules prune for files in the same service", "keep policy (retention:) is applied after each backup");
        assertGap(a, "monitoring", null, "the plan has no serve: section", "no alert channel is configured");
        assertGap(a, "runbook", null, "no runbook generation is recorded");
        // a fresh backup meets the RPO
        assertOk(a, "rpo", "files", "the newest snapshot is");
        // the score is the weight of what passed: rpo only (10)
        assertThat(a.get("score").asInt()).isEqualTo(10);
        assertThat(a.get("systems").get(0).get("score").asInt()).isEqualTo(10);
    }

    @Test
    void whatTheServiceRecordedTurnsIntoGaps() throws Exception {
        Path plan = setUp(readyPlan());
        PlanRuns.lifeboat(plan, "runbook", "-o", dir.resolve("runbook.md").toString()).ok();
        Instant now = Instant.now();
        Duration day = Duration.ofDays(1);
        try (StateStore store = StateStore.open(dir.resolve("state"))) {
            JobLog log = new JobLog(store);
            // backups by the service 10 and 3 days ago: 7 days without one, over the RPO of 1 day
            for (Instant t : List.of(now.minus(day.multipliedBy(10)), now.minus(day.multipliedBy(3)))) {
                log.record(new JobRun(JobLog.newId(t, "backup", "files"), "h1", "files", "backup", "schedule", t, t.plusSeconds(5),
                        JobRun.SUCCEEDED, 1, 1, 1, null, "snapshot saved"));
            }
            Instant pruned = now.minus(day.multipliedBy(2));
            log.record(new JobRun(JobLog.newId(pruned, "prune", "files"), "h1", "files", "prune", "schedule", pruned,
                    pruned.plusSeconds(5), JobRun.SUCCEEDED, -1, -1, -1, null, "pruned 'local'"));
            Instant checked = now.minusSeconds(7200);
            log.record(new JobRun(JobLog.newId(checked, "check", "files"), "h1", "files", "check", "schedule", checked,
                    checked.plusSeconds(5), JobRun.FAILED, -1, -1, -1, null, "check of 'local' (packs 2/7, 1 read): 1 errors, first: pack 1a2b damaged"));
            Incidents incidents = new Incidents(store);
            incidents.raise("h1", "files", "rpo_breached", "files: RPO breached", "{}", now.minus(day.multipliedBy(5)));
            incidents.resolve("h1", "files", "rpo_breached", now.minus(day.multipliedBy(3)));
            incidents.raise("h1", "files", "job_failed", "files: check failed", "{}", now.minus(day.multipliedBy(2)));
            new FleetStatus(store).publish("h1", List.of(new FleetStatus.Row("h1", "files", now.minusSeconds(3600), "{}")));
        }
        // the plan changes after its runbook was written
        Files.writeString(plan, Files.readString(plan) + "# changed\n");

        JsonNode a = assess(plan);
        assertGap(a, "rpo", "files", "the service raised rpo_breached 1 time in the last 30 days",
                "no backup was made for 7d, over the RPO 1d");
        assertGap(a, "verification", "files", "the last check of 'local'", "failed: check of 'local' (packs 2/7, 1 read): 1 errors");
        assertGap(a, "separation", "files", "prune ran on h1, which also backs files up");
        assertGap(a, "monitoring", null, "the service last looked at the systems on", "it is not running",
                "1 alert has been open for more than a day (job_failed of files since");
        assertGap(a, "runbook", null, "was generated from another version of the plan", "the plan changed since");
        // still passing: the off-site and immutable copy, the owner
        assertOk(a, "offsite", "files");
        assertOk(a, "immutable", "files");
        assertOk(a, "owner", "files");
    }

    @Test
    void aFailedDrillOverTheRtoIsTwoGaps() throws Exception {
        Path plan = setUp(readyPlan().replace("rto: 10m", "rto: 1s")
                .replace("      - files: {}\n", "      - files: {}\n      - command: \"sleep 2\"\n"));
        Run drill = PlanRuns.lifeboat(plan, "drill");
        assertThat(drill.exit()).as(drill.toString()).isNotZero();
        JsonNode a = assess(plan);
        assertGap(a, "drill", "files", "the last drill (", ") failed: ", "RTO");
        assertGap(a, "rto", "files", "measured", "over the RTO 1s");
    }

    @Test
    void aPassingDrillThenAFailedOneLeavesTheRecoveryTimeUnknown() throws Exception {
        // brk14a B14: "ok (forecast …)" while the only recent drill failed
        Path plan = setUp(readyPlan());
        assertThat(PlanRuns.lifeboat(plan, "drill").exit()).isZero();
        Files.writeString(plan, Files.readString(plan).replace("      - files: {}\n", "      - files: {}\n      - command: { run: \"false\", within: 1s }\n"));
        assertThat(PlanRuns.lifeboat(plan, "drill").exit()).isNotZero();
        assertGap(assess(plan), "rto", "files", "the last drill (", "failed for files", "measured no recovery time that counts",
                "from earlier drills");
    }

    @Test
    void aSystemWithTargetsButNoBackupHasNoRecoveryPointAndNoCopy() throws Exception {
        // brk14a B12: 90/100 for a plan whose only system keeps nothing
        Path plan = setUp(readyPlan() + """
                  erp:
                    owner: Eve
                    contact: eve@example.com
                    rpo: 1h
                    rto: 1h
                    restore:
                      - command: "true"
                """);
        JsonNode a = assess(plan);
        assertGap(a, "rpo", "erp", "RPO 1h is its target, but the plan backs nothing of erp up");
        assertGap(a, "offsite", "erp", "nothing of it is kept anywhere");
        // brk14b C5: never more points without a backup than with one
        for (String c : List.of("immutable", "verification", "separation")) assertGap(a, c, "erp", "the plan backs nothing of erp up");
    }

    @Test
    void theDemoPlanIsAssessed() throws Exception {
        Path work = dir.resolve("demo");
        Run demo = Cli.raw(null, "demo", "--dir", work.toString());
        assertThat(demo.exit()).as(demo.toString()).isZero();
        Path plan = work.resolve("lifeboat.yaml");
        JsonNode a = assess(plan);
        contract(a, List.of("documents", "website"));
        for (String s : List.of("documents", "website")) {
            assertGap(a, "offsite", s, "no off-site repository holds a snapshot of " + s, "'demo' (on-site, its own)");
            assertGap(a, "immutable", s, "no repository that refuses deletes");
            assertOk(a, "drill", s, "passed, within drill-every 30d");
            assertOk(a, "rto", s, "within the RTO");
            assertOk(a, "rpo", s);
            assertGap(a, "owner", s, s + " has no contact (owner ");
            assertGap(a, "verification", s, "although one is scheduled");
            assertGap(a, "separation", s, "the backup host can delete every copy of " + s);
        }
        assertGap(a, "monitoring", null, "no service has ever published a look", "no alert channel is configured");
        assertOk(a, "runbook", null, work.resolve("runbook.md").toString()); // the demo writes one
        // drill 15 + rto 10 + rpo 10 + runbook 5 of 100
        assertThat(a.get("systems")).extracting(s -> s.get("score").asInt()).containsExactly(40, 40);
        assertThat(a.get("score").asInt()).isEqualTo(40);

        // the text face: the table and every check, gaps with what to do
        Run text = PlanRuns.lifeboat(plan, "assess");
        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(text.out()).contains("Readiness of demo: 40/100").contains("SYSTEM").contains("documents  40")
                .contains("GAP  offsite").contains("ok   drill").contains("do: add owner: and contact:");
        // --json is --format json
        Run global = PlanRuns.lifeboat(plan, "--json", "assess");
        assertThat(global.exit()).isZero();
        assertThat(verdicts(PlanRuns.json(global))).isEqualTo(verdicts(a));
        // and HTML, written to a file
        Path html = dir.resolve("readiness.html");
        PlanRuns.lifeboat(plan, "assess", "--format", "html", "-o", html.toString()).ok();
        assertThat(Files.readString(html)).contains("<h1>Readiness of demo</h1>").contains("id=\"score\">40<")
                .contains("data-check=\"offsite\"").contains("How the score is computed");
    }

    /** The scores and each finding's check, system, status and advice: what stays the same a moment later (ages change). */
    private static List<String> verdicts(JsonNode a) {
        List<String> out = new ArrayList<>(List.of("score " + a.get("score"), "systems " + a.get("systems")));
        for (JsonNode f : a.get("findings")) out.add(f.get("check") + " " + f.get("system") + " " + f.get("status") + " " + f.get("advice"));
        return out;
    }

    /** The JSON contract: keys, types, values; every check once per system or once for the plan. */
    private static void contract(JsonNode a, List<String> systems) {
        assertThat(a.get("score").isInt()).isTrue();
        assertThat(a.get("score").asInt()).isBetween(0, 100);
        List<String> names = new ArrayList<>();
        for (JsonNode s : a.get("systems")) {
            assertThat(fields(s)).containsExactly("name", "score");
            assertThat(s.get("score").asInt()).isBetween(0, 100);
            names.add(s.get("name").asText());
        }
        assertThat(names).containsExactlyElementsOf(systems);
        Map<String, List<String>> seen = new TreeMap<>();
        for (JsonNode f : a.get("findings")) {
            assertThat(fields(f)).containsExactlyInAnyOrder("check", "system", "status", "evidence", "advice");
            assertThat(CHECKS).contains(f.get("check").asText());
            assertThat(f.get("status").asText()).isIn("ok", "gap");
            assertThat(f.get("evidence").asText()).isNotBlank();
            assertThat(f.get("advice").isNull()).as("advice is null exactly when ok: %s", f).isEqualTo(f.get("status").asText().equals("ok"));
            seen.computeIfAbsent(f.get("check").asText(), k -> new ArrayList<>())
                    .add(f.get("system").isNull() ? "(plan)" : f.get("system").asText());
        }
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(CHECKS);
        for (Map.Entry<String, List<String>> e : seen.entrySet()) {
            if (e.getKey().equals("monitoring") || e.getKey().equals("runbook")) {
                assertThat(e.getValue()).as(e.getKey()).containsExactly("(plan)");
            } else {
                assertThat(e.getValue()).as(e.getKey()).containsExactlyElementsOf(systems);
            }
        }
        // a system's score is the weight of the checks it passed, its own and the plan's
        for (JsonNode s : a.get("systems")) {
            int passed = 0;
            for (JsonNode f : a.get("findings")) {
                boolean mine = f.get("system").isNull() || f.get("system").asText().equals(s.get("name").asText());
                if (mine && f.get("status").asText().equals("ok")) {
                    passed += Check.valueOf(f.get("check").asText().toUpperCase(java.util.Locale.ROOT)).weight();
                }
            }
            assertThat(s.get("score").asInt()).as("score of %s", s).isEqualTo(passed);
        }
    }

    private static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> i = n.fieldNames(); i.hasNext(); ) out.add(i.next());
        return out;
    }

    @Test
    void aRepositoryThatCannotBeOpenedIsEvidence() throws Exception {
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("prod/files"));
        Files.writeString(dir.resolve("prod/files/a.txt"), "a\n");
        Path plan = dir.resolve("lifeboat.yaml");
        // 'far' cannot be opened: it was never created (its password variable is not set)
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [far] }
                  far: { url: far, password-env: LIFEBOAT_TEST_UNSET_PASSWORD_42, offsite: true }
                sites:
                  production: { root: prod }
                default-site: production
                state-dir: state
                systems:
                  files:
                    rpo: 1d
                    rto: 10m
                    backup: { repository: local, sources: [ { path: prod/files } ] }
                    restore:
                      - path: { from: prod/files, to: "${root}/files" }
                  far-files:
                    rpo: 1d
                    rto: 10m
                    backup: { repository: far, sources: [ { path: prod/files } ] }
                    restore:
                      - path: { from: prod/files, to: "${root}/far" }
                """);
        assertThat(PlanRuns.lifeboat(plan, "init").exit()).isEqualTo(1); // 'local' made, 'far' not
        assertThat(PlanRuns.lifeboat(plan, "backup", "--system", "files").exit()).isEqualTo(3); // saved, not copied
        JsonNode a = assess(plan);
        contract(a, List.of("files", "far-files"));
        assertGap(a, "offsite", "files", "'far' (off-site, copy-to) could not be read", "there is no repository at");
        assertOk(a, "rpo", "files");
        assertGap(a, "rpo", "far-files", "repository 'far' could not be read", "there is no repository at");
    }

    @Test
    void planAndFlagErrorsAreOneSentence() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, colour: blue }
                systems: {}
                """);
        Run r = PlanRuns.lifeboat(plan, "assess");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("lifeboat.yaml:2:").contains("colour").doesNotContain("Exception").doesNotContain("\tat ");
        Run bad = PlanRuns.lifeboat(plan, "assess", "--format", "xml");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).contains("--format must be text, json or html, not 'xml'").doesNotContain("\n\tat ");
    }

    @Test
    void appendOnlyIsDeclaredForRestRepositoriesOnly() throws Exception {
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, append-only: true }
                  vault: { url: "rest:http://127.0.0.1:1/vault", password-file: password, append-only: true }
                systems: {}
                """);
        Run r = PlanRuns.lifeboat(plan, "plan", "validate");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("lifeboat.yaml:2:").contains("repository 'local' is append-only, but only a rest:"
                + " repository's server can refuse deletes").doesNotContain("'vault'");
    }

    @Test
    void theAssessmentWritesNothing() throws Exception {
        Path plan = setUp(readyPlan().replace("state-dir: state", "state-dir: fresh-state"));
        // the plan backup kept its anomaly score there: a state that was never made is what is judged
        try (var s = Files.walk(dir.resolve("fresh-state"))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        Map<String, Long> before = files(dir.resolve("repo"));
        Map<String, Long> vaultBefore = files(dir.resolve("srv"));
        JsonNode a = assess(plan);
        assertThat(files(dir.resolve("repo"))).isEqualTo(before);
        assertThat(files(dir.resolve("srv"))).isEqualTo(vaultBefore);
        // no state folder or empty database is made where there was none
        assertThat(dir.resolve("fresh-state")).doesNotExist();
        assertGap(a, "runbook", null, "there is no state at " + dir.resolve("fresh-state").resolve("lifeboat.db"));
        assertGap(a, "drill", "files", "never been tested");
    }

    /** Every file under {@code root} with its size. */
    private static Map<String, Long> files(Path root) throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) out.put(root.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) : -1);
        }
        return out;
    }
}
