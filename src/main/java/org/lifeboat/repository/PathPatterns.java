package org.lifeboat.repository;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * restic's path patterns, shared by backup excludes and restore include/exclude: shell globs
 * ({@code *}, {@code ?}, {@code [..]}, {@code **} for any number of folders). A pattern without a
 * leading slash matches at any depth; one with it is anchored at the root. A pattern that matches
 * a folder also matches everything below it.
 */
public final class PathPatterns {
    private final List<Pattern> patterns = new ArrayList<>();
    private final List<String> sources = new ArrayList<>();

    public PathPatterns(List<String> caseSensitive, List<String> caseInsensitive) {
        for (String p : caseSensitive) add(p, false);
        for (String p : caseInsensitive) add(p, true);
    }

    public PathPatterns(List<String> globs) {
        this(globs, List.of());
    }

    private void add(String pattern, boolean ignoreCase) {
        // restic's filter.ParsePatterns skips empty patterns: an unset shell variable ("--exclude $X")
        // must not match every path (a rewrite --forget would empty every snapshot)
        if (pattern.isEmpty()) return;
        sources.add(pattern);
        String p = pattern;
        if (p.endsWith("/") && p.length() > 1) p = p.substring(0, p.length() - 1);
        boolean anchored = p.startsWith("/");
        String regex = globToRegex(anchored ? p.substring(1) : p);
        String full = (anchored ? "^/" : "^(?:.*/)?") + regex + "(?:/.*)?$";
        patterns.add(Pattern.compile(full, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0));
    }

    /**
     * Translates one glob to a regular expression, a code point at a time: a character outside the
     * Basic Multilingual Plane (an emoji) is two Java chars, and quoting each half on its own makes a
     * pattern that never matches, as the regex engine matches input by code point.
     */
    static String globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < glob.length(); i += Character.charCount(glob.codePointAt(i))) {
            int c = glob.codePointAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        i++;
                        if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                            i++;
                            sb.append("(?:.*/)?");
                        } else {
                            sb.append(".*");
                        }
                    } else {
                        sb.append("[^/]*");
                    }
                }
                case '?' -> sb.append("[^/]");
                case '[' -> {
                    int end = classToRegex(glob, i, sb);
                    if (end < 0) {
                        sb.append("\\["); // malformed (refused where patterns are checked): a plain '['
                    } else {
                        i = end - 1;
                    }
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        i++;
                        int next = glob.codePointAt(i);
                        sb.append(Pattern.quote(Character.toString(next)));
                        i += Character.charCount(next) - 1;
                    }
                }
                default -> sb.append(Pattern.quote(Character.toString(c)));
            }
        }
        return sb.toString();
    }

    /**
     * The patterns restic refuses ("invalid pattern(s) provided"), in order, each once: restic drops a
     * leading {@code !} (negation), splits at {@code /} and checks each part with Go's
     * {@code filepath.Match} syntax: an unclosed {@code [}, an empty class ({@code []}, {@code [^]}),
     * a {@code -} or {@code ]} where a class character is due ({@code [a-]}), and a trailing lone
     * backslash are errors; a reversed range such as {@code [z-a]} is not.
     *
     * @param patterns patterns as given (options or lines of pattern files)
     * @return the malformed ones; empty when all are valid
     */
    public static List<String> invalid(List<String> patterns) {
        List<String> bad = new ArrayList<>();
        for (String p : patterns) {
            String body = p.startsWith("!") ? p.substring(1) : p;
            for (String part : body.split("/", -1)) {
                if (!validGoPattern(part)) {
                    if (!bad.contains(p)) bad.add(p);
                    break;
                }
            }
        }
        return bad;
    }

    /** Go's filepath.Match syntax check (Unix: a backslash escapes the next character). */
    static boolean validGoPattern(String p) {
        int n = p.length();
        int i = 0;
        while (i < n) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) return false;
                i += 1 + Character.charCount(p.codePointAt(i + 1));
            } else if (c == '[') {
                i++;
                if (i < n && p.charAt(i) == '^') i++;
                int ranges = 0;
                while (true) {
                    if (i < n && p.charAt(i) == ']' && ranges > 0) {
                        i++;
                        break;
                    }
                    i = classChar(p, i);
                    if (i < 0) return false;
                    if (p.charAt(i) == '-') {
                        i = classChar(p, i + 1);
                        if (i < 0) return false;
                    }
                    ranges++;
                }
            } else {
                i++;
            }
        }
        return true;
    }

    /** Go's getEsc: the index after one class character at {@code i}, or -1; something must follow it. */
    private static int classChar(String p, int i) {
        int n = p.length();
        if (i >= n || p.charAt(i) == '-' || p.charAt(i) == ']') return -1;
        if (p.charAt(i) == '\\') {
            i++;
            if (i >= n) return -1;
        }
        i += Character.charCount(p.codePointAt(i));
        return i >= n ? -1 : i;
    }

    /**
     * Appends the regex of the Go character class starting at {@code open} ({@code [^...]} negates;
     * {@code !} is an ordinary character, as in Go's filepath.Match, which restic uses; a reversed
     * range such as {@code z-a} matches nothing, as in Go, instead of failing). A class never matches
     * '/', as restic matches one path component at a time.
     *
     * @return the index after the closing ']', or -1 when the class is malformed
     */
    private static int classToRegex(String p, int open, StringBuilder sb) {
        int n = p.length();
        int i = open + 1;
        boolean negated = i < n && p.charAt(i) == '^';
        if (negated) i++;
        StringBuilder ranges = new StringBuilder();
        int count = 0;
        while (true) {
            if (i < n && p.charAt(i) == ']' && count > 0) {
                i++;
                break;
            }
            int[] lo = classRune(p, i);
            if (lo == null) return -1;
            i = lo[1];
            int hi = lo[0];
            if (i < n && p.charAt(i) == '-') {
                int[] h = classRune(p, i + 1);
                if (h == null) return -1;
                hi = h[0];
                i = h[1];
            }
            if (i >= n) return -1;
            if (lo[0] <= hi) ranges.append(String.format("\\x{%x}-\\x{%x}", lo[0], hi));
            count++;
        }
        if (negated) sb.append("[^/").append(ranges).append(']');
        else if (ranges.isEmpty()) sb.append("(?!)"); // only reversed ranges: matches nothing
        else sb.append("(?!/)[").append(ranges).append(']');
        return i;
    }

    /** One class character at {@code i} (a backslash escapes): {code point, index after it}, or null. */
    private static int[] classRune(String p, int i) {
        int n = p.length();
        if (i >= n || p.charAt(i) == '-' || p.charAt(i) == ']') return null;
        if (p.charAt(i) == '\\') {
            i++;
            if (i >= n) return null;
        }
        int c = p.codePointAt(i);
        return new int[] {c, i + Character.charCount(c)};
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** True if the path (absolute, '/'-separated) or one of its parent folders matches. */
    public boolean matches(String path) {
        for (Pattern p : patterns) {
            if (p.matcher(path).matches()) return true;
        }
        return false;
    }

    public List<String> sources() {
        return List.copyOf(sources);
    }
}
