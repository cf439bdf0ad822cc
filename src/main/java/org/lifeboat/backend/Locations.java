package org.lifeboat.backend;

import java.nio.file.Path;

/** Turns a repository location as users write it (a folder, {@code local:/path}) into a backend. */
public final class Locations {
    private Locations() {}

    /** IllegalArgumentException (with the reason) for a location no backend handles yet. */
    public static Backend open(String location) {
        String loc = location;
        if (loc.startsWith("local:")) loc = loc.substring("local:".length());
        if (loc.matches("^[a-z0-9]+:.*") && !loc.startsWith("/")) {
            throw new IllegalArgumentException("repository location '" + location + "' uses a backend Lifeboat does not support yet"
                    + " (supported: a local folder)");
        }
        return new LocalBackend(Path.of(loc));
    }
}
