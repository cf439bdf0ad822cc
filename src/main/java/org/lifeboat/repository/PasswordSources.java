package org.lifeboat.repository;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where a repository password comes from when nothing more specific is given, as restic does it. */
public final class PasswordSources {
    private PasswordSources() {}

    /**
     * LIFEBOAT_PASSWORD, LIFEBOAT_PASSWORD_FILE, RESTIC_PASSWORD, RESTIC_PASSWORD_FILE, in that
     * order; empty when none is set. A named file that cannot be read is an IOException naming it.
     */
    public static Optional<String> fromEnvironment() throws IOException {
        String p = System.getenv("LIFEBOAT_PASSWORD");
        if (p != null) return Optional.of(p);
        String file = System.getenv("LIFEBOAT_PASSWORD_FILE");
        if (file != null) return Optional.of(readFile(Path.of(file)));
        p = System.getenv("RESTIC_PASSWORD");
        if (p != null) return Optional.of(p);
        file = System.getenv("RESTIC_PASSWORD_FILE");
        if (file != null) return Optional.of(readFile(Path.of(file)));
        return Optional.empty();
    }

    /** Like restic: only the first line counts, without its line break. */
    public static String readFile(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        if (nl >= 0) s = s.substring(0, nl);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        return s;
    }
}
