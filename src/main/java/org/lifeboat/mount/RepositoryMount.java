package org.lifeboat.mount;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * The repository mounted read-only with FUSE (libfuse 3 through cryptomator's jfuse, which calls it
 * with the JDK's foreign-function API), laid out as restic's {@code mount} lays it out
 * ({@link SnapshotDirs}). {@link #mount} returns once the kernel serves the folder; {@link #close}
 * unmounts. Someone else's {@code umount} ends it too: {@link #mounted()} turns false.
 */
public final class RepositoryMount implements AutoCloseable {
    /** Where Debian and others put libfuse 3's shared library (the runtime package has no unversioned libfuse3.so). */
    private static final List<String> LIBRARY_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");

    /**
     * How to mount.
     *
     * @param templates     restic's path templates ({@link SnapshotDirs#DEFAULT_TEMPLATES} when empty)
     * @param timeTemplate  Go layout of the times in names ({@link GoTimeLayout#RFC3339} by default)
     * @param ownerRoot     show every file and folder as owned by root (uid and gid 0)
     * @param allowOther    let other users in (FUSE's allow_other; needs user_allow_other in /etc/fuse.conf unless root)
     * @param noDefaultPermissions with allowOther: do not let the kernel check the stored permissions
     * @param blobCacheBytes bytes of decoded file content kept ({@link BlobCache#DEFAULT_BUDGET} by default)
     */
    public record Options(List<String> templates, String timeTemplate, boolean ownerRoot, boolean allowOther,
                          boolean noDefaultPermissions, long blobCacheBytes) {
        /** restic's defaults. */
        public static Options defaults() {
            return new Options(SnapshotDirs.DEFAULT_TEMPLATES, GoTimeLayout.RFC3339, false, false, false,
                    BlobCache.DEFAULT_BUDGET);
        }
    }

    /** FUSE cannot be used on this machine, or the mountpoint cannot take the mount; the message is one sentence. */
    public static final class MountException extends IOException {
        public MountException(String message) {
            super(message);
        }
    }

    private final Fuse fuse;
    private final Path mountpoint;
    private final FileChannel lock;
    private boolean closed;

    private RepositoryMount(Fuse fuse, Path mountpoint, FileChannel lock) {
        this.fuse = fuse;
        this.mountpoint = mountpoint;
        this.lock = lock;
    }

    /**
     * What stops FUSE from being used here, as one sentence, or null when nothing does: no
     * {@code /dev/fuse}, no libfuse 3, or (not root) no {@code fusermount3}.
     */
    public static String unavailable() {
        return unavailable(Path.of("/dev/fuse"), library(LIBRARY_DIRS), isRoot(), System.getenv("PATH"));
    }

    /** {@link #unavailable()} for a given device path, library (null: none found), user and PATH. */
    static String unavailable(Path devFuse, String library, boolean root, String pathEnv) {
        if (!Files.exists(devFuse)) {
            return "FUSE cannot be used on this machine: " + devFuse
                    + " does not exist (load the fuse kernel module, or give the container the device)";
        }
        if (library == null) {
            return "FUSE cannot be used on this machine: libfuse 3 is not installed (e.g. apt-get install fuse3)";
        }
        if (!root && !onPath("fusermount3", pathEnv)) {
            return "FUSE cannot be used on this machine: fusermount3 is not installed (e.g. apt-get install fuse3)";
        }
        return null;
    }

    /**
     * Why {@code mountpoint} cannot take the mount, as one sentence, or null: it must be an existing,
     * empty folder that is not inside a local repository {@code repoFolder} (null when not local),
     * nor hold it (the mount would read its own files through itself and hang).
     */
    public static String mountpointProblem(Path mountpoint, Path repoFolder) {
        if (mountpoint.toString().isEmpty()) return "no mountpoint given (name an empty folder)";
        if (!Files.exists(mountpoint, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(mountpoint)) {
            // a FUSE mount whose process ended (kill -9) answers every stat with ENOTCONN: it looks absent
            if (mounted(mountpoint)) {
                return "mountpoint " + mountpoint + " is a stale mount whose file system process has ended"
                        + " (Transport endpoint is not connected): unmount it first with 'umount -l " + mountpoint
                        + "' or 'fusermount3 -u " + mountpoint + "'";
            }
            return "mountpoint " + mountpoint + " does not exist";
        }
        if (!Files.isDirectory(mountpoint)) return "mountpoint " + mountpoint + " is not a folder";
        if (mounted(mountpoint)) {
            return "mountpoint " + mountpoint + " is already a mount point (another mount serves it): unmount it first"
                    + " or choose an empty folder";
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(mountpoint)) {
            if (ds.iterator().hasNext()) return "mountpoint " + mountpoint + " is not empty (mount onto an empty folder)";
        } catch (IOException e) {
            return "mountpoint " + mountpoint + " cannot be read: " + e.getMessage();
        }
        if (repoFolder != null) {
            try {
                Path m = mountpoint.toRealPath();
                Path r = repoFolder.toRealPath();
                if (m.startsWith(r) || r.startsWith(m)) {
                    return "mountpoint " + mountpoint + " overlaps the repository " + repoFolder + " (use a folder outside it)";
                }
            } catch (IOException ignored) {
                // a repository folder that cannot be resolved was already refused when it was opened
            }
        }
        return null;
    }

    /** Whether /proc/mounts lists {@code mountpoint} (made absolute, not resolved: a stale mount cannot be). */
    static boolean mounted(Path mountpoint) {
        String abs = mountpoint.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                // /proc/mounts escapes space, tab, newline and backslash as octal
                if (f.length > 1 && f[1].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
                        .replace("\\134", "\\").equals(abs)) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /**
     * Mounts {@code repo} (its index loaded) at {@code mountpoint}, showing {@code snapshots}.
     * Returns when the kernel serves the folder.
     *
     * @param warn gets one sentence per damaged thing met while serving (hidden entries, unreadable blobs)
     * @throws MountException when FUSE cannot be used here, the mountpoint is unfit or the mount fails
     */
    public static RepositoryMount mount(Repository repo, List<Snapshot> snapshots, Path mountpoint, Options o,
                                        Path repoFolder, Consumer<String> warn) throws MountException {
        String why = unavailable();
        if (why != null) throw new MountException(why);
        // Two mounts started in the same instant would both find the folder empty and stack: the
        // folder is claimed first, and checked (again) only while the claim is held.
        FileChannel lock = claim(mountpoint);
        try {
            why = mountpointProblem(mountpoint, repoFolder);
            if (why != null) throw new MountException(why);
            return mountClaimed(repo, snapshots, mountpoint, o, warn, lock);
        } catch (MountException | RuntimeException | Error e) {
            release(lock);
            throw e;
        }
    }

    private static RepositoryMount mountClaimed(Repository repo, List<Snapshot> snapshots, Path mountpoint, Options o,
                                                Consumer<String> warn, FileChannel lock) throws MountException {
        List<String> templates = o.templates() == null || o.templates().isEmpty() ? SnapshotDirs.DEFAULT_TEMPLATES : o.templates();
        SnapshotDirs dirs = new SnapshotDirs(snapshots, templates, o.timeTemplate());
        FuseBuilder builder = Fuse.builder();
        builder.setLibraryPath(library(LIBRARY_DIRS));
        int[] ids = ids();
        RepositoryFs fs = new RepositoryFs(repo, builder.errno(), dirs, new RepositoryFs.Options(o.ownerRoot(), ids[0], ids[1]),
                o.blobCacheBytes(), warn);
        Fuse fuse;
        try {
            fuse = builder.build(fs);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new MountException("FUSE cannot be used on this machine: libfuse 3 cannot be loaded (" + e.getMessage() + ")");
        }
        List<String> opts = new ArrayList<>(List.of("ro", "nosuid", "nodev",
                "fsname=lifeboat:" + repo.config().id().substring(0, Math.min(10, repo.config().id().length())),
                "subtype=lifeboat"));
        if (o.allowOther()) {
            opts.add("allow_other");
            // the kernel checks the stored permissions unless told not to, as restic
            if (!o.noDefaultPermissions()) opts.add("default_permissions");
        }
        Path mp = mountpoint.toAbsolutePath().normalize();
        try {
            fuse.mount("lifeboat", mp, "-o" + String.join(",", opts));
        } catch (FuseMountFailedException | IllegalArgumentException | IllegalStateException e) {
            closeQuietly(fuse);
            // jfuse forgets a mount whose loop failed to start: the kernel's mount must not stay behind
            if (isMounted(mp)) detach(mp);
            throw new MountException("cannot mount the repository at " + mountpoint + ": " + e.getMessage());
        }
        return new RepositoryMount(fuse, mp, lock);
    }

    /**
     * Takes the exclusive claim on {@code mountpoint}: an flock on a file in the temporary folder
     * named after this user and the folder's real path (not in the folder itself, which the mount
     * covers), held until {@link #close}; the kernel drops it if the process dies. Null when no
     * such file can be made (then only the mount table guards against a second mount).
     *
     * @throws MountException when another Lifeboat mount holds the claim
     */
    static FileChannel claim(Path mountpoint) throws MountException {
        Path file = claimFile(mountpoint);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // this JVM holds it already
        } catch (IOException e) {
            release(ch);
            return null;
        }
        if (l == null) {
            release(ch);
            throw new MountException("mountpoint " + mountpoint + " is being mounted or served by another lifeboat mount"
                    + " (it holds " + file + "): end that one first or choose another folder");
        }
        return ch;
    }

    /** The claim file of a mountpoint: the tmp folder, this uid, a hash of the real (else absolute) path. */
    static Path claimFile(Path mountpoint) {
        String where;
        try {
            where = mountpoint.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            where = mountpoint.toAbsolutePath().normalize().toString(); // missing or stale: refused later anyway
        }
        String hash;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(where.getBytes(StandardCharsets.UTF_8));
            hash = HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "lifeboat-mount-" + ids()[0] + "-" + hash + ".lock");
    }

    /** Closing the channel drops the flock; the file stays (deleting it would let two claims hold two files). */
    private static void release(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a lock file: nothing to do
        }
    }

    /** The mounted folder. */
    public Path mountpoint() {
        return mountpoint;
    }

    /** True while the kernel lists the mount (false after close or after someone else's umount). */
    public boolean mounted() {
        return isMounted(mountpoint);
    }

    /** True when /proc/self/mountinfo lists a mount at {@code mp} (an absolute path). */
    public static boolean isMounted(Path mp) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(mp.toString())) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Unmounts (FUSE's unmount, as {@code umount}) and frees the FUSE session. Idempotent.
     *
     * @throws MountException when the mount is still in use and stays (a shell inside it); the message says so
     */
    @Override
    public synchronized void close() throws MountException {
        if (closed) return;
        closed = true;
        try {
            try {
                fuse.close();
            } catch (TimeoutException e) {
                throw new MountException("the FUSE loop of " + mountpoint + " did not stop within 10 s");
            }
            if (isMounted(mountpoint)) {
                // still there (busy, or the loop had ended): detach it, so it goes as soon as nothing uses it
                detach(mountpoint);
                if (isMounted(mountpoint)) throw new MountException("cannot unmount " + mountpoint + " (umount -l failed)");
            }
        } finally {
            release(lock);
        }
    }

    /** Lazy unmount ({@code fusermount3 -u -z}, else {@code umount -l}); failures show in the mount table. */
    private static void detach(Path mp) {
        for (List<String> cmd : List.of(List.of("fusermount3", "-u", "-z", mp.toString()), List.of("umount", "-l", mp.toString()))) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor() == 0) return;
            } catch (IOException e) {
                // not installed: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Fuse fuse) {
        try {
            fuse.close();
        } catch (TimeoutException | RuntimeException ignored) {
            // the mount failed; nothing is served
        }
    }

    /** Octal escapes of /proc/self/mountinfo (\040 for a space). */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException ignored) {
                    // not an escape
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** libfuse 3's shared library in one of {@code dirs}, or null. */
    static String library(List<String> dirs) {
        for (String d : dirs) {
            for (String n : new String[] {"libfuse3.so.3", "libfuse3.so"}) {
                Path p = Path.of(d, n);
                if (Files.isReadable(p)) return p.toString();
            }
        }
        return null;
    }

    private static boolean onPath(String exe, String path) {
        if (path == null) return false;
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) return true;
        }
        return false;
    }

    private static boolean isRoot() {
        return ids()[0] == 0;
    }

    /** This process's uid and gid (owner of /proc/self), shown for the layout's folders. */
    private static int[] ids() {
        try {
            Path self = Path.of("/proc/self");
            return new int[] {(Integer) Files.getAttribute(self, "unix:uid"), (Integer) Files.getAttribute(self, "unix:gid")};
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return new int[] {0, 0};
        }
    }
}
