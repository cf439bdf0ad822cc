package org.lifeboat.service;

import java.util.Map;

/**
 * A job to run: its system, kind, what asked for it, and the arguments a restore needs.
 *
 * @param trigger schedule, catch-up, retry, continuous or manual
 * @param args    for RESTORE: {@code snapshot} (ID), {@code path} (a folder of it) and {@code target}
 *                (an absolute path on this host); empty for the others
 */
public record JobRequest(String system, JobKind kind, String trigger, Map<String, String> args) {
    /** A job without arguments (all but a restore). */
    public JobRequest(String system, JobKind kind, String trigger) {
        this(system, kind, trigger, Map.of());
    }
}
