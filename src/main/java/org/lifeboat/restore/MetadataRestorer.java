package org.lifeboat.restore;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.tree.GoFileMode;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;

/**
 * Puts a node's metadata back on a restored file, directory, symlink, device or fifo.
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
 * lchown is only reported when restoring as root. Symlinks get no chmod (it would follow the
 * link) but do get their own times and owner.
 */
public final class MetadataRestorer {
    private MetadataRestorer() {}

    /**
     * Applies the metadata and returns one warning per step that failed; the other steps still
     * run. Only a missing path is an exception.
     *
     * @param asRoot whether lchown permission errors count (true when running as root)
     * @param names  reserved for restoring ownership by name; restic 0.14 semantics are numeric
     */
    public static List<String> apply(Path path, Node node, boolean asRoot, UserGroupNames names)
            throws NoSuchFileException {
        List<String> warnings = new ArrayList<>();
        FileMeta actual;
        try {
            actual = Posix.lstat(path);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            warnings.add("lstat " + path + ": " + reason(e));
            return warnings;
        }
        boolean symlink = node.type() == NodeType.SYMLINK || actual.kind() == FileKind.SYMLINK;

        try {
            Posix.lchown(path, (int) node.uid(), (int) node.gid());
        } catch (AccessDeniedException e) {
            if (asRoot) warnings.add("lchown " + path + " to " + node.uid() + ":" + node.gid() + ": " + reason(e));
        } catch (IOException e) {
            warnings.add("lchown " + path + " to " + node.uid() + ":" + node.gid() + ": " + reason(e));
        }

        for (Xattr x : node.extendedAttributes()) {
            try {
                Posix.setXattr(path, x.name(), x.value() == null ? new byte[0] : x.value());
            } catch (IOException | IllegalArgumentException e) {
                warnings.add("setxattr " + x.name() + " on " + path + ": " + reason(e));
            }
        }

        if (!symlink) {
            try {
                Posix.chmod(path, GoFileMode.toPosixPermissions(node.mode()));
            } catch (IOException e) {
                warnings.add("chmod " + path + ": " + reason(e));
            }
        }

        OffsetDateTime atime = node.atime();
        OffsetDateTime mtime = node.mtime();
        if (atime != null || mtime != null) {
            try {
                Posix.setTimes(path,
                        atime == null ? 0 : atime.toEpochSecond(), atime == null ? Posix.UTIME_OMIT : atime.getNano(),
                        mtime == null ? 0 : mtime.toEpochSecond(), mtime == null ? Posix.UTIME_OMIT : mtime.getNano(),
                        true);
            } catch (IOException e) {
                warnings.add("set times of " + path + ": " + reason(e));
            }
        }
        return warnings;
    }

    private static String reason(Exception e) {
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
    }
}
