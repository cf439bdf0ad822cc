package org.lifeboat.backend;

/** The {@code rclone:} backend: any rclone remote, through {@code rclone serve restic}. */
final class RcloneBackend {
    private RcloneBackend() {}

    /**
     * Opens {@code rclone:SPEC}.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code rclone:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be opened
     */
    static Backend open(String location, String spec, BackendOptions options) {
        throw new IllegalArgumentException("repository location '" + Backends.redact(location)
                + "' uses the rclone backend, which Lifeboat does not support yet");
    }
}
