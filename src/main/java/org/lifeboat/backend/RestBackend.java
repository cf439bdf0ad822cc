package org.lifeboat.backend;

/** The {@code rest:} backend: a server speaking restic's REST protocol (rest-server, Lifeboat's serve-repository). */
final class RestBackend {
    private RestBackend() {}

    /**
     * Opens {@code rest:SPEC}.
     *
     * @param location the whole location, for messages (redact it with {@link Backends#redact})
     * @param spec     what follows {@code rest:}
     * @throws IllegalArgumentException with one sentence naming the location when it cannot be opened
     */
    static Backend open(String location, String spec, BackendOptions options) {
        throw new IllegalArgumentException("repository location '" + Backends.redact(location)
                + "' uses the rest backend, which Lifeboat does not support yet");
    }
}
