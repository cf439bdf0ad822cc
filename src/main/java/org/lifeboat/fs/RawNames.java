package org.lifeboat.fs;

import java.io.ByteArrayOutputStream;

/**
 * Lossless conversion between raw POSIX byte strings (file names, link targets, xattr names) and
 * Java strings. Linux names are arbitrary bytes, restic keeps them as Go strings (bytes), but a
 * Java String can only hold text. Valid UTF-8 decodes normally; every byte that is not part of a
 * valid UTF-8 sequence becomes the lone surrogate U+DC00+byte (always U+DC80..U+DCFF, since bytes
 * below 0x80 are valid ASCII) — the "surrogateescape" convention — so the bytes survive a round
 * trip. Validity follows Go's utf8.DecodeRune (shortest form, no surrogates, at most U+10FFFF),
 * which is also what decides where Go's encoders emit replacement characters.
 */
public final class RawNames {
    private RawNames() {}

    /**
     * Stands for one byte that was already replaced before we saw it: Go's JSON encoder writes
     * each invalid UTF-8 byte of a string (say a symlink target) as an escaped U+FFFD, so the
     * original byte is lost. It encodes to the bytes of U+FFFD, which is what restic restores,
     * while the tree encoder writes it back as the escape so that the tree keeps its bytes.
     */
    public static final char REPLACED_BYTE = '\uDC7F';

    /** True if the char is an escaped raw byte (see class comment). */
    public static boolean isEscapedByte(char c) {
        return c >= 0xDC80 && c <= 0xDCFF;
    }

    public static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    public static String decode(byte[] b, int off, int len) {
        int end = off + len;
        // Fast path: pure ASCII needs no escaping decisions.
        boolean ascii = true;
        for (int i = off; i < end; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        StringBuilder sb = new StringBuilder(len);
        int i = off;
        while (i < end) {
            int n = validSequenceLength(b, i, end);
            if (n == 0) {
                sb.append((char) (0xDC00 | (b[i] & 0xFF)));
                i++;
                continue;
            }
            int cp = decodeValid(b, i, n);
            sb.appendCodePoint(cp);
            i += n;
        }
        return sb.toString();
    }

    /**
     * Encodes a string back to raw bytes; escaped bytes are restored, other lone surrogates
     * (including {@link #REPLACED_BYTE}) become U+FFFD.
     */
    public static byte[] encode(String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 16);
        for (int i = 0; i < n; ) {
            char c = s.charAt(i);
            if (isEscapedByte(c)) {
                out.write(c & 0xFF);
                i++;
                continue;
            }
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                cp = 0xFFFD;
            }
            writeUtf8(out, cp);
        }
        return out.toByteArray();
    }

    static void writeUtf8(ByteArrayOutputStream out, int cp) {
        if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xC0 | (cp >> 6));
            out.write(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out.write(0xE0 | (cp >> 12));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        } else {
            out.write(0xF0 | (cp >> 18));
            out.write(0x80 | ((cp >> 12) & 0x3F));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        }
    }

    /**
     * Length (1..4) of the valid UTF-8 sequence starting at i (bytes before end), or 0 if the byte
     * at i starts none, in which case Go decodes it alone as utf8.RuneError.
     */
    public static int validSequenceLength(byte[] b, int i, int end) {
        int c0 = b[i] & 0xFF;
        if (c0 < 0x80) return 1;
        if (c0 < 0xC2) return 0;
        if (c0 < 0xE0) {
            return i + 1 < end && isCont(b[i + 1]) ? 2 : 0;
        }
        if (c0 < 0xF0) {
            if (i + 2 >= end) return 0;
            int c1 = b[i + 1] & 0xFF;
            int lo = c0 == 0xE0 ? 0xA0 : 0x80;
            int hi = c0 == 0xED ? 0x9F : 0xBF;
            return c1 >= lo && c1 <= hi && isCont(b[i + 2]) ? 3 : 0;
        }
        if (c0 < 0xF5) {
            if (i + 3 >= end) return 0;
            int c1 = b[i + 1] & 0xFF;
            int lo = c0 == 0xF0 ? 0x90 : 0x80;
            int hi = c0 == 0xF4 ? 0x8F : 0xBF;
            return c1 >= lo && c1 <= hi && isCont(b[i + 2]) && isCont(b[i + 3]) ? 4 : 0;
        }
        return 0;
    }

    private static boolean isCont(byte x) {
        return (x & 0xC0) == 0x80;
    }

    /** The code point of the valid sequence of length n at i (see {@link #validSequenceLength}). */
    public static int decodeValid(byte[] b, int i, int n) {
        int c0 = b[i] & 0xFF;
        return switch (n) {
            case 1 -> c0;
            case 2 -> ((c0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
            case 3 -> ((c0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            default -> ((c0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
        };
    }
}
