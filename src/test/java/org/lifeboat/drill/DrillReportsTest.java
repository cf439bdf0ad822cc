package org.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.lifeboat.recovery.CheckResult;
import org.lifeboat.recovery.StepResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The drill report renderers: text and Markdown carry the table, reasons and targets; the HTML's
 * Gantt chart is well-formed SVG whose bars follow the timeline (webapp after its dependencies,
 * lanes in wave order) with an RTO line per system.
 */
class DrillReportsTest {
    static final Instant T0 = Instant.parse("2026-11-22T06:00:00Z");

    /** database and files in wave 1, webapp in wave 2 once both were back: all passed. */
    static DrillReport passing() {
        DrillSystem database = system("database", 1, DrillSystem.Outcome.PASSED, List.of(), 200, 6_000, 20,
                List.of(step(1, "postgres", "restore database shop into 127.0.0.1:5433", StepResult.Outcome.OK, 300, 4_500, 52_000_000L)),
                List.of(check("sql", "select count(*) from orders = 500", true, 4_500, 5_900)));
        DrillSystem files = system("files", 1, DrillSystem.Outcome.PASSED, List.of(), 200, 3_000, 30,
                List.of(step(1, "path", "restore prod/srv/share to /tmp/sandbox/srv/share", StepResult.Outcome.OK, 300, 2_400, 3_100_000L)),
                List.of(check("command", "test -s /tmp/sandbox/srv/share/index.txt", true, 2_400, 2_900)));
        DrillSystem webapp = system("webapp", 2, DrillSystem.Outcome.PASSED, List.of(), 6_100, 11_000, 40,
                List.of(step(1, "path", "restore prod/opt/webapp", StepResult.Outcome.OK, 6_200, 6_800, 40_000L),
                        step(2, "command", "start.sh --port 8081", StepResult.Outcome.OK, 6_800, 7_500, 0)),
                List.of(check("http", "GET http://127.0.0.1:8081/health is 200", true, 7_500, 10_900)));
        return report(true, List.of(database, files, webapp), List.of());
    }

    /** database failed (its step), files back too late for its RTO, webapp blocked; a leftover. */
    static DrillReport failing() {
        DrillSystem database = system("database", 1, DrillSystem.Outcome.FAILED,
                List.of("step 1 (postgres) failed: pg_restore: error: could not connect <to> \"server\" & quit"), 200, 4_000, 20,
                List.of(step(1, "postgres", "restore database shop", StepResult.Outcome.FAILED, 300, 4_000, 1_000L)), List.of());
        DrillSystem files = system("files", 1, DrillSystem.Outcome.FAILED,
                List.of("measured RTO 3.0s exceeds the target 2s"), 200, 3_000, 0,
                List.of(step(1, "path", "restore prod/srv/share", StepResult.Outcome.OK, 300, 2_400, 3_100_000L)),
                List.of(check("command", "test -s index.txt", true, 2_400, 2_900)));
        files = withRto(files, Duration.ofSeconds(2));
        DrillSystem webapp = new DrillSystem("webapp", 2, DrillSystem.Outcome.BLOCKED, List.of("not attempted: database is not back"),
                null, null, 0, Duration.ofHours(24), null, null, Duration.ofMinutes(40), null, null, null, null, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, DrillSystem.Verification.NONE, List.of(), List.of());
        return report(false, List.of(database, files, webapp), List.of("process 4242 (postgres) still running"));
    }

    private static DrillSystem withRto(DrillSystem s, Duration rto) {
        return new DrillSystem(s.name(), s.wave(), s.result(), s.reasons(), s.snapshot(), s.snapshotTime(), s.bytesRestored(),
                s.rpoTarget(), s.rpoAchieved(), s.worstGap(), rto, s.rtoMeasured(), s.started(), s.finished(), s.timeToFirstByte(),
                s.restoreTime(), s.startTime(), s.checkTime(), s.verification(), s.steps(), s.checks());
    }

