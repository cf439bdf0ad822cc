package org.lifeboat.service;

import java.util.Locale;

/** What a job of the service does for one system. */
public enum JobKind {
    /** A snapshot of the system's sources, then its copies (copy-to) and its retention (forget). */
    BACKUP,
    /** Its newest snapshot copied along copy-to, catching up what earlier backups missed. */
    COPY,
    /** {@code check --read-data-subset}: a slice of the packs read a night, all of them within a week. */
    CHECK,
    /** Its retention applied (forget), then {@code prune} of its repository. */
    PRUNE,
    /** A drill of the system into the sandbox site, recorded with the others. */
    DRILL,
    /** A folder of a snapshot restored to a path on this host (from the dashboard). */
    RESTORE;

    /** As the plan, the API and the metrics name it: backup, copy, check, prune, drill, restore. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind named {@code s}.
     *
     * @throws IllegalArgumentException naming the kinds when {@code s} is none of them
     */
    public static JobKind parse(String s) {
        for (JobKind k : values()) if (k.json().equals(s)) return k;
        throw new IllegalArgumentException("'" + s + "' is not a job kind (backup, copy, check, prune, drill, restore)");
    }
}
