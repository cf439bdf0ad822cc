package org.lifeboat.server.rest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.lifeboat.backend.FileInfo;
import org.lifeboat.backend.FileType;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.backend.StorageError;

/**
 * The repositories' files under the served root, laid out as restic's local backend (so a
 * repository served here is also a valid {@code local:} repository). Every path is checked to
 * stay under the root after symbolic links are resolved: nothing is read or written outside it.
 */
final class RepoFiles {
    /** Thrown for a path that would leave the root (a link out of it); answered with 400. */
    static final class OutsideRoot extends IOException {
        private static final long serialVersionUID = 1L;

        OutsideRoot(String message) {
            super(message);
        }
    }

    /** A write that would pass the quota; answered with 507. */
    static final class QuotaExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        QuotaExceeded(String message) {
            super(message);
        }
    }

    /** A body whose SHA-256 is not its name; answered with 400. */
    static final class HashMismatch extends IOException {
        private static final long serialVersionUID = 1L;

        HashMismatch(String message) {
            super(message);
        }
    }

    private static final int CHUNK = 256 * 1024;

    private final Path root;
    private final Quota quota;

    /** @param root an existing folder (its real path is used) */
    RepoFiles(Path root, Quota quota) throws IOException {
        this.root = root.toRealPath();
        this.quota = quota;
    }

    Path root() {
        return root;
    }

    /** The repository folder for already validated path segments (none: the root itself). */
    Path repo(List<String> segments) {
        Path p = root;
        for (String s : segments) p = p.resolve(s);
        return p;
    }

    /** Where a file of a repository lives; {@code name} is "" for the config. */
    static Path file(Path repo, FileType type, String name) {
        return switch (type) {
            case CONFIG -> repo.resolve("config");
            case DATA -> repo.resolve("data").resolve(name.substring(0, 2)).resolve(name);
            default -> repo.resolve(type.folder()).resolve(name);
        };
    }

    /**
     * Refuses {@code p} when it, or the nearest of its parents that exists, resolves (links
     * followed) to a place outside the root.
     *
     * @throws OutsideRoot naming the request's path relative to the root
     */
    void confine(Path p) throws IOException {
        for (Path q = p; q != null; q = q.getParent()) {
            if (!Files.exists(q, LinkOption.NOFOLLOW_LINKS)) continue;
            Path real;
            try {
                real = q.toRealPath();
            } catch (NoSuchFileException e) {
                // a dangling link: it leads nowhere we allow
                throw new OutsideRoot(root.relativize(p) + " passes through a broken link");
            }
            if (!real.startsWith(root)) throw new OutsideRoot(root.relativize(p) + " leads outside the served folder");
            return;
        }
        throw new OutsideRoot(p + " is outside the served folder");
    }

    /** Makes the repository layout (folders); an existing repository is left as it is. */
    void create(Path repo) throws IOException {
        confine(repo);
        try {
            new LocalBackend(repo).create();
        } catch (StorageError.AlreadyExists e) {
            // rest-server answers 200 to a create of an existing repository: restic checks the config itself
        }
    }

    /** The files of a type in a repository (names and sizes); a missing repository is a NotFound. */
    List<FileInfo> list(Path repo, FileType type) throws IOException {
        confine(repo);
        if (!Files.isDirectory(repo)) throw new NoSuchFileException(repo.toString());
        List<FileInfo> out = new ArrayList<>();
        try (LocalBackend b = new LocalBackend(repo)) {
            b.list(type, out::add);
        }
        return out;
    }

    /** Size in bytes of a regular file. @throws NoSuchFileException when missing or not a regular file */
    long size(Path file) throws IOException {
        confine(file);
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) throw new NoSuchFileException(file.toString());
        return a.size();
    }

    /** Opens a regular file for reading. @throws NoSuchFileException when missing */
    FileChannel open(Path file) throws IOException {
        size(file);
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * Removes a file and gives back its bytes to the quota.
     *
     * @throws NoSuchFileException when missing
     */
    void remove(Path file) throws IOException {
        long n = size(file);
        Files.delete(file);
        quota.release(n);
    }

    /**
     * Stores {@code body} under {@code file}: streamed to a temporary file in the same folder
     * (bounded memory), checked against {@code expectedSha256} (hex, or null for none) and the
     * quota, fsynced, then hard-linked to the final name, which fails when the name is taken:
     * never a torn or overwritten file.
     *
     * @param declaredLength the request's Content-Length, or -1 when unknown (checked against the quota first)
     * @return the number of bytes stored
     * @throws FileAlreadyExistsException when the name is taken
     * @throws QuotaExceeded when the quota would be passed (nothing is kept)
     * @throws HashMismatch when the body's SHA-256 is not {@code expectedSha256} (nothing is kept)
     */
    long save(Path file, InputStream body, long declaredLength, String expectedSha256) throws IOException {
        confine(file);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(file.toString());
        if (declaredLength > 0 && !quota.fits(declaredLength)) throw new QuotaExceeded("the upload would pass the quota");
        Path dir = file.getParent();
        Files.createDirectories(dir);
        confine(dir);
        MessageDigest sha = expectedSha256 == null ? null : sha256();
        Path tmp = dir.resolve(".tmp-" + file.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        long written = 0;
        boolean kept = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[CHUNK];
                for (int n; (n = body.read(buf)) >= 0; ) {
                    if (n == 0) continue;
                    if (!quota.reserve(n)) throw new QuotaExceeded("the upload would pass the quota");
                    written += n;
                    if (sha != null) sha.update(buf, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) ch.write(bb);
                }
                if (sha != null && !HexFormat.of().formatHex(sha.digest()).equals(expectedSha256)) {
                    throw new HashMismatch("the body's SHA-256 is not its name " + expectedSha256);
                }
                ch.force(true);
            }
            Files.createLink(file, tmp);
            kept = true;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return written;
        } finally {
            Files.deleteIfExists(tmp);
            if (!kept) quota.release(written);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes of the regular files under {@code root} (links not followed): the quota's start. */
    static long usage(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.mapToLong(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isRegularFile() ? a.size() : 0;
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    /** The --max-size quota over the whole root: bytes reserved as they are written. */
    static final class Quota {
        private final long max;
        private final java.util.concurrent.atomic.AtomicLong used;

        /** @param max bytes allowed in all, 0 for no quota; @param used bytes already stored */
        Quota(long max, long used) {
            this.max = max;
            this.used = new java.util.concurrent.atomic.AtomicLong(used);
        }

        boolean fits(long n) {
            return max <= 0 || used.get() + n <= max;
        }

        /** Reserves {@code n} bytes; false (nothing reserved) when that would pass the quota. */
        boolean reserve(long n) {
            if (max <= 0) {
                used.addAndGet(n);
                return true;
            }
            while (true) {
                long u = used.get();
                if (u + n > max) return false;
                if (used.compareAndSet(u, u + n)) return true;
            }
        }

        void release(long n) {
            used.addAndGet(-n);
        }
    }
}
