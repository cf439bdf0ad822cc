package org.lifeboat.assess;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.Json;

/**
 * A readiness assessment of a plan: every finding, each system's score and the overall score.
 *
 * <p>The score of a system is the sum of the {@link Check#weight() weights} (of 100) of the checks
 * it passed, its own findings and the plan-wide ones (monitoring, runbook) together. The overall
 * score is the mean of the systems' scores, rounded down; a plan without systems scores the share
 * of the plan-wide weights it passed.
 *
 * @param plan      the plan's name (or its file name), for people
 * @param generated when the evidence was read
 * @param score     0-100
 * @param systems   each system's score, in the plan's order
 * @param findings  every finding: per check, each system's then the plan-wide one
 */
public record Assessment(String plan, Instant generated, int score, List<SystemScore> systems, List<Finding> findings) {
    /** One system's score, 0-100. */
    public record SystemScore(String name, int score) {}

    public Assessment {
        systems = List.copyOf(systems);
        findings = List.copyOf(findings);
    }

    /** The assessment of {@code findings} for the named systems, scored as the class says. */
    static Assessment of(String plan, Instant generated, List<String> systemNames, List<Finding> findings) {
        List<SystemScore> scores = new ArrayList<>();
        for (String name : systemNames) scores.add(new SystemScore(name, score(findings, name)));
        int overall;
        if (scores.isEmpty()) {
            overall = score(findings, null);
        } else {
            overall = scores.stream().mapToInt(SystemScore::score).sum() / scores.size();
        }
        return new Assessment(plan, generated, overall, scores, findings);
    }

    /** The share of weight passed by {@code system}'s findings and the plan-wide ones, 0-100, rounded down. */
    private static int score(List<Finding> findings, String system) {
        int total = 0, passed = 0;
        for (Finding f : findings) {
            if (f.system() != null && !f.system().equals(system)) continue;
            total += f.check().weight();
            if (f.ok()) passed += f.check().weight();
        }
        return total == 0 ? 100 : passed * 100 / total;
    }

    /** The findings of one system (null: the plan-wide ones), in checklist order. */
    public List<Finding> findingsOf(String system) {
        return findings.stream().filter(f -> java.util.Objects.equals(f.system(), system)).toList();
    }

    /**
     * The JSON contract of {@code lifeboat assess --json} and {@code GET /api/assess}:
     * {@code {"score", "systems": [{"name", "score"}], "findings": [{"check", "system" (null for the
     * plan), "status": "ok"|"gap", "evidence", "advice" (null when ok)}]}}, plus {@code plan} and
     * {@code generated} (RFC 3339).
     */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("plan", plan).put("generated", generated.truncatedTo(ChronoUnit.SECONDS).toString()).put("score", score);
        ArrayNode s = o.putArray("systems");
        for (SystemScore x : systems) s.addObject().put("name", x.name()).put("score", x.score());
        ArrayNode f = o.putArray("findings");
        for (Finding x : findings) {
            ObjectNode n = f.addObject().put("check", x.check().json());
            if (x.system() == null) n.putNull("system");
            else n.put("system", x.system());
            n.put("status", x.status().json()).put("evidence", x.evidence());
            if (x.advice() == null) n.putNull("advice");
            else n.put("advice", x.advice());
        }
        return o;
    }
}
