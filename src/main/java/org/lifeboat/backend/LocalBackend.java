package org.lifeboat.backend;

import java.io.InputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.concurrent.ThreadLocalRandom;

/** A repository in a local folder, laid out as restic's local backend does. */
public final class LocalBackend implements Backend {
    private final Path root;
    private final int connections;

    /** A local folder with restic's default of 2 connections. */
    public LocalBackend(Path root) {
        this(root, 2);
    }

    /**
     * @param root        the repository folder (made absolute)
     * @param connections requests in flight at once (restic's {@code -o local.connections}), at least 1
     */
    public LocalBackend(Path root, int connections) {
        if (connections < 1) throw new IllegalArgumentException("local.connections must be at least 1, not " + connections);
        this.root = root.toAbsolutePath().normalize();
        this.connections = connections;
    }

    public Path root() {
        return root;
    }

    @Override
    public String location() {
        return root.toString();
    }

    /**
     * The failure for a file that is not there, naming the real file (data/ab/abcd…, with its
     * subfolder) and why: the message is "PATH: no such file or directory".
     */
    private NoSuchFileException missing(Handle h) {
        return new StorageError.NotFound(path(h).toString());
    }

    Path path(Handle h) {
        return switch (h.type()) {
            case CONFIG -> root.resolve("config");
            case DATA -> root.resolve("data").resolve(h.name().substring(0, 2)).resolve(h.name());
            default -> root.resolve(h.type().folder()).resolve(h.name());
        };
    }