    private static DrillReport report(boolean passed, List<DrillSystem> systems, List<String> leftovers) {
        Map<Integer, List<String>> waves = new LinkedHashMap<>();
        for (DrillSystem s : systems) waves.computeIfAbsent(s.wave(), w -> new ArrayList<>()).add(s.name());
        return new DrillReport("20261122-060000-ab12", "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "/srv/plans/lifeboat.yaml", "sandbox", "/tmp/lifeboat-drill-20261122-060000-ab12-123", T0, T0.plusMillis(12_000),
                passed, new ArrayList<>(waves.values()), systems, false, leftovers);
    }

    private static DrillSystem system(String name, int wave, DrillSystem.Outcome result, List<String> reasons, long from, long to,
                                      int rtoMinutes, List<StepResult> steps, List<CheckResult> checks) {
        Duration restore = Duration.ZERO, start = Duration.ZERO, checkTime = Duration.ZERO;
        long bytes = 0;
        for (StepResult s : steps) {
            if (s.kind().equals("command")) start = start.plus(s.duration());
            else restore = restore.plus(s.duration());
            bytes += s.bytes();
        }
        for (CheckResult c : checks) checkTime = checkTime.plus(Duration.between(c.started(), c.finished()));
        boolean back = result == DrillSystem.Outcome.PASSED || !checks.isEmpty() && checks.stream().allMatch(CheckResult::passed);
        long files = name.equals("database") ? 0 : 2;
        return new DrillSystem(name, wave, result, reasons, "3f2a9c41d7e85b60aa" + name, T0.minusSeconds(250), bytes,
                Duration.ofMinutes(15), Duration.ofSeconds(250), Duration.ofMinutes(10), Duration.ofMinutes(rtoMinutes),
                back ? Duration.ofMillis(to) : null, T0.plusMillis(from), T0.plusMillis(to),
                steps.isEmpty() ? null : Duration.ofMillis(steps.get(0).firstByte().toEpochMilli() - T0.toEpochMilli()), restore, start,
                checkTime, new DrillSystem.Verification(files, files, 0, 3, List.of()), steps, checks);
    }

    private static StepResult step(int i, String kind, String what, StepResult.Outcome result, long from, long to, long bytes) {
        return new StepResult(i, kind, what, result, result == StepResult.Outcome.FAILED ? "could not connect" : "", T0.plusMillis(from),
                T0.plusMillis(from + 100), T0.plusMillis(to), bytes, null, null);
    }

    private static CheckResult check(String kind, String what, boolean passed, long from, long to) {
        return new CheckResult(kind, what, passed, passed ? "passed" : "failed", 1, T0.plusMillis(from), T0.plusMillis(to));
    }

    // ------------------------------------------------------------------------------ text and markdown

    @Test
    void textHasTheHeaderATableRowPerSystemAndTheTargets() {
        String t = DrillReports.text(passing());
        assertThat(t).startsWith("Drill 20261122-060000-ab12: PASSED\n")
                .contains("site sandbox, plan 9f86d081 (/srv/plans/lifeboat.yaml)")
                .contains("started 2026-11-22T06:00:00Z, took 12.0s, 3 of 3 systems passed");
        List<String> lines = t.lines().toList();
        assertThat(row(lines, "database")).contains("1", "passed", "3f2a9c41", "4m 10s / 15m met", "6.0s / 20m met", "0.4s",
                "4.2s", "1.4s (1/1)", "49.6 MiB");
        assertThat(row(lines, "files")).contains("passed", "3.0s / 30m met", "3.0 MiB");
        assertThat(row(lines, "webapp")).contains("2", "passed", "11.0s / 40m met", "0.7s");
        // Recovery order, and the step timeline below the table.
        assertThat(t.indexOf("\ndatabase ")).isLessThan(t.indexOf("\nfiles ")).isLessThan(t.indexOf("\nwebapp "));
        assertThat(t).contains("    command: start.sh --port 8081", "+6.8s", "check http: GET http://127.0.0.1:8081/health")
                .contains("database: 3 packs checked: ok")
                .contains("files: 2 files compared with the snapshot (2 by content), 0 different, 3 packs checked: ok")
                .contains("torn down: nothing left behind")
                .doesNotContain("Reasons").doesNotContain("MISSED");
        assertThat(t.lines()).allSatisfy(l -> assertThat(l).doesNotEndWith(" "));
    }

