package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class PlanGraphTest {
    @TempDir
    Path dir;

    private Plan plan;
    private List<String> all;
    private final Map<String, String> extra = Map.of("database", "last backup 2h ago", "webapp", "never drilled");

    @BeforeEach
    void loadTheExample() throws Exception {
        Path f = dir.resolve(PlanLoader.FILE_NAME);
        Files.writeString(f, PlanLoaderTest.EXAMPLE);
        plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        all = List.copyOf(plan.systems().keySet());
    }

    /** The example with a proxy after webapp and an unrelated mail system: three waves. */
    private static Plan threeWaves() {
        Map<String, SystemSpec> s = GraphTest.systems(
                GraphTest.sys("database", "20m"),
                GraphTest.sys("files", "30m"),
                GraphTest.sys("webapp", "10m", "database", "files"),
                GraphTest.sys("proxy", "5m", "webapp"),
                GraphTest.sys("mail", "30m"));
        return plan(s);
    }

    private static Plan plan(Map<String, SystemSpec> systems) {
        return new Plan(Path.of("/etc/lifeboat/lifeboat.yaml"), "0".repeat(64), "shop", Map.of(), Map.of(), null, null,
                Map.of(), systems, Duration.ofDays(30), null, List.of());
    }

    // ------------------------------------------------------------------------------ DOT

    @Test
    void dotHasEveryEdgeFromDependencyToDependent() {
        String dot = PlanGraph.dot(plan, all, extra);
        assertThat(dot).contains("digraph ", "rankdir=LR;", "\"database\" -> \"webapp\";", "\"files\" -> \"webapp\";");
        assertThat(dot).doesNotContain("\"webapp\" -> ");
        assertThat(count(dot, " -> ")).isEqualTo(2);
        assertThat(dot.strip()).endsWith("}");
    }

    @Test
    void dotLabelsCarryTargetsAndTheExtraLabel() {
        String dot = PlanGraph.dot(plan, all, extra);
        assertThat(dot).contains("\"database\" [label=\"database\\nRPO 15m · RTO 20m\\nlast backup 2h ago\"];");
        assertThat(dot).contains("\"files\" [label=\"files\\nRPO 1h · RTO 30m\"];");
        assertThat(PlanGraph.dot(plan, all, Map.of())).contains("\"webapp\" [label=\"webapp\\nRPO 1d · RTO 10m\"];");
    }

    @Test
    void dotPutsEachWaveOnOneRank() {
        String dot = PlanGraph.dot(threeWaves(), List.copyOf(threeWaves().systems().keySet()), Map.of());
        assertThat(count(dot, "rank=same;")).isEqualTo(3);
        int w1 = dot.indexOf("subgraph wave_1"), w2 = dot.indexOf("subgraph wave_2"), w3 = dot.indexOf("subgraph wave_3");
        assertThat(w1).isLessThan(w2);
        assertThat(w2).isLessThan(w3);
        String wave1 = dot.substring(w1, w2);
        assertThat(wave1).contains("\"database\" [", "\"files\" [", "\"mail\" [").doesNotContain("\"webapp\" [");
        assertThat(dot.substring(w3)).contains("\"proxy\" [");
    }

    @Test
    void dotEscapesQuotesAndBackslashes() {
        String dot = PlanGraph.dot(plan, all, Map.of("files", "say \"hi\" \\ bye\nnow"));
        assertThat(dot).contains("\"files\" [label=\"files\\nRPO 1h · RTO 30m\\nsay \\\"hi\\\" \\\\ bye now\"];");
    }

    @Test
    void onlyTheSelectionIsDrawn() {
        String dot = PlanGraph.dot(plan, List.of("webapp", "files"), Map.of());
        assertThat(dot).contains("\"files\" -> \"webapp\";").doesNotContain("database");
        assertThat(count(dot, "subgraph")).isEqualTo(2);
        assertThat(PlanGraph.dot(plan, List.of("webapp", "nope"), Map.of())).doesNotContain("nope").doesNotContain("->");
    }

    // ------------------------------------------------------------------------------ Mermaid

    @Test
    void mermaidIsAFlowchartWithTheSameContent() {
        String m = PlanGraph.mermaid(plan, all, extra);
        List<String> lines = m.lines().toList();
        assertThat(lines.get(0)).isEqualTo("flowchart LR");
        assertThat(lines).contains(
                "  subgraph wave_1[\"Wave 1\"]",
                "    sys_database[\"database<br/>RPO 15m · RTO 20m<br/>last backup 2h ago\"]",
                "    sys_files[\"files<br/>RPO 1h · RTO 30m\"]",
                "  subgraph wave_2[\"Wave 2\"]",
                "    sys_webapp[\"webapp<br/>RPO 1d · RTO 10m<br/>never drilled\"]",
                "  sys_database --> sys_webapp",
                "  sys_files --> sys_webapp");
        assertThat(count(m, "-->")).isEqualTo(2);
        // Trivial well-formedness: every subgraph ends, every line is a known statement.
        assertThat(count(m, "subgraph ")).isEqualTo(lines.stream().filter(l -> l.strip().equals("end")).count());
        for (String l : lines.subList(1, lines.size())) {
            assertThat(l.strip()).matches("subgraph wave_\\d+\\[\"Wave \\d+\"]|end|\\w+\\[\"[^\"]*\"]|\\w+ --> \\w+");
        }
    }

    @Test
    void mermaidKeepsOddNamesAndLabelsFromBreakingTheSyntax() {
        Plan odd = plan(GraphTest.systems(GraphTest.sys("end", "1h"), GraphTest.sys("a.b", "1h", "end"),
                GraphTest.sys("a_b", "1h", "a.b")));
        String m = PlanGraph.mermaid(odd, List.of("end", "a.b", "a_b"), Map.of("end", "<b>\"#1\" & co</b>"));
        assertThat(m).contains("sys_end[\"end<br/>RPO 1h · RTO 1h<br/>#lt;b#gt;#quot;#35;1#quot; #amp; co#lt;/b#gt;\"]");
        assertThat(m).contains("sys_end --> sys_a_b\n", "sys_a_b --> sys_a_b_2\n");
    }

    // ------------------------------------------------------------------------------ SVG

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> systemsOf(Document d) {
        List<Element> out = new ArrayList<>();
        NodeList gs = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "g");
        for (int i = 0; i < gs.getLength(); i++) {
            Element g = (Element) gs.item(i);
            if (g.getAttribute("class").equals("system")) out.add(g);
        }
        return out;
    }

    private static int rectX(Element g) {
        return Integer.parseInt(((Element) g.getElementsByTagNameNS("*", "rect").item(0)).getAttribute("x"));
    }

    @Test
    void svgIsWellFormedWithOneGroupPerSystem() throws Exception {
        List<String> cp = Graph.criticalPath(plan.systems(), all, s -> plan.system(s).rto());
        Document d = parse(PlanGraph.svg(plan, all, extra, cp));

        assertThat(d.getDocumentElement().getLocalName()).isEqualTo("svg");
        List<Element> gs = systemsOf(d);
        assertThat(gs).extracting(g -> g.getAttribute("data-system")).containsExactly("database", "files", "webapp");
        assertThat(gs).extracting(g -> g.getAttribute("data-wave")).containsExactly("1", "1", "2");
        assertThat(gs.get(0).getTextContent()).contains("database", "RPO 15m · RTO 20m", "last backup 2h ago");
        assertThat(gs.get(1).getTextContent()).contains("files", "RPO 1h · RTO 30m");
    }

    @Test
    void svgColumnsMoveRightWaveByWave() throws Exception {
        Plan p = threeWaves();
        Document d = parse(PlanGraph.svg(p, List.copyOf(p.systems().keySet()), Map.of(), List.of()));
        Map<String, Integer> xOfWave = new LinkedHashMap<>();
        for (Element g : systemsOf(d)) {
            Integer before = xOfWave.putIfAbsent(g.getAttribute("data-wave"), rectX(g));
            if (before != null) assertThat(rectX(g)).as("one column per wave").isEqualTo(before);
        }
        assertThat(xOfWave).containsOnlyKeys("1", "2", "3");
        assertThat(xOfWave.get("1")).isLessThan(xOfWave.get("2"));
        assertThat(xOfWave.get("2")).isLessThan(xOfWave.get("3"));

        NodeList texts = d.getElementsByTagNameNS("*", "text");
        List<String> headings = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            if (t.getAttribute("class").equals("wave")) headings.add(t.getTextContent());
        }
        assertThat(headings).containsExactly("Wave 1", "Wave 2", "Wave 3");
    }

    @Test
    void svgArrowsRunFromDependencyToDependentWithArrowheads() throws Exception {
        Plan p = threeWaves();
        List<String> sel = List.copyOf(p.systems().keySet());
        Document d = parse(PlanGraph.svg(p, sel, Map.of(), List.of()));
        NodeList paths = d.getElementsByTagNameNS("*", "path");
        Set<String> markers = new HashSet<>();
        NodeList ms = d.getElementsByTagNameNS("*", "marker");
        for (int i = 0; i < ms.getLength(); i++) markers.add(((Element) ms.item(i)).getAttribute("id"));
        List<String> edges = new ArrayList<>();
        for (int i = 0; i < paths.getLength(); i++) {
            Element e = (Element) paths.item(i);
            if (!e.getAttribute("class").equals("edge")) continue;
            edges.add(e.getAttribute("data-from") + " -> " + e.getAttribute("data-to"));
            Matcher m = Pattern.compile("url\\(#([^)]+)\\)").matcher(e.getAttribute("marker-end"));
            assertThat(m.matches()).isTrue();
            assertThat(markers).contains(m.group(1));
        }
        assertThat(edges).containsExactlyInAnyOrder("database -> webapp", "files -> webapp", "webapp -> proxy");
    }

    @Test
    void svgArrowsThatSkipAWaveGoBetweenItsBoxes() throws Exception {
        // proxy (wave 3) needs database (wave 1) directly: the arrow must not run through a wave 2 box.
        Map<String, SystemSpec> s = new LinkedHashMap<>(threeWaves().systems());
        s.put("proxy", GraphTest.sys("proxy", "5m", "webapp", "database", "files"));
        s.put("reports", GraphTest.sys("reports", "4h", "database"));
        Plan p = plan(s);
        Document d = parse(PlanGraph.svg(p, List.copyOf(s.keySet()), Map.of(), List.of()));

        List<int[]> wave2 = new ArrayList<>(); // x, y, width, height
        for (Element g : systemsOf(d)) {
            if (!g.getAttribute("data-wave").equals("2")) continue;
            Element r = (Element) g.getElementsByTagNameNS("*", "rect").item(0);
            wave2.add(new int[] {rectX(g), Integer.parseInt(r.getAttribute("y")), Integer.parseInt(r.getAttribute("width")),
                    Integer.parseInt(r.getAttribute("height"))});
        }
        assertThat(wave2).hasSize(2);
        int skipping = 0;
        NodeList paths = d.getElementsByTagNameNS("*", "path");
        for (int i = 0; i < paths.getLength(); i++) {
            Element e = (Element) paths.item(i);
            if (!e.getAttribute("class").equals("edge") || !e.getAttribute("data-to").equals("proxy")) continue;
            if (e.getAttribute("data-from").equals("webapp")) continue;
            skipping++;
            // The segment through the column is level, at the waypoints that flank it.
            List<Double> n = Pattern.compile("-?[0-9.]+").matcher(e.getAttribute("d")).results()
                    .map(m -> Double.parseDouble(m.group())).toList();
            int inside = 0;
            for (int k = 7; k < n.size(); k += 6) {
                double x = n.get(k - 1), y = n.get(k);
                int[] box = wave2.get(0);
                if (x < box[0] - 20 || x > box[0] + box[2] + 20) continue;
                inside++;
                for (int[] b : wave2) assertThat(y < b[1] || y > b[1] + b[3]).as("%s at %s,%s", e.getAttribute("data-from"), x, y)
                        .isTrue();
            }
            assertThat(inside).isEqualTo(2);
        }
        assertThat(skipping).isEqualTo(2);
    }

    @Test
    void svgHighlightsTheCriticalPath() throws Exception {
        Plan p = threeWaves();
        List<String> sel = List.copyOf(p.systems().keySet());
        List<String> cp = Graph.criticalPath(p.systems(), sel, s -> p.system(s).rto());
        assertThat(cp).containsExactly("files", "webapp", "proxy");
        Document d = parse(PlanGraph.svg(p, sel, Map.of(), cp));

        List<String> hotSystems = systemsOf(d).stream().filter(g -> g.getAttribute("data-critical").equals("true"))
                .map(g -> g.getAttribute("data-system")).toList();
        assertThat(hotSystems).containsExactly("files", "webapp", "proxy");
        NodeList paths = d.getElementsByTagNameNS("*", "path");
        List<String> hotEdges = new ArrayList<>();
        for (int i = 0; i < paths.getLength(); i++) {
            Element e = (Element) paths.item(i);
            if (!e.getAttribute("class").equals("edge")) continue;
            boolean hot = e.getAttribute("data-critical").equals("true");
            if (hot) hotEdges.add(e.getAttribute("data-from") + " -> " + e.getAttribute("data-to"));
            assertThat(Double.parseDouble(e.getAttribute("stroke-width"))).isEqualTo(hot ? 3.0 : 1.5);
        }
        assertThat(hotEdges).containsExactly("files -> webapp", "webapp -> proxy");
    }

    @Test
    void svgIsSelfContainedAndEscapesEverything() throws Exception {
        Plan odd = plan(GraphTest.systems(GraphTest.sys("a<b&\"c'", "1h"), GraphTest.sys("web", "1h", "a<b&\"c'")));
        String svg = PlanGraph.svg(odd, List.of("a<b&\"c'", "web"), Map.of("web", "<script>alert(1)</script> & \u0007"),
                List.of("a<b&\"c'", "web"));
        Document d = parse(svg);

        assertThat(systemsOf(d)).extracting(g -> g.getAttribute("data-system")).containsExactly("a<b&\"c'", "web");
        assertThat(systemsOf(d).get(1).getTextContent()).contains("<script>alert(1)</script> &");
        assertThat(d.getElementsByTagNameNS("*", "script").getLength()).isZero();
        assertThat(svg).doesNotContain("<script", "href", "@import", "<image", "<foreignObject");
        assertThat(svg.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http:", "https:");
    }

    @Test
    void svgOfNothingIsStillAPicture() throws Exception {
        Document d = parse(PlanGraph.svg(plan, List.of(), Map.of(), List.of()));
        assertThat(systemsOf(d)).isEmpty();
        assertThat(d.getDocumentElement().getTextContent()).contains("No systems selected");
    }

    @Test
    void svgCutsLabelsThatWouldOverflowTheBox() throws Exception {
        String longName = "x".repeat(200);
        Plan p = plan(GraphTest.systems(GraphTest.sys(longName, "1h")));
        Document d = parse(PlanGraph.svg(p, List.of(longName), Map.of(), List.of()));
        Element g = systemsOf(d).get(0);
        int width = Integer.parseInt(((Element) g.getElementsByTagNameNS("*", "rect").item(0)).getAttribute("width"));
        String shown = g.getElementsByTagNameNS("*", "text").item(0).getTextContent();
        assertThat(shown).endsWith("…").hasSizeLessThan(200);
        assertThat(shown.length() * 7.4).isLessThanOrEqualTo(width);
        assertThat(g.getAttribute("data-system")).isEqualTo(longName);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) n++;
        return n;
    }
}
