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
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        sb.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, end);
                        if (cls.startsWith("!") || cls.startsWith("^")) cls = "^" + cls.substring(1);
                        sb.append('[').append(cls.replace("\\", "\\\\")).append(']');
                        i = end;
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
