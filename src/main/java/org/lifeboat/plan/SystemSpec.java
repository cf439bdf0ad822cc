package org.lifeboat.plan;

import java.time.Duration;
import java.util.List;

/**
 * One system of the business: how it is backed up, what it needs first, its targets, and how it is
 * restored and checked. Strings are already resolved for the plan's site. {@code retention} is the
 * keep policy applied to its snapshots after each plan backup (its own {@code retention:}, else the
 * plan's), null for none; not the repositories' {@code retention:} (S3 Object Lock).
 * {@code anomalyThreshold} is the score (1..100) from which a backup of it is tagged
 * {@code suspicious} ({@code anomaly-threshold:}, default 50), 0 when that is off.
 */
public record SystemSpec(String name, String description, String owner, List<String> contacts, List<String> dependsOn,
                         Duration rpo, Duration rto, Duration drillEvery, Backup backup, List<Step> restore,
                         List<Check> verify, org.lifeboat.prune.KeepPolicy retention, int anomalyThreshold) {

    /** The default {@code anomaly-threshold}. */
    public static final int DEFAULT_ANOMALY_THRESHOLD = 50;

    /** A system with the default anomaly threshold. */
    public SystemSpec(String name, String description, String owner, List<String> contacts, List<String> dependsOn,
                      Duration rpo, Duration rto, Duration drillEvery, Backup backup, List<Step> restore,
                      List<Check> verify, org.lifeboat.prune.KeepPolicy retention) {
        this(name, description, owner, contacts, dependsOn, rpo, rto, drillEvery, backup, restore, verify, retention,
                DEFAULT_ANOMALY_THRESHOLD);
    }

    /** A system without a keep policy (its snapshots are never forgotten by the plan). */
    public SystemSpec(String name, String description, String owner, List<String> contacts, List<String> dependsOn,
                      Duration rpo, Duration rto, Duration drillEvery, Backup backup, List<Step> restore, List<Check> verify) {
        this(name, description, owner, contacts, dependsOn, rpo, rto, drillEvery, backup, restore, verify, null);
    }

    /**
     * Sources go into one snapshot per backup, tagged {@code system=NAME}. host: the hostname its
     * snapshots carry and are recognised by (the plan's {@code host}); null when the plan names none
     * (backups then carry the backing-up machine's name, and any host is accepted on recovery).
     */
    public record Backup(String repository, List<Source> sources, List<Step.CommandStep> before,
                         List<Step.CommandStep> after, String host) {}

    /** The tag on every snapshot of this system. */
    public String tag() {
        return tagFor(name);
    }

    public static String tagFor(String system) {
        return "system=" + system;
    }
}
