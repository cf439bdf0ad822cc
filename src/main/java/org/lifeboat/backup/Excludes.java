package org.lifeboat.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.RawFile;
import org.lifeboat.repository.PathPatterns;

/** What a backup leaves out: restic-style patterns, and optionally cache folders. */
public final class Excludes {
    public static final Excludes NONE = new Excludes(List.of(), List.of(), false);

    private final PathPatterns patterns;
    private final boolean excludeCaches;

    public Excludes(List<String> caseSensitive, List<String> caseInsensitive, boolean excludeCaches) {
        this.patterns = new PathPatterns(caseSensitive, caseInsensitive);
        this.excludeCaches = excludeCaches;
    }

    /** Reads patterns from files: one per line, blank lines and # comments ignored. */
    public static List<String> readPatternFiles(List<String> files) throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            for (String line : Files.readAllLines(Path.of(f), StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) out.add(t);
            }
        }
        return out;
    }

    /** True if the absolute path is excluded by a pattern. */
    public boolean excluded(String absolutePath) {
        return !patterns.isEmpty() && patterns.matches(absolutePath);
    }

    public boolean excludeCaches() {
        return excludeCaches;
    }

    public List<String> patterns() {
        return patterns.sources();
    }

    /**
     * A cache folder per the Cache Directory Tagging spec: holds a CACHEDIR.TAG file (a symlink
     * there is not followed) that starts with the signature.
     */
    static boolean isCacheDir(Dir dir) {
        byte[] sig = new byte[SIGNATURE.length()];
        try (RawFile f = dir.openForRead("CACHEDIR.TAG")) {
            int got = 0;
            while (got < sig.length) {
                int n = f.read(sig, got, sig.length - got, got);
                if (n < 0) return false;
                got += n;
            }
            return new String(sig, StandardCharsets.US_ASCII).equals(SIGNATURE);
        } catch (IOException e) {
            return false;
        }
    }

    private static final String SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55";
}
