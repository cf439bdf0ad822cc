package org.lifeboat.restore;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawFile;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

/**
 * Puts a node's metadata back on a restored file, directory, symlink, device or fifo, without
 * ever following a symlink: through the open descriptor of what was written (fchown, fsetxattr,
 * fchmod, futimens), or, for entries that cannot be opened (symlinks, devices, fifos), by name
 * inside an open folder with the *at calls and {@code AT_SYMLINK_NOFOLLOW}.
 *
 * <p>Order matters: ownership first, because chown(2) clears setuid/setgid and drops the
 * security.capability attribute; then extended attributes (restoring file capabilities, and
 * while the file is still writable for a non-root owner); then the mode, re-applying
 * setuid/setgid/sticky; times last, since every earlier step may touch the inode. restic 0.14
 * does chown, chmod, times, xattrs, which keeps capabilities but can fail to set user xattrs
 * on read-only files when not root; the outcome is otherwise the same.
 *
 * <p>Ownership is numeric (the node's uid/gid), as restic 0.14 restores it; the stored user
 * and group names are not consulted. Like restic (and cp -a, rsync -a) a permission error from
 * lchown is only reported when restoring as root. Symlinks get no chmod (Linux has no lchmod)
 * but do get their own times and owner.
 */
public final class MetadataRestorer {
    private MetadataRestorer() {}

    /**
     * Applies the metadata to the file or folder open as {@code f} and returns one warning per
     * step that failed; the other steps still run.
     *
     * @param asRoot   whether lchown permission errors count (true when running as root)
     * @param complete false for a file whose content could not be fully restored: its times are
     *                 then left as they are (the mtime of the write), so that it never looks like
     *                 the snapshot's file to a size-and-mtime comparison and a later
     *                 {@code --overwrite if-changed} restore rewrites it
     */
    static List<String> apply(RawFile f, Node node, boolean asRoot, boolean complete) {
        return applyTo(new Entry() {
            @Override
            public void chown(int uid, int gid) throws IOException {
                f.chown(uid, gid);
            }

            @Override
            public void setXattr(String attr, byte[] value) throws IOException {
                f.setXattr(attr, value);
            }

            @Override
            public void chmod(int mode) throws IOException {
                f.chmod(mode);
            }

            @Override
            public void setTimes(long aSec, int aNsec, long mSec, int mNsec) throws IOException {
                f.setTimes(aSec, aNsec, mSec, mNsec);
            }
        }, f.path(), node, asRoot, true, complete);
    }

    /** The four metadata calls, on an open file or on an entry of an open folder. */
    private interface Entry {
        void chown(int uid, int gid) throws IOException;

        void setXattr(String attr, byte[] value) throws IOException;

        void chmod(int mode) throws IOException;

        void setTimes(long aSec, int aNsec, long mSec, int mNsec) throws IOException;
    }

    /** Owner, xattrs, mode (unless {@code chmod} is false: a symlink), times (if {@code times}), in that order. */
    private static List<String> applyTo(Entry e, String path, Node node, boolean asRoot, boolean chmod, boolean times) {
        List<String> warnings = new ArrayList<>();
        try {
            e.chown((int) node.uid(), (int) node.gid());
        } catch (AccessDeniedException x) {
            if (asRoot) warnings.add(chownWarning(path, node, x));
        } catch (IOException x) {
            warnings.add(chownWarning(path, node, x));
        }
        for (Xattr x : node.extendedAttributes()) {
            try {
                e.setXattr(x.name(), x.value() == null ? new byte[0] : x.value());
            } catch (IOException | IllegalArgumentException ex) {
                warnings.add("setxattr " + x.name() + " on " + path + ": " + reason(ex));
            }
        }
        if (chmod) {
            try {
                e.chmod(GoFileMode.toPosixPermissions(node.mode()));
            } catch (IOException x) {
                warnings.add("chmod " + path + ": " + reason(x));
            }
        }
        OffsetDateTime atime = node.atime();
        OffsetDateTime mtime = node.mtime();
        if (times && (atime != null || mtime != null)) {
            try {
                e.setTimes(sec(atime), nsec(atime), sec(mtime), nsec(mtime));
            } catch (IOException x) {
                warnings.add("set times of " + path + ": " + reason(x));
            }
        }
        return warnings;
    }

