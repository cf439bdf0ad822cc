package org.lifeboat.restore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.TreeMap;
import org.lifeboat.fs.RawNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

/**
 * A minimal POSIX (pax) tar writer for {@code dump}: long or non-ASCII names and large sizes via
 * pax headers, names as raw bytes, and never a member name that is absolute or climbs out.
 * Extended attributes become {@code SCHILY.xattr.NAME} pax records (Linux POSIX ACLs
 * {@code SCHILY.acl.access}/{@code .default} in their text form), as restic and GNU tar write them;
 * device nodes carry their major and minor numbers; owner names go in uname/gname.
 */
public final class TarWriter implements ArchiveWriter {
    public interface Content {
        void write(OutputStream out) throws IOException;
    }

    /** What {@link #entry} did. */
    public enum Outcome {
        WRITTEN,
        /** nothing written: the name or link target cannot be a safe member */
        UNSAFE_NAME,
        /** written with the declared size, but the content had another length */
        SIZE_DIFFERS
    }

    private final OutputStream out;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /**
     * The member name for a path inside the dump, or null when it cannot be one safely: leading
     * slashes and {@code .} components are dropped (members are always relative, as GNU tar and
     * later restic write them), and a path with a {@code ..} component or a NUL byte is refused,
     * so that extracting the archive can never write outside the folder it is extracted into.
     */
    public static String memberName(String path) {
        if (path.indexOf('\0') >= 0) return null;
        StringBuilder sb = new StringBuilder(path.length());
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) return null;
            if (!sb.isEmpty()) sb.append('/');
            sb.append(part);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /**
     * Writes one member. {@code name} and the node's link target are in {@link RawNames} form
     * and are written byte for byte (a pax path record when they are not ASCII or longer than
     * the ustar field, as Go's archive/tar and so restic do; GNU tar extracts those bytes).
     *
     * A member with content always holds exactly {@code size} bytes (bytes), whatever the content
     * gives, so that the archive stays valid.
     *
     * @return {@link Outcome#UNSAFE_NAME}, writing nothing, when the name is not a safe member
     *         name (see {@link #memberName}) or the link target holds a NUL byte;
     *         {@link Outcome#SIZE_DIFFERS} when the content was longer (cut) or shorter (padded
     *         with zeros) than {@code size}
     * @throws IOException if writing or reading the content fails
     */
    @Override
    public Outcome entry(String name, Node n, long size, Content content) throws IOException {
        String member = memberName(name);
        if (member == null) return Outcome.UNSAFE_NAME;
        if (n.linkTarget() != null && n.linkTarget().indexOf('\0') >= 0) return Outcome.UNSAFE_NAME;
        char type = switch (n.type()) {
            case DIR -> '5';
            case SYMLINK -> '2';
            case FIFO -> '6';
            case CHARDEV -> '3';
            case DEV -> '4';
            default -> '0';
        };
        byte[] entryName = RawNames.encode(n.type() == NodeType.DIR ? member + "/" : member);
        byte[] link = n.linkTarget() == null ? new byte[0] : RawNames.encode(n.linkTarget());
        ByteArrayOutputStream pax = new ByteArrayOutputStream();
        if (entryName.length > 100 || !ascii(entryName)) record(pax, "path", entryName);
        if (link.length > 100 || !ascii(link)) record(pax, "linkpath", link);
        if (size > 077777777777L) record(pax, "size", ascii(Long.toString(size)));
        if (n.mtime() != null) {
            record(pax, "mtime", ascii(n.mtime().toEpochSecond() + "." + String.format("%09d", n.mtime().getNano())));
        }
        byte[] uname = n.user() == null ? new byte[0] : RawNames.encode(n.user());
        byte[] gname = n.group() == null ? new byte[0] : RawNames.encode(n.group());
        if (uname.length > 32 || !ascii(uname)) record(pax, "uname", uname);
        if (gname.length > 32 || !ascii(gname)) record(pax, "gname", gname);
        xattrs(pax, n.extendedAttributes());
        if (pax.size() > 0) {
            byte[] body = pax.toByteArray();
            header(ascii("PaxHeader"), 'x', body.length, 0644, 0, 0, 0, new byte[0], new byte[0], new byte[0], -1, -1);
            out.write(body);
            pad(body.length);
        }
        long mtime = n.mtime() == null ? 0 : n.mtime().toEpochSecond();
        boolean dev = type == '3' || type == '4';
        header(entryName, type, type == '0' ? size : 0, (int) (GoFileMode.toPosix(n.mode()) & 07777), n.uid(), n.gid(),
                mtime, link, uname, gname, dev ? major(n.device()) : -1, dev ? minor(n.device()) : -1);
        if (content == null) return Outcome.WRITTEN;
        // The header promised `size` bytes: more content is cut, less is padded with zeros, so
        // the archive stays readable; the caller is told, as the file is not what was saved.
        long[] seen = {0};
        content.write(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (seen[0] < size) out.write(b);
                seen[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                long room = Math.max(0, size - seen[0]);
                if (room > 0) out.write(b, off, (int) Math.min(room, len));
                seen[0] += len;
            }
        });
        for (long missing = size - seen[0]; missing > 0; ) {
            int chunk = (int) Math.min(missing, ZEROS.length);
            out.write(ZEROS, 0, chunk);
            missing -= chunk;
        }
        pad(size);
        return seen[0] == size ? Outcome.WRITTEN : Outcome.SIZE_DIFFERS;
    }

    private static final byte[] ZEROS = new byte[64 * 1024];

    private static boolean ascii(byte[] b) {
        for (byte x : b) if (x < 0) return false;
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A pax record "LEN key=value\n", LEN counting the whole record in bytes (itself included). */
    private static void record(ByteArrayOutputStream pax, String key, byte[] value) {
        int len = 1 + key.length() + 1 + value.length + 1; // " key=value\n"
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
        pax.writeBytes(ascii(total + " " + key + "="));
        pax.writeBytes(value);
        pax.write('\n');
    }

    /** Linux's major number of a device number (glibc's gnu_dev_major: 12 bits low, the rest from bit 32). */
    public static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    /** Linux's minor number of a device number (glibc's gnu_dev_minor). */
    public static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    /**
     * One pax record per extended attribute, sorted by key as Go's archive/tar writes them. A name
     * holding '=' or NUL cannot be a pax key and is left out (Go's writer refuses it too).
     */
    private static void xattrs(ByteArrayOutputStream pax, List<Xattr> xattrs) {
        if (xattrs == null) return;
        TreeMap<String, byte[]> records = new TreeMap<>();
        for (Xattr x : xattrs) {
            if (x.name().indexOf('=') >= 0 || x.name().indexOf('\0') >= 0) continue;
            byte[] value = x.value() == null ? new byte[0] : x.value();
            String acl = switch (x.name()) {
                case "system.posix_acl_access" -> "SCHILY.acl.access";
                case "system.posix_acl_default" -> "SCHILY.acl.default";
                default -> null;
            };
            if (acl != null) {
                String text = aclText(value);
                if (text != null) records.put(acl, text.getBytes(StandardCharsets.US_ASCII));
                continue;
            }
            records.put("SCHILY.xattr." + x.name(), value);
        }
        records.forEach((k, v) -> record(pax, k, v));
    }

    /**
     * A Linux POSIX ACL (xattr format version 2: 8-byte entries of tag, permissions and id, little
     * endian) in the text form GNU tar and restic put in SCHILY.acl.*: one "user::rwx" or
     * "group:100:r-x" per line; null when the value is not such an ACL (then left out).
     */
    public static String aclText(byte[] v) {
        if (v.length < 4 || (v.length - 4) % 8 != 0) return null;
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 2) return null;
        StringBuilder sb = new StringBuilder();
        while (b.remaining() >= 8) {
            int tag = b.getShort() & 0xffff;
            int perm = b.getShort() & 0xffff;
            long id = b.getInt() & 0xffffffffL;
            sb.append(switch (tag) {
                case 0x01 -> "user:";
                case 0x02 -> "user:" + id;
                case 0x04 -> "group:";
                case 0x08 -> "group:" + id;
                case 0x10 -> "mask:";
                case 0x20 -> "other:";
                default -> "?";
            });
            if (tag != 0x01 && tag != 0x02 && tag != 0x04 && tag != 0x08 && tag != 0x10 && tag != 0x20) return null;
            sb.append(':').append((perm & 4) != 0 ? 'r' : '-').append((perm & 2) != 0 ? 'w' : '-')
                    .append((perm & 1) != 0 ? 'x' : '-').append('\n');
        }
        return sb.toString();
    }

    private void header(byte[] name, char type, long size, int mode, long uid, long gid, long mtime, byte[] link,
                        byte[] uname, byte[] gname, long devMajor, long devMinor) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, Math.min(size, 077777777777L));
        octal(h, 136, 12, mtime);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar".getBytes(StandardCharsets.US_ASCII));
        h[263] = '0';
        h[264] = '0';
        if (uname.length <= 32 && ascii(uname)) put(h, 265, 32, uname);
        if (gname.length <= 32 && ascii(gname)) put(h, 297, 32, gname);
        if (devMajor >= 0) {
            octal(h, 329, 8, Math.min(devMajor, 07777777L));
            octal(h, 337, 8, Math.min(devMinor, 07777777L));
        }
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        out.write(h);
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
