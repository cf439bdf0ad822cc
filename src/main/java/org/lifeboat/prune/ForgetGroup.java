package org.lifeboat.prune;

/**
 * One group's decision.
 *
 * @param key      the group
 * @param decision its snapshots kept and removed, with the reasons
 */
public record ForgetGroup(SnapshotGroupKey key, ForgetDecision decision) {}
