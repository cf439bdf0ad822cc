package org.lifeboat.backend;

import java.time.Duration;

/**
 * How the stack retries transient faults: exponential backoff from {@code base}, doubling up to
 * {@code max}, each wait drawn at random between half and all of it (jitter, so that many
 * workers do not retry in step), at most {@code attempts} attempts and never past {@code total}.
 *
 * @param attempts attempts in all (1 = no retry), at least 1
 * @param base     the first wait
 * @param max      the longest wait
 * @param total    the longest time from the first attempt to the start of the last
 */
public record RetryPolicy(int attempts, Duration base, Duration max, Duration total) {
    /** 10 attempts, 500 ms doubling to 30 s, within 5 minutes: for remote stores. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(10, Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofMinutes(5));

    /** @throws IllegalArgumentException for fewer than 1 attempt or a negative duration */
    public RetryPolicy {
        if (attempts < 1) throw new IllegalArgumentException("a retry policy needs at least 1 attempt");
        if (base.isNegative() || max.isNegative() || total.isNegative()) throw new IllegalArgumentException("retry waits cannot be negative");
    }

    /** The wait before attempt {@code attempt + 1} (after {@code attempt} failed), in nanoseconds, before jitter. */
    long waitNanos(int attempt) {
        long w = base.toNanos();
        for (int i = 1; i < attempt && w < max.toNanos(); i++) w *= 2;
        return Math.min(w, max.toNanos());
    }
}
