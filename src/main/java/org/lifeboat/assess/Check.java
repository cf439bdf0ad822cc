package org.lifeboat.assess;

/**
 * The readiness checklist: each check's name in the JSON contract, its weight in the score (the
 * weights add up to 100) and whether it is judged per system or once for the whole plan.
 */
public enum Check {
    /** A copy outside the primary site holds the system's snapshots. */
    OFFSITE("offsite", 15, true, "off-site copy"),
    /** A copy nobody can delete for a while (S3 Object Lock, an append-only REST server) holds them. */
    IMMUTABLE("immutable", 15, true, "immutable copy"),
    /** A drill passed within the system's drill-every. */
    DRILL("drill", 15, true, "tested restore"),
    /** The recovery time is known (measured or forecast) and within the RTO. */
    RTO("rto", 10, true, "recovery time"),
    /** No RPO missed now or in the last 30 days, as far as the records show. */
    RPO("rpo", 10, true, "data loss (RPO)"),
    /** A service watches the plan and has somewhere to send alerts. */
    MONITORING("monitoring", 10, false, "monitoring"),
    /** A runbook was generated from the plan as it is now. */
    RUNBOOK("runbook", 5, false, "runbook"),
    /** The system names an owner and a contact. */
    OWNER("owner", 5, true, "owner and contact"),
    /** The repository's data was read back (check with read-data) within a month. */
    VERIFICATION("verification", 10, true, "verification"),
    /** The host that backs up cannot destroy every copy, and does not prune. */
    SEPARATION("separation", 5, true, "separation of duties");

    private final String json;
    private final int weight;
    private final boolean perSystem;
    private final String title;

    Check(String json, int weight, boolean perSystem, String title) {
        this.json = json;
        this.weight = weight;
        this.perSystem = perSystem;
        this.title = title;
    }

    /** The name in {@code assess --json} ({@code offsite}, {@code rpo}, …). */
    public String json() {
        return json;
    }

    /** Points of 100 this check is worth in a system's score. */
    public int weight() {
        return weight;
    }

    /** True when judged per system; false when judged once for the plan (system null). */
    public boolean perSystem() {
        return perSystem;
    }

    /** For people: "off-site copy". */
    public String title() {
        return title;
    }
}
