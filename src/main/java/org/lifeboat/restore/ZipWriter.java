package org.lifeboat.restore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.lifeboat.fs.RawNames;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

/**
 * A streaming zip writer for {@code dump --archive zip}, writing what restic's (Go's archive/zip)
 * does: member names relative ({@link TarWriter#memberName}), folders as "name/" stored empty,
 * files deflated, a symlink stored with its target as content, every member with its Unix mode
 * and type in the external attributes ("version made by" Unix), its mtime as MS-DOS date and time
 * (in the snapshot's own time zone) and as an extended-timestamp field (0x5455, Unix seconds).
 * Sizes and CRCs follow each member in a data descriptor; zip64 records are written when a
 * member, an offset or the number of members does not fit the classic fields. java.util.zip's
 * ZipOutputStream cannot write Unix modes, hence this class.
 */
public final class ZipWriter implements ArchiveWriter {
    private static final long MAX32 = 0xFFFF_FFFFL;
    private static final int VERSION_20 = 20;
    private static final int VERSION_45 = 45;
    private static final int UNIX = 3;

    private final Counting out;
    private final ByteArrayOutputStream central = new ByteArrayOutputStream();
    private long members;

    public ZipWriter(OutputStream out) {
        this.out = new Counting(out);
    }

    @Override
    public TarWriter.Outcome entry(String name, Node n, long size, TarWriter.Content content) throws IOException {
        String member = TarWriter.memberName(name);
        if (member == null) return TarWriter.Outcome.UNSAFE_NAME;
        if (n.linkTarget() != null && n.linkTarget().indexOf('\0') >= 0) return TarWriter.Outcome.UNSAFE_NAME;
        boolean dir = n.type() == NodeType.DIR;
        byte[] nameBytes = RawNames.encode(dir ? member + "/" : member);
        int flags = utf8NonAscii(nameBytes) ? 0x800 : 0;
        boolean deflate = n.type() == NodeType.FILE;
        if (!dir) flags |= 0x8; // sizes and CRC in a data descriptor after the data
        int method = deflate ? 8 : 0;
        int[] dos = dosTime(n.mtime());
        byte[] extra = n.mtime() == null ? new byte[0] : extTime(n.mtime().toEpochSecond());
        long offset = out.count;

        // local file header
        ByteBuffer h = le(30);
        h.putInt(0x04034b50).putShort((short) VERSION_20).putShort((short) flags).putShort((short) method)
                .putShort((short) dos[0]).putShort((short) dos[1]).putInt(0).putInt(0).putInt(0)
                .putShort((short) nameBytes.length).putShort((short) extra.length);
        out.write(h.array());
        out.write(nameBytes);
        out.write(extra);

        CRC32 crc = new CRC32();
        long start = out.count;
        long[] plain = {0};
        if (!dir) {
            // Level 1: an archive is made while someone waits for it (a dashboard download, dump | ssh);
            // deflate level 1 is several times faster than the default 6 for a few percent more bytes.
            Deflater deflater = deflate ? new Deflater(Deflater.BEST_SPEED, true) : null;
            try {
                OutputStream body = deflater == null ? out : new DeflatingStream(out, deflater);
                OutputStream sink = new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        crc.update(b, off, len);
                        plain[0] += len;
                        body.write(b, off, len);
                    }
                };
                if (n.type() == NodeType.SYMLINK && n.linkTarget() != null) {
                    sink.write(RawNames.encode(n.linkTarget()));
                } else if (content != null) {
                    content.write(sink);
                }
                if (deflater != null) ((DeflatingStream) body).finish();
            } finally {
                if (deflater != null) deflater.end();
            }
        }
        long compressed = out.count - start;
        boolean zip64 = plain[0] >= MAX32 || compressed >= MAX32;
        if (!dir) {
            ByteBuffer d = le(zip64 ? 24 : 16);
            d.putInt(0x08074b50).putInt((int) crc.getValue());
            if (zip64) {
                d.putLong(compressed).putLong(plain[0]);
            } else {
                d.putInt((int) compressed).putInt((int) plain[0]);
            }
            out.write(d.array());
        }

        // its central directory record, written at the end
        boolean zip64Central = zip64 || offset >= MAX32;
        byte[] z64 = new byte[0];
        if (zip64Central) {
            ByteBuffer z = le(28);
            z.putShort((short) 0x0001).putShort((short) 24).putLong(plain[0]).putLong(compressed).putLong(offset);
            z64 = z.array();
        }
        int needed = zip64Central ? VERSION_45 : VERSION_20;
        ByteBuffer c = le(46);
        c.putInt(0x02014b50).putShort((short) (UNIX << 8 | needed)).putShort((short) needed).putShort((short) flags)
                .putShort((short) method).putShort((short) dos[0]).putShort((short) dos[1]).putInt((int) crc.getValue())
                .putInt((int) (zip64Central ? MAX32 : compressed)).putInt((int) (zip64Central ? MAX32 : plain[0]))
                .putShort((short) nameBytes.length).putShort((short) (z64.length + extra.length)).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(externalAttributes(n))
                .putInt((int) (zip64Central ? MAX32 : offset));
        central.writeBytes(c.array());
        central.writeBytes(nameBytes);
        central.writeBytes(z64);
        central.writeBytes(extra);
        members++;
        return deflate && plain[0] != size ? TarWriter.Outcome.SIZE_DIFFERS : TarWriter.Outcome.WRITTEN;
    }

    /** Unix mode and type in the high 16 bits, as Go's FileHeader.SetMode; MS-DOS folder/read-only bits low. */
    public static int externalAttributes(Node n) {
        int perm = (int) (GoFileMode.toPosix(n.mode()) & 07777);
        int type = switch (n.type()) {
            case DIR -> 0040000;
            case SYMLINK -> 0120000;
            case FIFO -> 0010000;
            case CHARDEV -> 0020000;
            case DEV -> 0060000;
            case SOCKET -> 0140000;
            default -> 0100000;
        };
        int attrs = (type | perm) << 16;
        if (n.type() == NodeType.DIR) attrs |= 0x10;
        if ((perm & 0200) == 0) attrs |= 0x01;
        return attrs;
    }

    /** MS-DOS {time, date} of the mtime in its own zone (1980-01-01 for earlier times or none). */
    public static int[] dosTime(OffsetDateTime t) {
        if (t == null || t.getYear() < 1980) return new int[] {0, (1 << 5) | 1};
        int year = Math.min(t.getYear(), 2107);
        int time = t.getSecond() / 2 | t.getMinute() << 5 | t.getHour() << 11;
        int date = t.getDayOfMonth() | t.getMonthValue() << 5 | (year - 1980) << 9;
        return new int[] {time, date};
    }

    /** The extended-timestamp extra field (0x5455) with the modification time only. */
    private static byte[] extTime(long epochSeconds) {
        ByteBuffer b = le(9);
        b.putShort((short) 0x5455).putShort((short) 5).put((byte) 1).putInt((int) epochSeconds);
        return b.array();
    }

    /** Go sets the UTF-8 flag for names that are valid UTF-8 and not plain ASCII. */
    private static boolean utf8NonAscii(byte[] name) {
        boolean ascii = true;
        for (byte b : name) if (b < 0) ascii = false;
        if (ascii) return false;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        long cdOffset = out.count;
        out.write(central.toByteArray());
        long cdSize = out.count - cdOffset;
        if (members >= 0xFFFF || cdOffset >= MAX32 || cdSize >= MAX32) {
            long z64End = out.count;
            ByteBuffer e = le(56);
            e.putInt(0x06064b50).putLong(44).putShort((short) (UNIX << 8 | VERSION_45)).putShort((short) VERSION_45)
                    .putInt(0).putInt(0).putLong(members).putLong(members).putLong(cdSize).putLong(cdOffset);
            out.write(e.array());
            ByteBuffer l = le(20);
            l.putInt(0x07064b50).putInt(0).putLong(z64End).putInt(1);
            out.write(l.array());
        }
        ByteBuffer e = le(22);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) Math.min(members, 0xFFFF)).putShort((short) Math.min(members, 0xFFFF))
                .putInt((int) Math.min(cdSize, MAX32)).putInt((int) Math.min(cdOffset, MAX32)).putShort((short) 0);
        out.write(e.array());
        out.flush();
    }

    /** Counts the bytes written, for offsets. */
    private static final class Counting extends OutputStream {
        private final OutputStream out;
        long count;

        Counting(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    /** Raw deflate into the archive, without closing it. */
    private static final class DeflatingStream extends OutputStream {
        private final OutputStream out;
        private final Deflater deflater;
        private final byte[] buf = new byte[64 * 1024];

        DeflatingStream(OutputStream out, Deflater deflater) {
            this.out = out;
            this.deflater = deflater;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            deflater.setInput(b, off, len);
            while (!deflater.needsInput()) drain();
        }

        void finish() throws IOException {
            deflater.finish();
            while (!deflater.finished()) drain();
        }

        private void drain() throws IOException {
            int k = deflater.deflate(buf);
            if (k > 0) out.write(buf, 0, k);
        }
    }
}