    @Test
    void textOfAFailedDrillGivesReasonsMissedTargetsAndLeftovers() {
        String t = DrillReports.text(failing());
        List<String> lines = t.lines().toList();
        assertThat(t).startsWith("Drill 20261122-060000-ab12: FAILED\n").contains("0 of 3 systems passed");
        assertThat(row(lines, "database")).contains("failed", "- / 20m MISSED");
        assertThat(row(lines, "files")).contains("failed", "3.0s / 2s MISSED");
        assertThat(row(lines, "webapp")).contains("blocked", "- / 40m MISSED", "- / 1d").doesNotContain("1d MISSED");
        assertThat(t).contains("Reasons\n")
                .contains("  database (failed): step 1 (postgres) failed: pg_restore: error: could not connect <to> \"server\" & quit")
                .contains("  files (failed): measured RTO 3.0s exceeds the target 2s")
                .contains("  webapp (blocked): not attempted: database is not back")
                .contains("webapp: not verified (blocked)")
                .contains("left behind: process 4242 (postgres) still running");
    }

    @Test
    void markdownIsATableWithSections() {
        String md = DrillReports.markdown(failing());
        assertThat(md).startsWith("# Drill 20261122-060000-ab12: FAILED\n")
                .contains("| System | Wave | Result | Snapshot | Data age / RPO | RTO / target |")
                .contains("| database | 1 | failed | 3f2a9c41 | 4m 10s / 15m met | - / 20m MISSED |")
                .contains("| files | 1 | failed | 3f2a9c41 | 4m 10s / 15m met | 3.0s / 2s MISSED |")
                .contains("| webapp | 2 | blocked | - |")
                .contains("## Reasons\n", "- **webapp (blocked)**: not attempted: database is not back")
                .contains("could not connect \\<to\\> \"server\" & quit")
                .contains("## Verification\n", "## Teardown\n", "- left behind: process 4242 (postgres) still running");
        String table = md.substring(md.indexOf("## Systems"), md.indexOf("## Timeline"));
        // Every row has as many cells as the header.
        for (String l : table.lines().filter(l -> l.startsWith("|")).toList()) {
            assertThat(l.replace("\\|", "").chars().filter(c -> c == '|').count()).as(l).isEqualTo(DrillReports.COLUMNS.size() + 1);
        }
        assertThat(DrillReports.markdown(passing())).contains("| webapp | 2 | passed |").contains("11.0s / 40m met")
                .doesNotContain("## Reasons");
    }

    // ------------------------------------------------------------------------------ html

