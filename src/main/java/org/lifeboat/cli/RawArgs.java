package org.lifeboat.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.lifeboat.fs.RawNames;

/**
 * The command line's raw bytes. The JVM decodes argv with the locale's charset and turns bytes
 * that are not valid there into U+FFFD, so a snapshot name such as {@code caf\xe9.txt} could not be
 * given on the command line. In the real process ({@link Main#main} only) this reads
 * /proc/self/cmdline and keeps, for each argument that differs from its raw bytes only where the
 * JVM put replacement characters, the raw form as a {@link RawNames} string. Only snapshot-side
 * names (patterns, paths inside a snapshot) use it; file system paths stay as the JVM gave them.
 */
final class RawArgs {
    private RawArgs() {}

    /** JVM-decoded argument (or the value after "--opt=") to its raw form; empty unless captured. */
    private static volatile Map<String, String> raw = Map.of();

    /** Reads /proc/self/cmdline for these main arguments; without it (not Linux) nothing changes. */
    static void capture(String[] args) {
        try {
            raw = map(args, Files.readAllBytes(Path.of("/proc/self/cmdline")));
        } catch (IOException | RuntimeException e) {
            raw = Map.of(); // no /proc: arguments stay as the JVM decoded them
        }
    }

    /**
     * The raw form (a RawNames string, raw bytes as U+DC80..U+DCFF) of an argument whose bytes were
     * not valid text, else the argument itself.
     */
    static String raw(String arg) {
        if (arg == null || arg.indexOf('\uFFFD') < 0) return arg;
        return raw.getOrDefault(arg, arg);
    }

    /** Every element through {@link #raw(String)}. */
    static List<String> raw(List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        for (String a : args) out.add(raw(a));
        return out;
    }

    /**
     * The map for {@link #raw(String)}: the main arguments are the last {@code args.length}
     * NUL-terminated entries of {@code cmdline}. Any sign that they do not line up (an ASCII
     * argument that differs) leaves the map empty.
     */
    static Map<String, String> map(String[] args, byte[] cmdline) {
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                entries.add(java.util.Arrays.copyOfRange(cmdline, start, i));
                start = i + 1;
            }
        }
        if (start < cmdline.length) entries.add(java.util.Arrays.copyOfRange(cmdline, start, cmdline.length));
        if (entries.size() < args.length) return Map.of();
        Map<String, String> out = new HashMap<>();
        int first = entries.size() - args.length;
        for (int i = 0; i < args.length; i++) {
            String jvm = args[i];
            String decoded = RawNames.decode(entries.get(first + i));
            if (jvm.equals(decoded)) continue;
            if (!onlyReplaced(jvm, decoded)) {
                if (jvm.indexOf('\uFFFD') < 0) return Map.of(); // misaligned: trust nothing
                continue;
            }
            out.put(jvm, decoded);
            // "--include=PATTERN": picocli hands over the value alone
            int eq = jvm.indexOf('=');
            if (jvm.startsWith("-") && eq > 0 && decoded.startsWith(jvm.substring(0, eq + 1))) {
                out.put(jvm.substring(eq + 1), decoded.substring(eq + 1));
            }
        }
        return Map.copyOf(out);
    }

    /**
     * True if {@code decoded} equals {@code jvm} except that each run of U+FFFD in {@code jvm}
     * stands for one or more non-ASCII characters in {@code decoded} (raw bytes, or text the JVM's
     * charset could not decode).
     */
    static boolean onlyReplaced(String jvm, String decoded) {
        if (jvm.indexOf('\uFFFD') < 0) return false;
        StringBuilder rx = new StringBuilder();
        int i = 0;
        while (i < jvm.length()) {
            int j = i;
            while (j < jvm.length() && jvm.charAt(j) != '\uFFFD') j++;
            if (j > i) rx.append(Pattern.quote(jvm.substring(i, j)));
            if (j < jvm.length()) {
                rx.append("[^\\x00-\\x7F]+");
                while (j < jvm.length() && jvm.charAt(j) == '\uFFFD') j++;
            }
            i = j;
        }
        return Pattern.compile(rx.toString(), Pattern.DOTALL).matcher(decoded).matches();
    }
}
