package org.lifeboat.repository.tree;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;

/**
 * Builds nodes from lstat data the way restic 0.14's backup does (NodeFromFileInfo plus the
 * archiver's defaults), so that our trees for unchanged files have restic's bytes:
 * <ul>
 *   <li>mode: Go's FileMode of st_mode; type from its type bits (an unknown S_IFMT is a "file").</li>
 *   <li>mtime, atime, ctime: time.Unix in the local zone (Go's Local; the JVM default zone,
 *       which follows TZ like Go does), years clamped to 0..9999 (FixTime).</li>
 *   <li>atime: the backup replaces it with mtime unless --with-atime is given.</li>
 *   <li>uid, gid, user, group (names null when unknown), inode and device_id for every type.</li>
 *   <li>size for regular files only; links for files, symlinks and block/char devices
 *       (not dirs, fifos, sockets); device (st_rdev) for block/char devices only.</li>
 *   <li>extended attributes in the order given (the kernel's listing order).</li>
 *   <li>content: an empty list for regular files (restic stores {@code []} for an empty file),
 *       null otherwise; the backup engine sets the chunk IDs or the subtree.</li>
 * </ul>
 * restic 0.14's backup skips sockets altogether; that choice is the caller's.
 */
public final class Nodes {
    private Nodes() {}

    private static final ZoneId LOCAL = ZoneId.systemDefault(); // Go also reads Local once

    /**
     * The node restic 0.14's backup writes by default (atime = mtime), in the JVM's default
     * zone. A symlink's target is not known from lstat: set it with {@link Node#withLinkTarget}
     * or use the other overload.
     */
    public static Node fromFileMeta(String name, FileMeta meta, UserGroupNames names, List<Xattr> xattrs) {
        return fromFileMeta(name, meta, null, names, xattrs, false, LOCAL);
    }

    /**
     * The node with every choice explicit: the symlink target (from readlink, ignored for other
     * types), whether the real atime is kept (restic's --with-atime), and the zone whose offsets
     * the times carry.
     */
    public static Node fromFileMeta(String name, FileMeta meta, String linkTarget, UserGroupNames names,
                                    List<Xattr> xattrs, boolean withAtime, ZoneId zone) {
        long mode = GoFileMode.fromPosix(meta.mode());
        NodeType type = GoFileMode.nodeType(mode);
        OffsetDateTime mtime = GoTime.unix(meta.mtimeSec(), meta.mtimeNsec(), zone);
        Node.Builder b = Node.builder(name, type)
                .mode(mode)
                .mtime(mtime)
                .atime(withAtime ? GoTime.unix(meta.atimeSec(), meta.atimeNsec(), zone) : mtime)
                .ctime(GoTime.unix(meta.ctimeSec(), meta.ctimeNsec(), zone))
                .uid(meta.uid())
                .gid(meta.gid())
                .user(names.userName(meta.uid()))
                .group(names.groupName(meta.gid()))
                .inode(meta.inode())
                .deviceId(meta.dev())
                .extendedAttributes(xattrs);
        switch (type) {
            case FILE -> b.size(meta.size()).links(meta.nlink()).content(List.of());
            case SYMLINK -> b.links(meta.nlink()).linkTarget(linkTarget);
            case DEV, CHARDEV -> b.links(meta.nlink()).device(meta.rdev());
            default -> { } // dir, fifo, socket: neither size nor links
        }
        return b.build();
    }

    /** A time as Go's time.Unix(sec, nsec) in the zone, after restic's FixTime. */
    public static OffsetDateTime goLocalTime(long sec, int nsec, ZoneId zone) {
        return GoTime.unix(sec, nsec, zone);
    }
}
