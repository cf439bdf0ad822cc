package org.lifeboat.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

/** A minimal POSIX (pax) tar writer for {@code dump}: long names and large sizes via pax headers. */
final class TarWriter implements AutoCloseable {
    interface Content {
        void write(OutputStream out) throws IOException;
    }

    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    void entry(String name, Node n, long size, Content content) throws IOException {
        char type = switch (n.type()) {
            case DIR -> '5';
            case SYMLINK -> '2';
            case FIFO -> '6';
            case CHARDEV -> '3';
            case DEV -> '4';
            default -> '0';
        };
        String entryName = n.type() == NodeType.DIR ? name + "/" : name;
        String link = n.linkTarget() == null ? "" : n.linkTarget();
        StringBuilder pax = new StringBuilder();
        if (entryName.getBytes(StandardCharsets.UTF_8).length > 100) pax.append(record("path", entryName));
        if (link.getBytes(StandardCharsets.UTF_8).length > 100) pax.append(record("linkpath", link));
        if (size > 077777777777L) pax.append(record("size", Long.toString(size)));
        if (n.mtime() != null) {
            pax.append(record("mtime", n.mtime().toEpochSecond() + "." + String.format("%09d", n.mtime().getNano())));
        }
        if (!pax.isEmpty()) {
            byte[] body = pax.toString().getBytes(StandardCharsets.UTF_8);
            header("PaxHeader", 'x', body.length, 0644, 0, 0, 0, "");
            out.write(body);
            pad(body.length);
        }
        long mtime = n.mtime() == null ? 0 : n.mtime().toEpochSecond();
        header(entryName, type, type == '0' ? size : 0, (int) (GoFileMode.toPosix(n.mode()) & 07777), n.uid(), n.gid(), mtime, link);
        if (content != null) {
            long[] written = {0};
            content.write(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    written[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    written[0] += len;
                }
            });
            pad(written[0]);
        }
    }

    private static String record(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
        return total + body;
    }

    private void header(String name, char type, long size, int mode, long uid, long gid, long mtime, String link)
            throws IOException {
        byte[] h = new byte[512];
        put(h, 0, 100, truncate(name, 100));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, Math.min(size, 077777777777L));
        octal(h, 136, 12, mtime);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        h[156] = (byte) type;
        put(h, 157, 100, truncate(link, 100));
        put(h, 257, 6, "ustar".getBytes(StandardCharsets.US_ASCII));
        h[263] = '0';
        h[264] = '0';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        out.write(h);
    }

    private static byte[] truncate(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= max ? b : java.util.Arrays.copyOf(b, max);
    }

    private static void put(byte[] h, int off, int len, byte[] v) {
        System.arraycopy(v, 0, h, off, Math.min(len, v.length));
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        put(h, off, len - 1, padded.getBytes(StandardCharsets.US_ASCII));
    }

    private void pad(long n) throws IOException {
        int r = (int) (n % 512);
        if (r != 0) out.write(new byte[512 - r]);
    }

    @Override
    public void close() throws IOException {
        out.write(new byte[1024]);
        out.flush();
    }
}
