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
        List<String> warnings = new ArrayList<>();
        String path = f.path();
        try {
            f.chown((int) node.uid(), (int) node.gid());
        } catch (AccessDeniedException e) {
            if (asRoot) warnings.add(chownWarning(path, node, e));
        } catch (IOException e) {
            warnings.add(chownWarning(path, node, e));
        }
        for (Xattr x : node.extendedAttributes()) {
            try {
                f.setXattr(x.name(), x.value() == null ? new byte[0] : x.value());
            } catch (IOException | IllegalArgumentException e) {
                warnings.add("setxattr " + x.name() + " on " + path + ": " + reason(e));
            }
        }
        try {
            f.chmod(GoFileMode.toPosixPermissions(node.mode()));
        } catch (IOException e) {
            warnings.add("chmod " + path + ": " + reason(e));
        }
        if (complete && (node.atime() != null || node.mtime() != null)) {
            try {
                f.setTimes(sec(node.atime()), nsec(node.atime()), sec(node.mtime()), nsec(node.mtime()));
            } catch (IOException e) {
                warnings.add("set times of " + path + ": " + reason(e));
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
        try {
            dir.chown(name, (int) node.uid(), (int) node.gid());
        } catch (AccessDeniedException e) {
            if (asRoot) warnings.add(chownWarning(path, node, e));
        } catch (IOException e) {
            warnings.add(chownWarning(path, node, e));
        }
        for (Xattr x : node.extendedAttributes()) {
            try {
                dir.setXattr(name, x.name(), x.value() == null ? new byte[0] : x.value());
            } catch (IOException | IllegalArgumentException e) {
                warnings.add("setxattr " + x.name() + " on " + path + ": " + reason(e));
            }
        }
        if (!symlink) {
            try {
                dir.chmod(name, GoFileMode.toPosixPermissions(node.mode()));
            } catch (IOException e) {
                warnings.add("chmod " + path + ": " + reason(e));
            }
        }
        OffsetDateTime atime = node.atime();
        OffsetDateTime mtime = node.mtime();
        if (atime != null || mtime != null) {
            try {
                dir.setTimes(name, sec(atime), nsec(atime), sec(mtime), nsec(mtime));
            } catch (IOException e) {
                warnings.add("set times of " + path + ": " + reason(e));
            }
        }
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
