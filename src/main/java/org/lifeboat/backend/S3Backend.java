package org.lifeboat.backend;

/** The {@code s3:} backend: S3 and S3-compatible object storage (AWS, Ceph RGW, MinIO, Wasabi, B2). */
final class S3Backend {
    private S3Backend() {}

    /**
     * Opens {@code s3:SPEC}.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code s3:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be opened
     */
    static Backend open(String location, String spec, BackendOptions options) {
        throw new IllegalArgumentException("repository location '" + Backends.redact(location)
                + "' uses the s3 backend, which Lifeboat does not support yet");
    }
}