    @Test
    void htmlGanttBarsFollowTheTimelineAndTheWaves() throws Exception {
        String html = DrillReports.html(passing());
        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("<script").doesNotContain("http-equiv")
                .doesNotContainPattern("(src|href)=\"(https?:)?//");
        Document svg = svg(html);
        Map<String, Element> bars = byClass(svg, "rect", "system-bar");
        assertThat(bars).containsOnlyKeys("database", "files", "webapp");
        Element db = bars.get("database"), files = bars.get("files"), web = bars.get("webapp");
        assertThat(x(web)).isGreaterThanOrEqualTo(x(db) + w(db)).isGreaterThanOrEqualTo(x(files) + w(files));
        assertThat(y(db)).isLessThan(y(files));
        assertThat(y(files)).isLessThan(y(web));
        assertThat(db.getAttribute("data-wave")).isEqualTo("1");
        assertThat(web.getAttribute("data-wave")).isEqualTo("2");
        assertThat(web.getAttribute("data-start-ms")).isEqualTo("6100");
        assertThat(web.getAttribute("data-end-ms")).isEqualTo("11000");
        assertThat(db.getAttribute("fill")).isEqualTo("#1a7f37");
        // Steps inside their system's span; webapp's command step after its path step.
        List<Element> webSteps = all(svg, "rect", "step-bar").stream().filter(e -> e.getAttribute("data-system").equals("webapp")).toList();
        assertThat(webSteps).extracting(e -> e.getAttribute("data-kind")).containsExactly("path", "command");
        assertThat(x(webSteps.get(1))).isGreaterThanOrEqualTo(x(webSteps.get(0)) + w(webSteps.get(0)) - 0.1);
        assertThat(x(webSteps.get(0))).isGreaterThanOrEqualTo(x(web));
        assertThat(byClass(svg, "rect", "check-bar")).containsOnlyKeys("database", "files", "webapp");
        // RTO targets of 20-40 minutes lie far beyond a 12 s drill: at the axis's end, with an arrow.
        Map<String, Element> rto = byClass(svg, "line", "rto-line");
        assertThat(rto).containsOnlyKeys("database", "files", "webapp");
        assertThat(rto.values()).allSatisfy(l -> assertThat(l.getAttribute("data-beyond-axis")).isEqualTo("true"));
        assertThat(Double.parseDouble(rto.get("webapp").getAttribute("x1"))).isGreaterThan(x(web) + w(web));
        assertThat(text(svg)).contains("RTO 20m \u2192", "RTO 30m \u2192", "RTO 40m \u2192", "WAVE 1 (in parallel)", "WAVE 2");
        // Lanes grouped by wave, labelled with their names.
        assertThat(text(svg)).contains("database", "files", "webapp");
        assertThat(html).contains("<table class=\"systems\">").contains("<td class=\"passed\">passed</td>");
    }

    @Test
    void htmlOfAFailedDrillShowsTheBlockedSystemAndAnRtoOnTheAxis() throws Exception {
        String html = DrillReports.html(failing());
        Document svg = svg(html);
        Map<String, Element> bars = byClass(svg, "rect", "system-bar");
        assertThat(bars).containsOnlyKeys("database", "files");
        assertThat(bars.get("database").getAttribute("fill")).isEqualTo("#cf222e");
        assertThat(bars.get("database").getAttribute("data-result")).isEqualTo("failed");
        Map<String, Element> blocked = byClass(svg, "rect", "blocked-marker");
        assertThat(blocked).containsOnlyKeys("webapp");
        // Where webapp would have started: when wave 1 was done (database at +4 s).
        assertThat(x(blocked.get("webapp"))).isCloseTo(x(bars.get("database")) + w(bars.get("database")), org.assertj.core.data.Offset.offset(0.2));
        assertThat(text(svg)).contains("blocked: not attempted: database is not back");
        // files' 2 s target is within the drill: drawn in place, before the end of its bar, in red.
        Map<String, Element> rto = byClass(svg, "line", "rto-line");
        assertThat(rto).containsOnlyKeys("database", "files", "webapp");
        Element filesRto = rto.get("files");
        assertThat(filesRto.getAttribute("data-beyond-axis")).isEqualTo("false");
        assertThat(Double.parseDouble(filesRto.getAttribute("x1"))).isLessThan(x(bars.get("files")) + w(bars.get("files")));
        assertThat(filesRto.getAttribute("stroke")).isEqualTo("#cf222e");
        assertThat(text(svg)).contains("RTO 2s");
        // Text from the report is escaped, in the chart's tooltips and in the page.
        assertThat(html).contains("could not connect &lt;to&gt; &quot;server&quot; &amp; quit")
                .doesNotContain("<to>")
                .contains("<td class=\"missed\">3.0s / 2s MISSED</td>")
                .contains("<li>left behind: process 4242 (postgres) still running</li>");
    }

