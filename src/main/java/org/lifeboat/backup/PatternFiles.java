package org.lifeboat.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.lifeboat.fs.RawNames;

/**
 * Reads restic's exclude files ({@code --exclude-file}, {@code --iexclude-file}): one pattern a
 * line, surrounding white space removed, blank lines and lines starting with {@code #} ignored, and
 * environment variables expanded in each pattern as Go's {@code os.Expand} does ({@code $VAR},
 * {@code ${VAR}}, {@code $$} for a literal dollar sign, unknown variables become empty).
 */
public final class PatternFiles {
    private PatternFiles() {}

    /**
     * The patterns of all files, in order.
     *
     * @param files names of the exclude files (a "-" is a file named "-", as in restic)
     * @param env   the environment, e.g. {@code System::getenv} (null for an unset variable)
     * @throws IOException naming the file when one cannot be read
     */
    public static List<String> read(List<String> files, Function<String, String> env) throws IOException {
        List<String> out = new ArrayList<>();
        for (String f : files) {
            byte[] b;
            try {
                b = Files.readAllBytes(Path.of(f));
            } catch (java.nio.file.FileSystemException e) {
                throw e;
            } catch (IOException e) {
                // e.g. a folder: Java says only "Is a directory"; name the file
                throw new java.nio.file.FileSystemException(f, null, e.getMessage());
            }
            for (String line : lines(decodeText(b))) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                out.add(expand(t, env));
            }
        }
        return out;
    }

    /**
     * Go's {@code os.Expand} with restic's mapping ({@code $$} is a dollar sign): {@code $NAME} (letters,
     * digits, underscore), {@code ${NAME}}, and a one-character special name after {@code $}
     * ({@code $1}, {@code $?}, ...); a dollar sign followed by anything else stays, {@code ${} } and an
     * unclosed {@code ${} are dropped.
     */
    static String expand(String s, Function<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '$' || i + 1 == s.length()) {
                out.append(c);
                i++;
                continue;
            }
            char n = s.charAt(i + 1);
            String name;
            int used; // characters after the dollar sign that were consumed
            if (n == '{') {
                if (s.length() > i + 3 && isSpecial(s.charAt(i + 2)) && s.charAt(i + 3) == '}') {
                    name = s.substring(i + 2, i + 3);
                    used = 3;
                } else {
                    int close = s.indexOf('}', i + 2);
                    if (close == i + 2) {
                        name = "";
                        used = 2; // "${}" is bad syntax: eaten
                    } else if (close < 0) {
                        name = "";
                        used = 1; // "${" without its brace: eaten
                    } else {
                        name = s.substring(i + 2, close);
                        used = close - i;
                    }
                }
            } else if (isSpecial(n)) {
                name = String.valueOf(n);
                used = 1;
            } else {
                int j = i + 1;
                while (j < s.length() && isNameChar(s.charAt(j))) j++;
                name = s.substring(i + 1, j);
                used = j - i - 1;
            }
            if (name.isEmpty() && used == 0) {
                out.append('$'); // "$" not followed by a name stays
            } else if (!name.isEmpty()) {
                String v = name.equals("$") ? "$" : env.apply(name);
                if (v != null) out.append(v);
            }
            i += 1 + used;
        }
        return out.toString();
    }

    private static boolean isSpecial(char c) {
        return "*#$@!?-0123456789".indexOf(c) >= 0;
    }

    private static boolean isNameChar(char c) {
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /**
     * Text as restic reads it: a UTF-8 byte order mark is dropped, UTF-16 with a byte order mark is
     * decoded, anything else is taken as UTF-8 with stray bytes kept (RawNames form) so that a name
     * in another encoding still reaches the file system unchanged.
     */
    static String decodeText(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) {
            return RawNames.decode(b, 3, b.length - 3);
        }
        if (b.length >= 2 && (((b[0] & 0xff) == 0xFE && (b[1] & 0xff) == 0xFF) || ((b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE))) {
            return new String(b, StandardCharsets.UTF_16); // the mark picks the byte order and is dropped
        }
        return RawNames.decode(b);
    }

    /** Lines as Go's bufio.ScanLines splits them: at '\n', one '\r' before it dropped, no empty last line. */
    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            int e = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            out.add(text.substring(start, e));
            start = end + 1;
        }
        return out;
    }
}
