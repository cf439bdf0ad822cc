package org.lifeboat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Map;
import org.lifeboat.fs.RawNames;

/**
 * How file names from snapshots reach standard output: as bytes, never through the JVM's locale
 * charset (which is ASCII when no locale is set and would print '?').
 *
 * <p>Text: a name is written byte for byte, as restic 0.14 does, unless it holds a character that
 * is not printable (a newline, a terminal escape, ...) or starts with a double quote; then it is
 * written quoted like Go's strconv.Quote, as restic 0.15+ does for its status lines, so that no
 * name can forge an output line or drive the terminal.
 *
 * <p>JSON: exactly Go's encoding/json (go1.19, what restic 0.14 prints): each invalid UTF-8 byte
 * becomes the escape of U+FFFD, {@code < > &} and U+2028/U+2029 are escaped, control characters
 * other than newline, return and tab as four-digit escapes, everything else raw UTF-8.
 */
final class Names {
    private Names() {}

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Writes {@code text} (in {@link RawNames} form) and a newline as bytes. */
    static void println(PrintStream out, String text) {
        byte[] b = RawNames.encode(text);
        out.write(b, 0, b.length);
        out.write('\n');
        out.flush();
    }

    /** A name or path for one line of text output (see the class comment). */
    static String display(String name) {
        if (!needsQuote(name)) return name;
        return quote(name);
    }

    private static boolean needsQuote(String s) {
        if (s.startsWith("\"")) return true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp >= 0x20 && cp < 0x7F) continue;
            // Lone surrogates are raw bytes (kept raw) or bytes Go already replaced (printed as U+FFFD).
            if (cp <= 0xFFFF && Character.isSurrogate((char) cp)) continue;
            if (!org.lifeboat.repository.tree.GoPrintable.isPrint(cp)) return true;
        }
        return false;
    }

    /**
     * Go's strconv.Quote of the name's bytes: printable runes raw, {@code \a \b \f \n \r \t \v},
     * {@code \\ \"}, other control bytes and invalid UTF-8 as {@code \xNN}, other non-printable
     * runes as {@code \\uNNNN} or {@code \\UNNNNNNNN}. Invalid bytes come back as escapes, so the
     * result is plain text.
     */
    static String quote(String name) {
        byte[] b = RawNames.encode(name);
        StringBuilder sb = new StringBuilder(b.length + 2).append('"');
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            int k = c < 0x80 ? 1 : RawNames.validSequenceLength(b, i, b.length);
            if (k == 0) {
                sb.append("\\x").append((char) HEX[c >> 4]).append((char) HEX[c & 0xF]);
                i++;
                continue;
            }
            int cp = RawNames.decodeValid(b, i, k);
            i += k;
            switch (cp) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 0x0B -> sb.append("\\v");
                default -> {
                    if (org.lifeboat.repository.tree.GoPrintable.isPrint(cp)) {
                        sb.appendCodePoint(cp);
                    } else if (cp < 0x20 || cp == 0x7F) {
                        sb.append("\\x").append((char) HEX[cp >> 4]).append((char) HEX[cp & 0xF]);
                    } else if (cp < 0x10000) {
                        sb.append(String.format("\\u%04x", cp));
                    } else {
                        sb.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    // ------------------------------------------------------------------------------ JSON

    /** Writes a JSON value as Go's encoding/json would, and a newline, as bytes. */
    static void printJson(PrintStream out, JsonNode node) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        json(b, node);
        b.write('\n');
        out.write(b.toByteArray(), 0, b.size());
        out.flush();
    }

    /** The JSON text of a value as Go writes it (see the class comment), as bytes. */
    static byte[] json(JsonNode node) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        json(b, node);
        return b.toByteArray();
    }

    private static void json(ByteArrayOutputStream out, JsonNode n) {
        if (n.isObject()) {
            out.write('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) out.write(',');
                first = false;
                string(out, e.getKey());
                out.write(':');
                json(out, e.getValue());
            }
            out.write('}');
        } else if (n.isArray()) {
            out.write('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) out.write(',');
                json(out, n.get(i));
            }
            out.write(']');
        } else if (n.isTextual()) {
            string(out, n.textValue());
        } else {
            out.writeBytes(n.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    /** Go's encodeState.string over the raw bytes of {@code s}. */
    static void string(ByteArrayOutputStream out, String s) {
        byte[] b = RawNames.encode(s);
        out.write('"');
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                switch (c) {
                    case '"', '\\' -> {
                        out.write('\\');
                        out.write(c);
                    }
                    case '\n' -> out.writeBytes(new byte[] {'\\', 'n'});
                    case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                    case '\t' -> out.writeBytes(new byte[] {'\\', 't'});
                    default -> {
                        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                            unicodeEscape(out, c);
                        } else {
                            out.write(c);
                        }
                    }
                }
                i++;
                continue;
            }
            int k = RawNames.validSequenceLength(b, i, b.length);
            if (k == 0) {
                unicodeEscape(out, 0xFFFD);
                i++;
                continue;
            }
            int cp = RawNames.decodeValid(b, i, k);
            if (cp == 0x2028 || cp == 0x2029) {
                unicodeEscape(out, cp);
            } else {
                out.write(b, i, k);
            }
            i += k;
        }
        out.write('"');
    }

    private static void unicodeEscape(ByteArrayOutputStream out, int c) {
        out.write('\\');
        out.write('u');
        out.write(HEX[(c >> 12) & 0xF]);
        out.write(HEX[(c >> 8) & 0xF]);
        out.write(HEX[(c >> 4) & 0xF]);
        out.write(HEX[c & 0xF]);
    }
}