    /**
     * A file where the repository folder (or one of the folders above it) would be: said as such,
     * not as the "already exists" that creating the folders would report.
     *
     * @throws NotAFolderException naming that file, its reason saying it is a file, not a folder
     */
    private static void refuseFileInTheWay(Path root) throws NotAFolderException {
        Path abs = root.toAbsolutePath();
        for (Path p = abs; p != null; p = p.getParent()) {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) continue;
            if (Files.isDirectory(p)) return;
            Path shown = p.equals(abs) ? root : p;
            throw new NotAFolderException(shown.toString(), p.equals(abs)
                    ? "it is a file, not a repository folder"
                    : "it is a file, not a folder, so the repository folder " + root + " cannot be made in it");
        }
    }

    @Override
    public void create() throws IOException {
        if (Files.exists(root.resolve("config"))) {
            throw new StorageError.AlreadyExists(root + "/config", "a repository already exists here");
        }
        refuseFileInTheWay(root);
        Files.createDirectories(root);
        for (FileType t : FileType.values()) {
            if (t != FileType.CONFIG) Files.createDirectories(root.resolve(t.folder()));
        }
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < 256; i++) {
            Files.createDirectories(root.resolve("data").resolve(hex.toHexDigits((byte) i)));
        }
        fsyncDir(root);
    }

    @Override
    public boolean exists(Handle h) {
        return Files.exists(path(h));
    }

    @Override
    public boolean containerExists() {
        return Files.exists(root);
    }

    @Override
    public int connections() {
        return connections;
    }

    /**
     * {@inheritDoc} A lock is read with lstat and refused (an IOException naming its kind) when it
     * is not a regular file; other files are followed as the file system does.
     */
    @Override
    public FileStat stat(Handle h) throws IOException {
        BasicFileAttributes a;
        if (h.type() == FileType.LOCK) {
            a = lockFile(h);
        } else {
            try {
                a = Files.readAttributes(path(h), BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                throw missing(h);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new StorageError.Denied(path(h).toString(), "permission denied");
            }
            // a folder's size (4096) is no file's size: said as what it is
            notAFile(h, a);
        }
        return new FileStat(a.size(), a.lastModifiedTime().toInstant(), null);
    }

    /**
     * Open read channels of recently read packs. Restores and checks read many small ranges of the
     * same packs; packs never change, so a channel stays valid until the file is removed.
     */
    private final java.util.Map<String, FileChannel> readers = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_READERS = 32;

    @Override
    public void load(Handle h, long offset, int length, Reader consumer) throws IOException {
        Backend.checkRange(offset, length);
        if (h.type() != FileType.DATA) {
            FileChannel ch = open(h);
            try (ch) {
                loadFrom(ch, h, offset, length, consumer);
            }
            return;
        }
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = reader(h);
            try {
                loadFrom(ch, h, offset, length, consumer);
                return;
            } catch (java.nio.channels.ClosedChannelException e) {
                // Evicted by another thread meanwhile: open it again (the consumer starts afresh,
                // as it must on any retry). An interrupt is not such a case.
                readers.remove(h.name(), ch);
                if (attempt > 2 || Thread.currentThread().isInterrupted()) throw e;
            }
        }
    }

    private FileChannel open(Handle h) throws IOException {
        try {
            if (h.type() == FileType.LOCK) {
                lockFile(h);
                // NOFOLLOW: a link put there after the check is still not followed.
                return FileChannel.open(path(h), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            // A folder opens for reading too, and then seems a 4 KiB file "too short" for every blob;
            // a FIFO's open blocks until a writer comes, which may be never.
            notAFile(h, Files.readAttributes(path(h), BasicFileAttributes.class));
            return FileChannel.open(path(h), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw missing(h);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new StorageError.Denied(path(h).toString(), "permission denied");
        }
    }

    private void loadFrom(FileChannel ch, Handle h, long offset, int length, Reader consumer) throws IOException {
        long size = ch.size();
        long end = length == 0 ? size : offset + length;
        if (offset > size || end > size) {
            throw new StorageError.BadRange(path(h) + ": file ends before offset " + end + " (it has " + size + " bytes)");
        }
        try (InputStream in = new ChannelRange(ch, h, offset, end)) {
            consumer.read(in);
        }
    }

    /** Positioned reads of one channel from {@code pos} to {@code end}; never closes the channel (it may be shared). */
    private final class ChannelRange extends RangeStream {
        private final FileChannel ch;
        private final Handle h;

        ChannelRange(FileChannel ch, Handle h, long pos, long end) {
            super(pos, end);
            this.ch = ch;
            this.h = h;
        }

        @Override
        int readAt(byte[] b, int off, int want) throws IOException {
            return ch.read(ByteBuffer.wrap(b, off, Math.min(want, IO_CHUNK)), pos);
        }

        @Override
        String shown() {
            return path(h).toString();
        }
    }

    /** Faster than the default for an unwrapped local backend: checks the size before reading. */
    @Override
    public int loadInto(Handle h, byte[] buf) throws IOException {
        if (h.type() == FileType.LOCK) return Backend.super.loadInto(h, buf);
        try (FileChannel ch = open(h)) {
            long size = ch.size();
            if (size > buf.length) return (int) -Math.min(size, Integer.MAX_VALUE);
            int at = 0;
            while (at < size) {
                int n = ch.read(ByteBuffer.wrap(buf, at, (int) Math.min(IO_CHUNK, size - at)));
                if (n < 0) break;
                at += n;
            }
            return at;
        }
    }

    private FileChannel reader(Handle h) throws IOException {
        FileChannel ch = readers.get(h.name());
        if (ch != null) return ch;
        ch = open(h);
        if (readers.size() >= MAX_READERS) {
            for (String k : readers.keySet()) {
                FileChannel old = readers.remove(k);
                if (old != null) old.close();
                if (readers.size() < MAX_READERS / 2) break;
            }
        }
        FileChannel prev = readers.putIfAbsent(h.name(), ch);
        if (prev != null) {
            ch.close();
            return prev;
        }
        return ch;
    }

    @Override
    public void close() throws IOException {
        for (String k : readers.keySet()) {
            FileChannel ch = readers.remove(k);
            if (ch != null) ch.close();
        }
    }

    /**
     * {@inheritDoc} A local folder cannot keep a COMPLIANCE retention (its owner can always remove
     * a file), so that is refused with {@link StorageError.Denied} rather than promised falsely;
     * GOVERNANCE retention, which a privileged user may bypass anyway, is accepted and not kept.
     */
    @Override
    public void save(Handle h, byte[] data, int offset, int length, PutOptions options) throws IOException {
        if (options.retention() == PutOptions.Retention.COMPLIANCE) {
            throw new StorageError.Denied(path(h).toString(), "a local folder cannot keep a file under COMPLIANCE retention");
        }
        // Inside the write gate: an interrupted process writes nothing after it removed its lock.
        WriteStop.enter();
        try {
            saveFile(h, data, offset, length);
        } finally {
            WriteStop.leave();
        }
    }

    /**
     * Reads and writes go in pieces of at most this many bytes (so that an interrupt or a cancel
     * also stops a large pack between them). The JDK copies a heap array through a temporary
     * direct buffer of the request's size and keeps only those up to jdk.nio.maxCachedBufferSize
     * (the launcher sets 256 KiB): a 32 MiB range read in one call cost a 32 MiB malloc each time,
     * which glibc's growing mmap threshold then kept resident (restore: ~80 MB of RSS).
     */
    static final int IO_CHUNK = 256 * 1024;

    private void saveFile(Handle h, byte[] data, int offset, int length) throws IOException {
        Path target = path(h);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw exists(target);
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) Files.createDirectories(dir);
        // Write under a temporary name, fsync, then link: a crash never leaves a torn file under a
        // real name. The temporary name is not a 64-hex ID, so restic ignores leftovers.
        Path tmp = dir.resolve(".tmp-" + h.name() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int at = offset, end = offset + length; at < end; ) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new java.io.InterruptedIOException("interrupted while writing " + target);
                }
                ByteBuffer buf = ByteBuffer.wrap(data, at, Math.min(IO_CHUNK, end - at));
                while (buf.hasRemaining()) at += ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
            try {
                // A hard link fails atomically when the name is taken: of two writers of one name,
                // exactly one wins and the other is told, never a silent overwrite.
                Files.createLink(target, tmp);
            } catch (FileAlreadyExistsException e) {
                throw exists(target);
            } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                // No hard links on this file system: rename (the check above narrows the race).
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw exists(target);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDir(dir);
    }

    private static StorageError.AlreadyExists exists(Path target) {
        return new StorageError.AlreadyExists(target.toString(), "the file already exists; repository files are written once");
    }

    @Override
    public void remove(Handle h) throws IOException {
        FileChannel ch = readers.remove(h.name());
        if (ch != null) ch.close();
        try {
            Files.deleteIfExists(path(h));
        } catch (java.nio.file.AccessDeniedException e) {
            throw new StorageError.Denied(path(h).toString(), "permission denied");
        }
    }

    /**
     * {@inheritDoc} A missing folder lists nothing (as restic); a folder that is a file, a broken
     * link or cannot be read is an IOException naming it: a damaged layout must never read as
     * "no snapshots" or "no errors". An entry of locks/ that is not a regular file (a folder, a
     * symbolic link, a FIFO, a device, a socket) is listed with size -1 and never followed or
     * opened: a lock must be reported as damaged, naming it, by {@link #size}/{@link #load}, not
     * read as an empty lock (a link to /dev/zero) or block the reader (a FIFO).
     */
    @Override
    public void list(FileType type, Consumer<FileInfo> out) throws IOException {
        if (type == FileType.CONFIG) {
            Path c = root.resolve("config");
            if (Files.exists(c)) out.accept(new FileInfo("", Files.size(c)));
            return;
        }
        Path dir = root.resolve(type.folder());
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        if (type == FileType.DATA) {
            try (DirectoryStream<Path> subs = openFolder(dir)) {
                for (Path sub : subs) {
                    // Only the 256 two-hex sub-folders hold packs; anything else is not restic's and ignored.
                    if (sub.getFileName().toString().matches("[0-9a-f]{2}")) listInto(sub, type, out);
                }
            }
        } else {
            listInto(dir, type, out);
        }
    }

    private DirectoryStream<Path> openFolder(Path dir) throws IOException {
        String name = root.relativize(dir) + "/";
        if (!Files.isDirectory(dir)) {
            throw new IOException("the repository's " + name + " folder (" + dir + ") is "
                    + (Files.isSymbolicLink(dir) ? "a link that does not lead to a folder" : "not a folder")
                    + "; the repository layout is damaged");
        }
        try {
            return Files.newDirectoryStream(dir);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot read the repository's " + name + " folder (" + dir + "): permission denied", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("cannot read the repository's " + name + " folder (" + dir + "): "
                    + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()), e);
        }
    }

    private void listInto(Path dir, FileType type, Consumer<FileInfo> out) throws IOException {
        try (DirectoryStream<Path> files = openFolder(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!isId(name)) continue;
                try {
                    if (type == FileType.LOCK) {
                        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        out.accept(new FileInfo(name, a.isRegularFile() ? a.size() : -1, a.isRegularFile(), null));
                        continue;
                    }
                    if (type == FileType.DATA) {
                        // A pack is read from data/<its first two hex digits>/: one found elsewhere, or
                        // a folder with a pack's name, is listed as such, never as a pack to read.
                        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                        String folder = dir.getFileName().toString();
                        String foundAt = name.startsWith(folder) ? null : "data/" + folder + "/" + name;
                        out.accept(new FileInfo(name, a.isRegularFile() ? a.size() : -1, a.isRegularFile(), foundAt));
                        continue;
                    }
                    out.accept(new FileInfo(name, Files.size(f)));
                } catch (NoSuchFileException e) {
                    // removed concurrently (e.g. a lock released): not listed
                }
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw new IOException("cannot read the repository's " + root.relativize(dir) + "/ folder (" + dir + "): "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The attributes of a lock file, read without following a link (lstat).
     *
     * @throws NoSuchFileException if it is gone
     * @throws IOException naming its kind if it is not a regular file: it is never followed or opened
     */
    private BasicFileAttributes lockFile(Handle h) throws IOException {
        Path p = path(h);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw missing(h);
        }
        if (a.isRegularFile()) return a;
        String kind;
        if (a.isDirectory()) {
            kind = "a folder";
        } else if (a.isSymbolicLink()) {
            String to;
            try {
                to = " to " + Files.readSymbolicLink(p);
            } catch (IOException e) {
                to = "";
            }
            kind = "a symbolic link" + to;
        } else {
            kind = special(p);
        }
        throw new StorageError.NotAFile("it is " + kind + ", not a file");
    }

    /** Throws NotAFile naming what {@code h} is when its (followed) attributes are not a regular file's. */
    private void notAFile(Handle h, BasicFileAttributes a) throws StorageError.NotAFile {
        if (a.isRegularFile()) return;
        throw new StorageError.NotAFile(path(h) + " is " + (a.isDirectory() ? "a folder" : special(path(h))) + ", not a file");
    }

    /** "a FIFO", "a socket", "a device" or "a special file", from lstat's mode. */
    private static String special(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int fmt = ((Integer) mode) & 0170000;
            return switch (fmt) {
                case 0010000 -> "a FIFO";
                case 0140000 -> "a socket";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    static boolean isId(String s) {
        return Backend.isId(s);
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open or sync directories; the data itself is synced.
        }
    }
}