    /**
     * Applies the metadata to the entry {@code name} of the open folder {@code dir} without
     * following it if it is a symlink (fchownat, utimensat with AT_SYMLINK_NOFOLLOW; xattrs through
     * the folder's descriptor; no chmod on a symlink). Returns one warning per failed step.
     *
     * @throws NoSuchFileException if there is no such entry
     */
    static List<String> applyAt(Dir dir, String name, Node node, boolean asRoot) throws NoSuchFileException {
        List<String> warnings = new ArrayList<>();
        String path = dir.display(name);
        FileMeta actual;
        try {
            actual = dir.stat(name);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            warnings.add("lstat " + path + ": " + reason(e));
            return warnings;
        }
        boolean symlink = node.type() == NodeType.SYMLINK || actual.kind() == FileKind.SYMLINK;
        warnings.addAll(applyTo(new Entry() {
            @Override
            public void chown(int uid, int gid) throws IOException {
                dir.chown(name, uid, gid);
            }

            @Override
            public void setXattr(String attr, byte[] value) throws IOException {
                dir.setXattr(name, attr, value);
            }

            @Override
            public void chmod(int mode) throws IOException {
                dir.chmod(name, mode);
            }

            @Override
            public void setTimes(long aSec, int aNsec, long mSec, int mNsec) throws IOException {
                dir.setTimes(name, aSec, aNsec, mSec, mNsec);
            }
        }, path, node, asRoot, !symlink, true));
        return warnings;
    }

    /**
     * As {@link #applyAt} for a path the caller chose (not used below a restore target, where
     * every entry is reached by descriptor): its folder is opened by path, the entry itself is
     * never followed.
     *
     * @param names reserved for restoring ownership by name; restic 0.14 semantics are numeric
     * @throws NoSuchFileException if the path does not exist
     */
    public static List<String> apply(Path path, Node node, boolean asRoot, UserGroupNames names)
            throws NoSuchFileException {
        Path abs = path.toAbsolutePath();
        try (Dir d = Dir.open(abs.getParent())) {
            return applyAt(d, abs.getFileName().toString(), node, asRoot);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            return List.of("open " + abs.getParent() + ": " + reason(e));
        }
    }

    /**
     * How an existing entry's metadata differs from the snapshot's node, one phrase per difference
     * (empty when none): the permission bits (not for symlinks), the owner (only when
     * {@code asRoot}, the only case restore sets it) and each of the node's extended attributes
     * (missing or with another value; attributes the snapshot does not name are not compared).
     * Times are not compared. Shared by {@code --overwrite if-changed} and {@code --verify}.
     *
     * @param actual the entry's stat
     * @param xattrs the entry's own extended attributes
     */
    static List<String> differences(FileMeta actual, List<Xattr> xattrs, Node node, boolean asRoot) {
        List<String> out = new ArrayList<>();
        if (node.type() != NodeType.SYMLINK && actual.kind() != FileKind.SYMLINK) {
            int want = GoFileMode.toPosixPermissions(node.mode());
            if (actual.permissions() != want) {
                out.add(String.format(java.util.Locale.ROOT, "mode %04o, the snapshot %04o", actual.permissions(), want));
            }
        }
        if (asRoot && (actual.uid() != node.uid() || actual.gid() != node.gid())) {
            out.add("owner " + actual.uid() + ":" + actual.gid() + ", the snapshot " + node.uid() + ":" + node.gid());
        }
        for (Xattr x : node.extendedAttributes()) {
            byte[] want = x.value() == null ? new byte[0] : x.value();
            boolean same = false;
            for (Xattr have : xattrs) {
                if (have.name().equals(x.name())) same = java.util.Arrays.equals(have.value() == null ? new byte[0] : have.value(), want);
            }
            if (!same) out.add("extended attribute " + x.name() + " missing or different");
        }
        return out;
    }

    private static long sec(OffsetDateTime t) {
        return t == null ? 0 : t.toEpochSecond();
    }

    private static int nsec(OffsetDateTime t) {
        return t == null ? Posix.UTIME_OMIT : t.getNano();
    }

    private static String chownWarning(String path, Node node, Exception e) {
        return "lchown " + path + " to " + node.uid() + ":" + node.gid() + ": " + reason(e);
    }

    private static String reason(Exception e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
    }
}
