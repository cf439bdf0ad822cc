package org.lifeboat.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One {@code find} pattern with the semantics of restic's {@code filter.Match}: the pattern is
 * split at '/' into parts, each a Go {@code filepath.Match} glob ({@code *}, {@code ?},
 * {@code [a-z]}, {@code [^…]}, {@code \x}) or {@code **} (any number of folders). A relative
 * pattern matches any run of consecutive path components ({@code *.pdf} matches a name anywhere,
 * {@code docs/*.pdf} a PDF directly in any folder named docs, and a pattern matching a folder also
 * matches what is below it, as in restic); a pattern starting with '/' is anchored at the root.
 * Names are matched as raw strings: one raw byte (a lone surrogate, see RawNames) is one character.
 */
final class FindPattern {
    /** One part: a literal ({@code glob == null}), {@code **} ({@code doubleStar}) or a glob. */
    private record Part(String text, Pattern glob, boolean doubleStar) {
        boolean matches(String name) {
            if (glob == null) return text.equals(name);
            return glob.matcher(name).matches();
        }
    }

    private static final Part ROOT = new Part("/", null, false);

    private final String source;
    private final List<Part> parts;
    private final boolean ignoreCase;

    /**
     * @param pattern the pattern as given (raw: a lone surrogate stands for one raw byte)
     * @param ignoreCase compare lower-cased pattern and path, as restic's {@code find -i}
     * @throws UserException when a part is not a valid glob (an unclosed '[', a trailing '\')
     */
    FindPattern(String pattern, boolean ignoreCase) {
        this.source = pattern;
        this.ignoreCase = ignoreCase;
        String p = ignoreCase ? pattern.toLowerCase(Locale.ROOT) : pattern;
        List<Part> list = new ArrayList<>();
        if (!p.isEmpty()) {
            for (String s : clean(p)) {
                if (s.equals("/")) list.add(ROOT);
                else if (s.equals("**")) list.add(new Part(s, null, true));
                else if (s.chars().noneMatch(c -> c == '\\' || c == '[' || c == ']' || c == '*' || c == '?')) {
                    list.add(new Part(s, null, false));
                } else {
                    list.add(new Part(s, Pattern.compile(globRegex(s, pattern), Pattern.DOTALL), false));
                }
            }
        }
        this.parts = List.copyOf(list);
    }

    /** The pattern as given. */
    String source() {
        return source;
    }

    /** restic's filter.Match: does the absolute raw path ("/a/b") match? The empty pattern matches all. */
    boolean matches(String path) {
        if (parts.isEmpty()) return true;
        return match(parts, split(ignoreCase ? path.toLowerCase(Locale.ROOT) : path));
    }

    /**
     * restic's filter.ChildMatch: may something below the folder {@code path} match? Always for
     * relative patterns; an anchored pattern prunes folders off its path.
     */
    boolean childMayMatch(String path) {
        if (parts.isEmpty() || parts.get(0) != ROOT) return true;
        List<String> strs = split(ignoreCase ? path.toLowerCase(Locale.ROOT) : path);
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).doubleStar() && strs.size() >= i) {
                strs = strs.subList(0, i);
                break;
            }
        }
        int l = Math.min(strs.size(), parts.size());
        return match(parts.subList(0, l), strs);
    }

    private static boolean match(List<Part> pattern, List<String> strs) {
        int pos = -1;
        for (int i = 0; i < pattern.size(); i++) {
            if (pattern.get(i).doubleStar()) {
                pos = i;
                break;
            }
        }
        if (pos >= 0) {
            // '**' stands for 0, 1, 2… '*' parts, as restic expands it
            Part star = new Part("*", Pattern.compile("[^/]*", Pattern.DOTALL), false);
            for (int i = 0; i <= strs.size() - pattern.size() + 1; i++) {
                List<Part> p = new ArrayList<>(pattern.subList(0, pos));
                for (int k = 0; k < i; k++) p.add(star);
                p.addAll(pattern.subList(pos + 1, pattern.size()));
                if (match(p, strs)) return true;
            }
            return false;
        }
        if (pattern.isEmpty()) return strs.isEmpty();
        if (pattern.size() > strs.size()) return false;
        int minOffset = 0;
        int maxOffset = strs.size() - pattern.size();
        if (pattern.get(0) == ROOT) maxOffset = 0;
        else if (strs.get(0).equals("/")) minOffset = 1;
        outer:
        for (int offset = maxOffset; offset >= minOffset; offset--) {
            for (int i = pattern.size() - 1; i >= 0; i--) {
                Part part = pattern.get(i);
                boolean ok = part == ROOT ? strs.get(offset + i).equals("/") : part.matches(strs.get(offset + i));
                if (!ok) continue outer;
            }
            return true;
        }
        return false;
    }

    /** "/a/b" → ["/", "a", "b"]; "a/b" → ["a", "b"] (restic's splitPath). */
    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        String[] s = path.split("/", -1);
        for (int i = 0; i < s.length; i++) {
            if (i == 0 && s[i].isEmpty()) out.add("/");
            else if (!s[i].isEmpty() || i > 0 && i < s.length - 1) out.add(s[i]);
        }
        return out;
    }

    /** Go's filepath.Clean, then split: no empty or "." parts, ".." resolved, "/" first when absolute. */
    private static List<String> clean(String p) {
        boolean abs = p.startsWith("/");
        List<String> out = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..") && !out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                out.remove(out.size() - 1);
            } else if (!(s.equals("..") && abs)) {
                out.add(s);
            }
        }
        if (abs) out.add(0, "/");
        if (out.isEmpty()) out.add(".");
        return out;
    }

    /**
     * One part as a regex over code points, as Go's filepath.Match reads it.
     *
     * @throws UserException for a malformed glob (Go's ErrBadPattern)
     */
    static String globRegex(String glob, String whole) {
        StringBuilder sb = new StringBuilder();
        int[] cps = glob.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            switch (c) {
                case '*' -> sb.append("[^/]*");
                case '?' -> sb.append("[^/]");
                case '\\' -> {
                    if (++i >= cps.length) throw bad(whole);
                    sb.append(lit(cps[i]));
                }
                case '[' -> {
                    i++;
                    StringBuilder cls = new StringBuilder("[");
                    if (i < cps.length && cps[i] == '^') {
                        cls.append('^');
                        i++;
                    }
                    int ranges = 0;
                    while (true) {
                        if (i >= cps.length) throw bad(whole);
                        if (cps[i] == ']' && ranges > 0) break;
                        int lo = cps[i];
                        if (lo == '\\') {
                            if (++i >= cps.length) throw bad(whole);
                            lo = cps[i];
                        } else if (lo == '-' || lo == ']') {
                            throw bad(whole);
                        }
                        i++;
                        int hi = lo;
                        if (i < cps.length && cps[i] == '-') {
                            if (++i >= cps.length) throw bad(whole);
                            hi = cps[i];
                            if (hi == '\\') {
                                if (++i >= cps.length) throw bad(whole);
                                hi = cps[i];
                            } else if (hi == '-' || hi == ']') {
                                throw bad(whole);
                            }
                            i++;
                            if (hi < lo) throw bad(whole);
                        }
                        cls.append(lit(lo));
                        if (hi != lo) cls.append('-').append(lit(hi));
                        ranges++;
                    }
                    sb.append(cls).append(']');
                }
                default -> sb.append(lit(c));
            }
        }
        return sb.toString();
    }

    private static String lit(int c) {
        return "\\x{" + Integer.toHexString(c) + "}";
    }

    private static UserException bad(String pattern) {
        return new UserException("invalid pattern '" + Names.display(pattern) + "': syntax error in pattern");
    }
}
