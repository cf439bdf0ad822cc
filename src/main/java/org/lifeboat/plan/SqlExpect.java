package org.lifeboat.plan;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What an sql check expects of the first value of its query: a comparison or a value to equal. */
public record SqlExpect(String op, String value) {
    /** Applied to stripped text: no trailing-blank backtracking (a lazy group before \\s*$ is quadratic). */
    private static final Pattern CMP = Pattern.compile("(>=|<=|!=|<>|==|=|>|<)\\s*(.*)", Pattern.DOTALL);

    /** Null when the text is empty. */
    public static SqlExpect parse(String text) {
        if (text == null || text.isBlank()) return null;
        Matcher m = CMP.matcher(text.strip());
        if (m.matches()) {
            String op = m.group(1).equals("==") ? "=" : m.group(1).equals("<>") ? "!=" : m.group(1);
            if (m.group(2).isEmpty()) return null;
            if (!op.equals("=") && !op.equals("!=") && number(m.group(2)) == null) return null;
            return new SqlExpect(op, m.group(2));
        }
        return new SqlExpect("=", text.strip());
    }

    /** Numbers compare as numbers, anything else as text (only = and !=). */
    public boolean test(String actual) {
        String a = actual == null ? "" : actual.strip();
        BigDecimal x = number(a), y = number(value);
        int c = x != null && y != null ? x.compareTo(y) : a.compareTo(value);
        return switch (op) {
            case ">=" -> x != null && c >= 0;
            case "<=" -> x != null && c <= 0;
            case ">" -> x != null && c > 0;
            case "<" -> x != null && c < 0;
            case "!=" -> c != 0;
            default -> c == 0;
        };
    }

    private static BigDecimal number(String s) {
        try {
            return new BigDecimal(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return op + " " + value;
    }
}
