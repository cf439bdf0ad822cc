package org.lifeboat.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The dependency graph of a plan for {@code lifeboat plan show --format dot|mermaid|svg}. Arrows run
 * from what is needed to what needs it (the order of recovery); systems are grouped in waves.
 * Only the selected systems are drawn: a dependency left out is taken as already running.
 */
public final class PlanGraph {
    private PlanGraph() {}

    // ------------------------------------------------------------------------------ DOT

    /** Graphviz: {@code dot -Tpng}. Each wave is a {@code rank=same} subgraph, so waves line up left to right. */
    public static String dot(Plan plan, List<String> selected, Map<String, String> extraLabel) {
        Layout l = layout(plan, selected);
        StringBuilder b = new StringBuilder();
        b.append("// Recovery order: arrows point from what is needed to what needs it.\n");
        b.append("digraph ").append(dotQuote(plan.name() == null ? "lifeboat" : plan.name())).append(" {\n");
        b.append("  rankdir=LR;\n");
        b.append("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        for (int w = 0; w < l.waves.size(); w++) {
            b.append("  subgraph wave_").append(w + 1).append(" {\n");
            b.append("    rank=same;\n");
            for (String s : l.waves.get(w)) {
                b.append("    ").append(dotQuote(s)).append(" [label=")
                        .append(dotQuote(String.join("\n", labelLines(plan.system(s), extraLabel)))).append("];\n");
            }
            b.append("  }\n");
        }
        for (Edge e : l.edges) b.append("  ").append(dotQuote(e.from)).append(" -> ").append(dotQuote(e.to)).append(";\n");
        b.append("}\n");
        return b.toString();
    }

