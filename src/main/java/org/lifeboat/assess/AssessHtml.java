package org.lifeboat.assess;

import java.util.List;

/**
 * An assessment as one HTML page without external assets: {@code lifeboat assess --format html}
 * and the dashboard's {@code /assess} page. Every text from the plan or the state is escaped.
 */
public final class AssessHtml {
    private AssessHtml() {}

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1d232b;max-width:80rem}
            h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}
            .muted{color:#5b6472}.small{font-size:.85rem}
            table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
            th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #d8dde3}
            th{background:#f1f3f5;white-space:nowrap}
            td.evidence,td.advice{overflow-wrap:anywhere}
            .ok{color:#17692f;font-weight:600;white-space:nowrap}.gap{color:#a3121b;font-weight:700;white-space:nowrap}
            .score{font-size:2rem;font-weight:700}.bar{display:inline-block;height:.7rem;background:#d8dde3;width:8rem;
            vertical-align:middle;margin-left:.5rem}.bar span{display:block;height:100%}
            nav a{margin-right:1rem}
            """;

    /**
     * The page.
     *
     * @param dashboard true inside the dashboard: a link back to the overview is added
     */
    public static String page(Assessment a, boolean dashboard) {
        StringBuilder b = new StringBuilder(8192);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Readiness of ").append(esc(a.plan())).append(" · Lifeboat</title>\n<style>").append(STYLE)
                .append("</style>\n</head>\n<body>\n");
        if (dashboard) b.append("<nav aria-label=\"Main\"><a href=\"/\">Overview</a><a href=\"/api/assess\">JSON</a></nav>\n");
        b.append("<h1>Readiness of ").append(esc(a.plan())).append("</h1>\n")
                .append("<p class=\"muted small\">Assessed ").append(esc(Assessor.time(a.generated())))
                .append(" against the checklist: off-site and immutable copies, tested restores, recovery time, RPO,"
                        + " monitoring, runbook, owners, verification and separation of duties.</p>\n")
                .append("<p><span class=\"score\" id=\"score\">").append(a.score()).append("</span> / 100")
                .append(bar(a.score())).append("</p>\n");
        if (!a.systems().isEmpty()) {
            b.append("<h2>Systems</h2>\n<table id=\"systems\">\n<thead><tr><th scope=\"col\">System</th><th scope=\"col\">Score</th>"
                    + "<th scope=\"col\">Gaps</th></tr></thead>\n<tbody>\n");
            for (Assessment.SystemScore s : a.systems()) {
                List<String> gaps = a.findings().stream().filter(f -> !f.ok() && (f.system() == null || f.system().equals(s.name())))
                        .map(f -> f.check().json()).toList();
                b.append("<tr><td><a href=\"#system-").append(esc(anchor(s.name()))).append("\">").append(esc(s.name()))
                        .append("</a></td><td>").append(s.score()).append(bar(s.score())).append("</td><td>")
                        .append(gaps.isEmpty() ? "none" : esc(String.join(", ", gaps))).append("</td></tr>\n");
            }
            b.append("</tbody>\n</table>\n");
        }
        section(b, "The whole plan", "plan", a.findingsOf(null));
        for (Assessment.SystemScore s : a.systems()) {
            section(b, s.name() + " (score " + s.score() + ")", "system-" + anchor(s.name()), a.findingsOf(s.name()));
        }
        b.append("<h2>How the score is computed</h2>\n<p class=\"small\">Each check is worth points of 100: ");
        List<String> w = new java.util.ArrayList<>();
        for (Check c : Check.values()) w.add(c.json() + " " + c.weight());
        b.append(esc(String.join(", ", w))).append(". A system scores the points of the checks it passes, its own and the"
                + " plan-wide ones (monitoring, runbook); the plan scores the mean of its systems, rounded down.</p>\n");
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void section(StringBuilder b, String title, String id, List<Finding> findings) {
        if (findings.isEmpty()) return;
        b.append("<h2 id=\"").append(esc(id)).append("\">").append(esc(title)).append("</h2>\n<table class=\"findings\">\n")
                .append("<thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Status</th><th scope=\"col\">Evidence</th>"
                        + "<th scope=\"col\">What to do</th></tr></thead>\n<tbody>\n");
        for (Finding f : findings) {
            b.append("<tr data-check=\"").append(f.check().json()).append("\"><td>").append(esc(f.check().title()))
                    .append("</td><td class=\"").append(f.status().json()).append("\">").append(f.ok() ? "ok" : "GAP")
                    .append("</td><td class=\"evidence\">").append(esc(f.evidence())).append("</td><td class=\"advice\">")
                    .append(f.advice() == null ? "" : esc(f.advice())).append("</td></tr>\n");
        }
        b.append("</tbody>\n</table>\n");
    }

    private static String bar(int score) {
        String colour = score >= 80 ? "#2f9e44" : score >= 50 ? "#e8a317" : "#c92a2a";
        return "<span class=\"bar\" aria-hidden=\"true\"><span style=\"width:" + Math.clamp(score, 0, 100) + "%;background:"
                + colour + "\"></span></span>";
    }

    /** A fragment id from a system name: only letters, digits, - and _. */
    private static String anchor(String name) {
        return name.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    static String esc(String s) {
        return org.lifeboat.drill.DrillReports.esc(s);
    }
}
