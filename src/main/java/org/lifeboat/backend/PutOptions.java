package org.lifeboat.backend;

import java.time.Duration;

/**
 * How a file is stored (after kopia's {@code blob.PutOptions}): for now only a retention, for S3
 * Object Lock later.
 *
 * @param retention the retention mode, {@link Retention#NONE} for none
 * @param period    how long the file must be kept from now; null or zero with {@code NONE}
 */
public record PutOptions(Retention retention, Duration period) {
    /** No retention: the file can be removed at any time. */
    public static final PutOptions NONE = new PutOptions(Retention.NONE, null);

    /** S3 Object Lock's modes. */
    public enum Retention {
        /** none */
        NONE,
        /** removable only by a user allowed to bypass governance retention */
        GOVERNANCE,
        /** removable by nobody until the period ends */
        COMPLIANCE
    }

    /** @throws IllegalArgumentException for a retention without a positive period */
    public PutOptions {
        if (retention == null) throw new IllegalArgumentException("a retention mode is needed (NONE for none)");
        if (retention != Retention.NONE && (period == null || period.isNegative() || period.isZero())) {
            throw new IllegalArgumentException(retention + " retention needs a positive period");
        }
    }
}
