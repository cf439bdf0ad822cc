package org.lifeboat.recovery;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Passes through the parts of a mysqldump/mariadb-dump file that belong to the chosen databases:
 * the preamble, then each {@code -- Current Database: `name`} section only when its name is
 * chosen. Restoring one database from a multi-database dump then leaves the others as they are.
 */
final class MysqlDumpFilter extends InputStream {
    private static final byte[] MARKER = "-- Current Database: `".getBytes(StandardCharsets.US_ASCII);
    private final InputStream in;
    private final Set<String> chosen;
    private final Set<String> seen;
    private boolean passing = true;
    private byte[] line = new byte[0];
    private int pos;
    private boolean eof;

    /** seen collects the chosen databases found in the dump. */
    MysqlDumpFilter(InputStream in, Set<String> chosen, Set<String> seen) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.chosen = chosen;
        this.seen = seen;
    }

    /** Next whole line (with its newline), or false at the end. Lines can be long (extended inserts). */
    private boolean nextLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') break;
        }
        if (b.size() == 0) return false;
        line = b.toByteArray();
        pos = 0;
        if (startsWith(line, MARKER)) {
            int end = indexOf(line, (byte) '`', MARKER.length);
            String name = end < 0 ? "" : new String(line, MARKER.length, end - MARKER.length, StandardCharsets.UTF_8);
            passing = chosen.contains(name);
            if (passing) seen.add(name);
        }
        return true;
    }

    private boolean fill() throws IOException {
        while (!eof && pos >= line.length) {
            if (!nextLine()) {
                eof = true;
                return false;
            }
            if (!passing) pos = line.length;
        }
        return !eof || pos < line.length;
    }

    @Override
    public int read() throws IOException {
        return fill() ? line[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, line.length - pos);
        System.arraycopy(line, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        if (a.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (a[i] != prefix[i]) return false;
        return true;
    }

    private static int indexOf(byte[] a, byte v, int from) {
        for (int i = from; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }
}