    @Test
    void nullTimesAndEmptyDrillsRender() throws Exception {
        DrillReport r = failing();
        DrillReport empty = new DrillReport("x", "", "p", "s", "/tmp/x", T0, T0, false, List.of(), List.of(), true, List.of());
        assertThat(DrillReports.text(empty)).contains("0 of 0 systems passed", "kept on request");
        assertThat(byClass(svg(DrillReports.html(empty)), "rect", "system-bar")).isEmpty();
        // A failed system still running at the end (no finish): its bar ends with the drill.
        DrillSystem db = r.systems().get(0);
        DrillSystem open = new DrillSystem(db.name(), 1, db.result(), db.reasons(), null, null, 0, null, null, null, null, null,
                db.started(), null, null, Duration.ZERO, Duration.ZERO, Duration.ZERO, DrillSystem.Verification.NONE,
                List.of(new StepResult(1, "path", "x", StepResult.Outcome.FAILED, null, db.started(), null, null, 0, null, null),
                        new StepResult(2, "path", "y", StepResult.Outcome.SKIPPED, null, null, null, null, 0, null, null)),
                List.of());
        DrillReport one = new DrillReport("y", "h", "p", "s", "/tmp/y", T0, T0.plusSeconds(5), false, List.of(List.of("database")),
                List.of(open), false, List.of());
        Element bar = byClass(svg(DrillReports.html(one)), "rect", "system-bar").get("database");
        assertThat(bar.getAttribute("data-end-ms")).isEqualTo("5000");
        assertThat(DrillReports.text(one)).contains("database", "failed", "- ");
        assertThat(DrillReports.markdown(one)).contains("| database | 1 | failed | - |");
    }

    @Test
    void formats() {
        assertThat(DrillReports.span(Duration.ofMillis(420))).isEqualTo("0.4s");
        assertThat(DrillReports.span(Duration.ofSeconds(59))).isEqualTo("59.0s");
        assertThat(DrillReports.span(Duration.ofSeconds(725))).isEqualTo("12m 5s");
        assertThat(DrillReports.span(null)).isEqualTo("-");
        assertThat(DrillReports.bytes(512)).isEqualTo("512 B");
        assertThat(DrillReports.bytes(3_100_000)).isEqualTo("3.0 MiB");
        assertThat(DrillReports.versus(Duration.ofMinutes(21), Duration.ofMinutes(20), true)).isEqualTo("21m / 20m MISSED");
        assertThat(DrillReports.versus(Duration.ofMinutes(20), Duration.ofMinutes(20), true)).isEqualTo("20m / 20m met");
        assertThat(DrillReports.versus(null, Duration.ofMinutes(20), true)).isEqualTo("- / 20m MISSED");
        assertThat(DrillReports.versus(null, Duration.ofHours(24), false)).isEqualTo("- / 1d");
        assertThat(DrillReports.shortHash("sha256:abcdef0123456789")).isEqualTo("abcdef01");
        assertThat(DrillReports.esc("<a href='x'>&\"</a>\u0001")).isEqualTo("&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt; ");
    }

    // ------------------------------------------------------------------------------ helpers

    private static String row(List<String> lines, String system) {
        return lines.stream().filter(l -> l.startsWith(system + " ")).findFirst().orElseThrow();
    }

    /** The page's SVG part, parsed as XML: it must be well-formed on its own. */
    static Document svg(String html) throws Exception {
        int from = html.indexOf("<svg"), to = html.indexOf("</svg>");
        assertThat(from).as("an <svg> in the page").isNotNegative();
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.substring(from, to + 6).getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> all(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList n = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        for (int i = 0; i < n.getLength(); i++) {
            Element e = (Element) n.item(i);
            if (e.getAttribute("class").equals(cls)) out.add(e);
        }
        return out;
    }

    private static Map<String, Element> byClass(Document d, String tag, String cls) {
        Map<String, Element> out = new LinkedHashMap<>();
        for (Element e : all(d, tag, cls)) assertThat(out.put(e.getAttribute("data-system"), e)).as("one " + cls + " per system").isNull();
        return out;
    }

    private static String text(Document d) {
        return d.getDocumentElement().getTextContent();
    }

    private static double x(Element e) {
        return Double.parseDouble(e.getAttribute("x"));
    }

    private static double y(Element e) {
        return Double.parseDouble(e.getAttribute("y"));
    }

    private static double w(Element e) {
        return Double.parseDouble(e.getAttribute("width"));
    }
}
