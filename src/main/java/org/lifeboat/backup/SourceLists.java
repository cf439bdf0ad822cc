package org.lifeboat.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawNames;

/**
 * restic's lists of what to back up, read as restic 0.14 and later read them:
 * <ul>
 *   <li>{@code --files-from}: one glob a line (Go's filepath.Glob: {@code * ? [..]} and {@code \}
 *       escapes, within one path component), surrounding white space removed, blank lines and
 *       {@code #} comments ignored; a glob that matches nothing is skipped with a warning.
 *       Environment variables are <em>not</em> expanded (restic does not either).</li>
 *   <li>{@code --files-from-verbatim}: each non-empty line is a path as it stands.</li>
 *   <li>{@code --files-from-raw}: paths each ended by a NUL byte, any bytes allowed.</li>
 * </ul>
 * A list named {@code -} is read from standard input. Paths may be relative to the current folder.
 */
public final class SourceLists {
    private SourceLists() {}

    /** Why a list cannot be used; the message is one sentence naming the option and the file. */
    public static final class ListException extends IOException {
        ListException(String message) {
            super(message);
        }
    }

    /**
     * The targets from all lists, in the order restic takes them (globs, verbatim lists, raw lists).
     *
     * @param warn gets (glob, message) for a glob that matches nothing
     * @throws ListException for a malformed list (bad glob, missing NUL at the end, an empty name)
     * @throws IOException   (a FileSystemException naming it) when a list file cannot be read
     */
    public static List<String> read(List<String> globLists, List<String> verbatimLists, List<String> rawLists,
                                    InputStream stdin, BiConsumer<String, String> warn) throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : globLists) {
            for (String line : PatternFiles.lines(PatternFiles.decodeText(bytes(f, stdin)))) {
                String g = line.strip();
                if (g.isEmpty() || g.startsWith("#")) continue;
                List<String> found = glob(g, f);
                if (found.isEmpty()) warn.accept(g, "pattern in " + describe(f) + " matches no file, skipped");
                out.addAll(found);
            }
        }
        for (String f : verbatimLists) {
            for (String line : PatternFiles.lines(PatternFiles.decodeText(bytes(f, stdin)))) {
                if (!line.isEmpty()) out.add(line);
            }
        }
        for (String f : rawLists) {
            byte[] b = bytes(f, stdin);
            int start = 0;
            while (start < b.length) {
                int nul = start;
                while (nul < b.length && b[nul] != 0) nul++;
                if (nul == b.length) {
                    throw new ListException("--files-from-raw " + describe(f) + ": the last name is not ended by a NUL byte"
                            + " (write the list with find -print0)");
                }
                if (nul == start) {
                    throw new ListException("--files-from-raw " + describe(f) + ": holds an empty name (two NUL bytes in a row)");
                }
                out.add(RawNames.decode(b, start, nul - start));
                start = nul + 1;
            }
        }
        return out;
    }

    private static String describe(String list) {
        return list.equals("-") ? "(standard input)" : list;
    }

    private static byte[] bytes(String list, InputStream stdin) throws IOException {
        if (list.equals("-")) return stdin.readAllBytes();
        try {
            return Files.readAllBytes(Path.of(list));
        } catch (java.nio.file.FileSystemException e) {
            throw e;
        } catch (IOException e) {
            // e.g. a folder: Java says only "Is a directory"; the caller's message must name the list
            throw new java.nio.file.FileSystemException(list, null, e.getMessage());
        }
    }

    /**
     * Go's filepath.Glob: the existing paths matching the glob, sorted within each folder, in the
     * form given (a relative glob gives relative paths). Without wildcards: the path if it exists.
     */
    static List<String> glob(String pattern, String list) throws IOException {
        Component.check(pattern, list);
        boolean abs = pattern.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String p : pattern.split("/")) if (!p.isEmpty()) parts.add(p);
        List<String> found = new ArrayList<>();
        if (parts.isEmpty()) {
            if (abs) found.add("/");
            return found;
        }
        expand(abs ? "/" : "", parts, 0, found);
        return found;
    }

    private static void expand(String prefix, List<String> parts, int i, List<String> out) {
        String part = parts.get(i);
        boolean last = i == parts.size() - 1;
        List<String> names = new ArrayList<>();
        if (!Component.hasMeta(part)) {
            names.add(Component.unescape(part));
        } else {
            try (Dir d = Dir.open(Targets.absolute(prefix.isEmpty() ? "." : prefix))) {
                for (String n : d.list()) if (Component.matches(part, n)) names.add(n);
            } catch (IOException e) {
                return; // not a folder, or unreadable: no matches, as in Go
            }
            names.sort(null);
        }
        for (String n : names) {
            String path = prefix.isEmpty() ? n : prefix.endsWith("/") ? prefix + n : prefix + "/" + n;
            if (last) {
                try {
                    Posix.lstat(Targets.absolute(path));
                    out.add(path);
                } catch (IOException e) {
                    // does not exist: not a match
                }
            } else {
                try {
                    FileMeta m = Posix.lstat(Targets.absolute(path));
                    if (m.kind() == FileKind.DIRECTORY || m.kind() == FileKind.SYMLINK) expand(path, parts, i + 1, out);
                } catch (IOException e) {
                    // does not exist: not a match
                }
            }
        }
    }

    /** One path component of a glob, matched as Go's filepath.Match does, a code point at a time. */
    static final class Component {
        private Component() {}

        static boolean hasMeta(String p) {
            for (int i = 0; i < p.length(); i++) if ("*?[\\".indexOf(p.charAt(i)) >= 0) return true;
            return false;
        }

        static String unescape(String p) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c == '\\' && i + 1 < p.length()) c = p.charAt(++i);
                sb.append(c);
            }
            return sb.toString();
        }

        /** Rejects what Go calls a malformed pattern (an unclosed [ or a trailing \). */
        static void check(String pattern, String list) throws ListException {
            try {
                matches(pattern.replace("/", ""), "");
            } catch (IllegalArgumentException e) {
                throw new ListException("--files-from " + describe(list) + ": \"" + pattern + "\" is not a valid glob ("
                        + e.getMessage() + ")");
            }
        }

        /**
         * filepath.Match for one component.
         *
         * @throws IllegalArgumentException for a malformed pattern
         */
        static boolean matches(String pattern, String name) {
            int[] p = pattern.codePoints().toArray();
            int[] s = name.codePoints().toArray();
            boolean ok = match(p, 0, s, 0);
            validate(p); // Go reports a bad pattern even when an earlier part already failed
            return ok;
        }

        private static boolean match(int[] p, int pi, int[] s, int si) {
            while (pi < p.length) {
                int c = p[pi];
                if (c == '*') {
                    while (pi < p.length && p[pi] == '*') pi++;
                    if (pi == p.length) return true;
                    for (int k = si; k <= s.length; k++) if (match(p, pi, s, k)) return true;
                    return false;
                }
                if (si >= s.length) return false;
                if (c == '?') {
                    pi++;
                    si++;
                } else if (c == '[') {
                    int end = classEnd(p, pi);
                    if (!inClass(p, pi + 1, end, s[si])) return false;
                    pi = end + 1;
                    si++;
                } else {
                    if (c == '\\') {
                        pi++;
                        if (pi == p.length) throw new IllegalArgumentException("it ends in a lone \\");
                        c = p[pi];
                    }
                    if (c != s[si]) return false;
                    pi++;
                    si++;
                }
            }
            return si == s.length;
        }

        /** The index of the ']' closing the class that starts at {@code open}. */
        private static int classEnd(int[] p, int open) {
            int i = open + 1;
            if (i < p.length && p[i] == '^') i++;
            boolean first = true;
            while (i < p.length) {
                if (p[i] == ']' && !first) return i;
                if (p[i] == '\\') i++;
                first = false;
                i++;
            }
            throw new IllegalArgumentException("a [ is not closed");
        }

        private static boolean inClass(int[] p, int from, int end, int ch) {
            boolean negate = from < end && p[from] == '^';
            if (negate) from++;
            boolean hit = false;
            int i = from;
            while (i < end) {
                int lo = p[i] == '\\' ? p[++i] : p[i];
                i++;
                int hi = lo;
                if (i + 1 < end && p[i] == '-') {
                    hi = p[i + 1] == '\\' ? p[i + 2] : p[i + 1];
                    i += p[i + 1] == '\\' ? 3 : 2;
                }
                if (lo <= ch && ch <= hi) hit = true;
            }
            return hit != negate;
        }

        private static void validate(int[] p) {
            for (int i = 0; i < p.length; i++) {
                if (p[i] == '\\') {
                    if (++i == p.length) throw new IllegalArgumentException("it ends in a lone \\");
                } else if (p[i] == '[') {
                    i = classEnd(p, i);
                }
            }
        }
    }
}