    /** A DOT quoted string: only {@code "} and {@code \} are special, and a new line is written {@code \n}. */
    private static String dotQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c < ' ' ? ' ' : c);
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------------------ Mermaid

    /** Mermaid (GitHub and GitLab render it in Markdown): {@code flowchart LR}, one subgraph per wave. */
    public static String mermaid(Plan plan, List<String> selected, Map<String, String> extraLabel) {
        Layout l = layout(plan, selected);
        Map<String, String> ids = mermaidIds(l.systems);
        StringBuilder b = new StringBuilder("flowchart LR\n");
        for (int w = 0; w < l.waves.size(); w++) {
            b.append("  subgraph wave_").append(w + 1).append("[\"Wave ").append(w + 1).append("\"]\n");
            for (String s : l.waves.get(w)) {
                List<String> lines = labelLines(plan.system(s), extraLabel).stream().map(PlanGraph::mermaidText).toList();
                b.append("    ").append(ids.get(s)).append("[\"").append(String.join("<br/>", lines)).append("\"]\n");
            }
            b.append("  end\n");
        }
        for (Edge e : l.edges) b.append("  ").append(ids.get(e.from)).append(" --> ").append(ids.get(e.to)).append('\n');
        return b.toString();
    }

    /**
     * Node ids: the name where Mermaid allows it. A prefix keeps names such as {@code end} or
     * {@code graph} from reading as keywords; the label shows the real name.
     */
    private static Map<String, String> mermaidIds(List<String> systems) {
        Map<String, String> ids = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        for (String s : systems) {
            String id = "sys_" + s.replaceAll("[^A-Za-z0-9_]", "_");
            String unique = id;
            for (int n = 2; !used.add(unique); n++) unique = id + "_" + n; // a.b and a_b
            ids.put(s, unique);
        }
        return ids;
    }

    /** Inside {@code ["..."]} a quote ends the label and HTML is interpreted: both as Mermaid's #entities. */
    private static String mermaidText(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '#' -> b.append("#35;");
                case '"' -> b.append("#quot;");
                case '<' -> b.append("#lt;");
                case '>' -> b.append("#gt;");
                case '&' -> b.append("#amp;");
                default -> b.append(c < ' ' ? ' ' : c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------ SVG

    private static final int MARGIN = 24, HEADING = 36, COL_GAP = 72, ROW_GAP = 20, LINE = 18, PAD = 12;
    private static final double CHAR_W = 7.4; // average advance of 13px sans-serif; we cannot measure text
    private static final String INK = "#334155", EDGE = "#64748b", HOT = "#c2410c";

    /**
     * A self-contained picture laid out here (no Graphviz needed): one column per wave, a box per
     * system, arrows from dependencies to dependents. The systems and arrows of {@code criticalPath}
     * (as {@link Graph#criticalPath} gives it) are drawn thicker and in orange. Plain presentation
     * attributes rather than CSS or scripts, so it also renders inside {@code <img>} and mail.
     */
    public static String svg(Plan plan, List<String> selected, Map<String, String> extraLabel, List<String> criticalPath) {
        Layout l = layout(plan, selected);
        Set<String> hot = new HashSet<>(criticalPath == null ? List.of() : criticalPath);
        Set<String> hotEdges = new HashSet<>();
        if (criticalPath != null) {
            for (int i = 0; i + 1 < criticalPath.size(); i++) hotEdges.add(criticalPath.get(i) + "\n" + criticalPath.get(i + 1));
        }
        Map<String, List<String>> labels = new HashMap<>();
        int longest = 0;
        boolean anyExtra = false;
        for (String s : l.systems) {
            List<String> lines = labelLines(plan.system(s), extraLabel);
            labels.put(s, lines);
            for (String t : lines) longest = Math.max(longest, t.length());
            anyExtra |= lines.size() > 2;
        }
        int boxW = (int) Math.min(400, Math.max(180, Math.ceil(longest * CHAR_W) + 2 * PAD));
        int maxChars = (int) ((boxW - 2 * PAD) / CHAR_W);
        int boxH = 2 * PAD + LINE * (anyExtra ? 3 : 2);
        int rows = l.waves.stream().mapToInt(List::size).max().orElse(0);
        int cols = l.waves.size();
        int width = Math.max(2 * MARGIN + cols * boxW + Math.max(0, cols - 1) * COL_GAP, 240);
        int height = 2 * MARGIN + HEADING + Math.max(1, rows) * boxH + Math.max(0, rows - 1) * ROW_GAP;

        Map<String, int[]> at = new HashMap<>(); // x, y and wave index of each box
        for (int w = 0; w < cols; w++) {
            List<String> wave = l.waves.get(w);
            for (int r = 0; r < wave.size(); r++) {
                at.put(wave.get(r), new int[] {MARGIN + w * (boxW + COL_GAP), MARGIN + HEADING + r * (boxH + ROW_GAP), w});
            }
        }

        StringBuilder b = new StringBuilder();
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n");
        b.append("  <title>").append(xml("Recovery order" + (plan.name() == null ? "" : " of " + plan.name())))
                .append("</title>\n");
        b.append("  <defs>\n");
        marker(b, "arrow", EDGE);
        marker(b, "arrow-critical", HOT);
        b.append("  </defs>\n");
        b.append("  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        if (l.systems.isEmpty()) {
            b.append("  <text x=\"").append(MARGIN).append("\" y=\"").append(MARGIN + 16).append("\" fill=\"").append(INK)
                    .append("\">No systems selected</text>\n");
        }
        for (int w = 0; w < cols; w++) {
            b.append("  <text class=\"wave\" data-wave=\"").append(w + 1).append("\" x=\"").append(MARGIN + w * (boxW + COL_GAP))
                    .append("\" y=\"").append(MARGIN + 16).append("\" font-weight=\"bold\" fill=\"").append(INK)
                    .append("\">Wave ").append(w + 1).append("</text>\n");
        }
        // Arrows first, so that boxes sit on top of them.
        for (Edge e : l.edges) {
            int[] from = at.get(e.from), to = at.get(e.to);
            double x1 = from[0] + boxW, y1 = from[1] + boxH / 2.0, x2 = to[0] - 2, y2 = to[1] + boxH / 2.0;
            // Waypoints: an arrow that skips waves crosses each column in between through a gap
            // between its boxes (the one nearest the straight line), not through a box.
            List<double[]> points = new ArrayList<>();
            points.add(new double[] {x1, y1});
            for (int w = from[2] + 1; w < to[2]; w++) {
                double cx = MARGIN + w * (boxW + COL_GAP);
                double y = y1 + (y2 - y1) * (cx - x1) / (x2 - x1);
                double gap = gapNear(y, l.waves.get(w).size(), boxH);
                points.add(new double[] {cx - ROW_GAP / 2.0, gap});
                points.add(new double[] {cx + boxW + ROW_GAP / 2.0, gap});
            }
            points.add(new double[] {x2, y2});
            StringBuilder d = new StringBuilder("M ").append(num(x1)).append(' ').append(num(y1));
            for (int i = 1; i < points.size(); i++) {
                double[] a = points.get(i - 1), z = points.get(i);
                double bend = (z[0] - a[0]) / 2; // horizontal tangents at both ends: smooth joins
                d.append(" C ").append(num(a[0] + bend)).append(' ').append(num(a[1])).append(", ")
                        .append(num(z[0] - bend)).append(' ').append(num(z[1])).append(", ")
                        .append(num(z[0])).append(' ').append(num(z[1]));
            }
            boolean critical = hotEdges.contains(e.from + "\n" + e.to);
            b.append("  <path class=\"edge\" data-from=\"").append(xml(e.from)).append("\" data-to=\"").append(xml(e.to))
                    .append('"').append(critical ? " data-critical=\"true\"" : "")
                    .append(" d=\"").append(d).append("\" fill=\"none\" stroke=\"").append(critical ? HOT : EDGE).append("\" stroke-width=\"")
                    .append(critical ? 3 : 1.5).append("\" marker-end=\"url(#").append(critical ? "arrow-critical" : "arrow")
                    .append(")\"/>\n");
        }
        for (int w = 0; w < cols; w++) {
            for (String s : l.waves.get(w)) {
                int[] p = at.get(s);
                boolean critical = hot.contains(s);
                b.append("  <g class=\"system\" data-system=\"").append(xml(s)).append("\" data-wave=\"").append(w + 1).append('"')
                        .append(critical ? " data-critical=\"true\"" : "").append(">\n");
                b.append("    <rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(boxW)
                        .append("\" height=\"").append(boxH).append("\" rx=\"6\" fill=\"").append(critical ? "#fff7ed" : "#f8fafc")
                        .append("\" stroke=\"").append(critical ? HOT : INK).append("\" stroke-width=\"").append(critical ? 3 : 1)
                        .append("\"/>\n");
                List<String> lines = labels.get(s);
                for (int i = 0; i < lines.size(); i++) {
                    b.append("    <text x=\"").append(p[0] + PAD).append("\" y=\"").append(p[1] + PAD + 13 + i * LINE)
                            .append("\" fill=\"").append(i == 0 ? INK : "#475569").append('"')
                            .append(i == 0 ? " font-weight=\"bold\"" : "").append('>')
                            .append(xml(cut(lines.get(i), maxChars))).append("</text>\n");
                }
                b.append("  </g>\n");
            }
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** The middle of the free band (above, between or below the boxes of a column) nearest to {@code y}. */
    private static double gapNear(double y, int boxes, int boxH) {
        double best = 0, bestD = Double.MAX_VALUE;
        for (int r = 0; r <= boxes; r++) {
            double g = MARGIN + HEADING - ROW_GAP / 2.0 + r * (boxH + ROW_GAP);
            if (Math.abs(g - y) < bestD) {
                bestD = Math.abs(g - y);
                best = g;
            }
        }
        return best;
    }

    private static void marker(StringBuilder b, String id, String color) {
        b.append("    <marker id=\"").append(id).append("\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"10\"")
                .append(" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">")
                .append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"").append(color).append("\"/></marker>\n");
    }

    private static String num(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    /** Too long for the box: cut with an ellipsis (the whole text is in DOT and Mermaid). */
    private static String cut(String s, int max) {
        if (s.length() <= max) return s;
        int end = Math.max(1, max - 1);
        if (Character.isHighSurrogate(s.charAt(end - 1))) end--; // never half a character
        return s.substring(0, end) + "…";
    }

    /** Text and attribute content; characters XML 1.0 forbids (controls) become spaces. */
    private static String xml(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c < ' ' || c == 0xFFFE || c == 0xFFFF ? ' ' : c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------ shared

    private record Edge(String from, String to) {}

    /** The selected systems the plan has (file order), their waves, and the arrows among them. */
    private record Layout(List<String> systems, List<List<String>> waves, List<Edge> edges) {}

    private static Layout layout(Plan plan, List<String> selected) {
        Map<String, SystemSpec> systems = plan.systems();
        Set<String> sel = new HashSet<>(selected);
        List<String> chosen = systems.keySet().stream().filter(sel::contains).toList();
        Set<String> chosenSet = new HashSet<>(chosen);
        List<List<String>> waves = Graph.waves(systems, chosen);
        List<Edge> edges = new ArrayList<>();
        for (List<String> wave : waves) {
            for (String s : wave) {
                for (String d : systems.get(s).dependsOn()) if (chosenSet.contains(d)) edges.add(new Edge(d, s));
            }
        }
        return new Layout(chosen, waves, edges);
    }

    /** name; RPO and RTO; the caller's note (e.g. "last backup 2h ago") when there is one. */
    private static List<String> labelLines(SystemSpec s, Map<String, String> extraLabel) {
        List<String> lines = new ArrayList<>(List.of(s.name(),
                "RPO " + Durations.format(s.rpo()) + " · RTO " + Durations.format(s.rto())));
        String extra = extraLabel == null ? null : extraLabel.get(s.name());
        if (extra != null && !extra.isBlank()) lines.add(extra.strip().replaceAll("\\s+", " "));
        return lines;
    }
}
