package org.lifeboat.repository.tree;

import org.lifeboat.fs.FileKind;

/**
 * Go's os.FileMode, which restic stores as the node "mode": the nine permission bits, with file
 * type and special bits moved to the top of the 32-bit word. Conversion follows what Go 1.19's
 * os.Lstat does on Linux and what os.Chmod does in reverse.
 */
public final class GoFileMode {
    private GoFileMode() {}

    public static final long MODE_DIR = 1L << 31;
    public static final long MODE_APPEND = 1L << 30;
    public static final long MODE_EXCLUSIVE = 1L << 29;
    public static final long MODE_TEMPORARY = 1L << 28;
    public static final long MODE_SYMLINK = 1L << 27;
    public static final long MODE_DEVICE = 1L << 26;
    public static final long MODE_NAMED_PIPE = 1L << 25;
    public static final long MODE_SOCKET = 1L << 24;
    public static final long MODE_SETUID = 1L << 23;
    public static final long MODE_SETGID = 1L << 22;
    public static final long MODE_CHAR_DEVICE = 1L << 21;
    public static final long MODE_STICKY = 1L << 20;
    public static final long MODE_IRREGULAR = 1L << 19;
    public static final long MODE_PERM = 0777;
    /** All type bits (Go's ModeType). */
    public static final long MODE_TYPE = MODE_DIR | MODE_SYMLINK | MODE_NAMED_PIPE | MODE_SOCKET | MODE_DEVICE
            | MODE_CHAR_DEVICE | MODE_IRREGULAR;

    private static final int S_ISUID = 04000, S_ISGID = 02000, S_ISVTX = 01000;

    /**
     * Go's FileMode for a POSIX st_mode. An unknown S_IFMT value gets no type bit, exactly as in
     * Go 1.19 on Linux (restic then calls the node a "file").
     */
    public static long fromPosix(int stMode) {
        long m = stMode & 0777;
        switch (stMode & FileKind.S_IFMT) {
            case FileKind.S_IFBLK -> m |= MODE_DEVICE;
            case FileKind.S_IFCHR -> m |= MODE_DEVICE | MODE_CHAR_DEVICE;
            case FileKind.S_IFDIR -> m |= MODE_DIR;
            case FileKind.S_IFIFO -> m |= MODE_NAMED_PIPE;
            case FileKind.S_IFLNK -> m |= MODE_SYMLINK;
            case FileKind.S_IFSOCK -> m |= MODE_SOCKET;
            default -> { } // S_IFREG and unknown types
        }
        if ((stMode & S_ISGID) != 0) m |= MODE_SETGID;
        if ((stMode & S_ISUID) != 0) m |= MODE_SETUID;
        if ((stMode & S_ISVTX) != 0) m |= MODE_STICKY;
        return m;
    }

    /** The chmod(2) argument for a FileMode: permissions plus setuid, setgid and sticky, as Go's os.Chmod. */
    public static int toPosixPermissions(long goMode) {
        int m = (int) (goMode & MODE_PERM);
        if ((goMode & MODE_SETUID) != 0) m |= S_ISUID;
        if ((goMode & MODE_SETGID) != 0) m |= S_ISGID;
        if ((goMode & MODE_STICKY) != 0) m |= S_ISVTX;
        return m;
    }

    /** The S_IFMT bits for a FileMode's type (S_IFREG when no type bit is set; 0 for irregular). */
    public static int toPosixType(long goMode) {
        if ((goMode & MODE_DIR) != 0) return FileKind.S_IFDIR;
        if ((goMode & MODE_SYMLINK) != 0) return FileKind.S_IFLNK;
        if ((goMode & MODE_DEVICE) != 0) {
            return (goMode & MODE_CHAR_DEVICE) != 0 ? FileKind.S_IFCHR : FileKind.S_IFBLK;
        }
        if ((goMode & MODE_NAMED_PIPE) != 0) return FileKind.S_IFIFO;
        if ((goMode & MODE_SOCKET) != 0) return FileKind.S_IFSOCK;
        if ((goMode & MODE_IRREGULAR) != 0) return 0;
        return FileKind.S_IFREG;
    }

    /** The full st_mode (type and permission bits) for a FileMode. */
    public static int toPosix(long goMode) {
        return toPosixType(goMode) | toPosixPermissions(goMode);
    }

    /** The node type restic derives from a FileMode's type bits (null for combinations it rejects). */
    public static NodeType nodeType(long goMode) {
        long t = goMode & MODE_TYPE;
        if (t == 0) return NodeType.FILE;
        if (t == MODE_DIR) return NodeType.DIR;
        if (t == MODE_SYMLINK) return NodeType.SYMLINK;
        if (t == (MODE_DEVICE | MODE_CHAR_DEVICE)) return NodeType.CHARDEV;
        if (t == MODE_DEVICE) return NodeType.DEV;
        if (t == MODE_NAMED_PIPE) return NodeType.FIFO;
        if (t == MODE_SOCKET) return NodeType.SOCKET;
        if (t == MODE_IRREGULAR) return NodeType.IRREGULAR;
        return null;
    }

    /** Go's FileMode.String(), e.g. "drwxr-xr-x" or "ugrwxr-xr-x", as restic's ls prints it. */
    public static String format(long goMode) {
        final String letters = "dalTLDpSugct?";
        StringBuilder sb = new StringBuilder(12);
        for (int i = 0; i < letters.length(); i++) {
            if ((goMode & (1L << (31 - i))) != 0) sb.append(letters.charAt(i));
        }
        if (sb.isEmpty()) sb.append('-');
        final String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((goMode & (1L << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }
}
