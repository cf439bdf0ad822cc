package org.lifeboat.assess;

/**
 * What one check found for one system (or for the whole plan: {@code system} null).
 *
 * @param evidence what was looked at and what it showed, in one or a few sentences
 * @param advice   what to do about a gap; null when the check passed
 */
public record Finding(Check check, String system, Status status, String evidence, String advice) {
    /** Passed, or a gap in readiness. */
    public enum Status {
        OK, GAP;

        /** {@code ok} or {@code gap}, as the JSON contract writes it. */
        public String json() {
            return this == OK ? "ok" : "gap";
        }
    }

    static Finding ok(Check check, String system, String evidence) {
        return new Finding(check, system, Status.OK, evidence, null);
    }

    static Finding gap(Check check, String system, String evidence, String advice) {
        return new Finding(check, system, Status.GAP, evidence, advice);
    }

    /** Whether the check passed. */
    public boolean ok() {
        return status == Status.OK;
    }
}
