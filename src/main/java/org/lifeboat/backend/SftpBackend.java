package org.lifeboat.backend;

/** The {@code sftp:} backend: a folder on an SSH server, over SFTP. */
final class SftpBackend {
    private SftpBackend() {}

    /**
     * Opens {@code sftp:SPEC}.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code sftp:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be opened
     */
    static Backend open(String location, String spec, BackendOptions options) {
        throw new IllegalArgumentException("repository location '" + Backends.redact(location)
                + "' uses the sftp backend, which Lifeboat does not support yet");
    }
}
