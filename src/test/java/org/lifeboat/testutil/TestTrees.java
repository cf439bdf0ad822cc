package org.lifeboat.testutil;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Builds test trees with every file type, and describes trees for comparison. */
public final class TestTrees {
    private TestTrees() {}

    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    public static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Regular, empty, sparse and multi-chunk files; a symlink; hard links; a FIFO; a character device
     * (as root); user xattrs; odd names; a deep tree. Times are set to fixed values in the past with
     * nanoseconds, atime after mtime so that reading does not change it.
     */
    public static void everyKind(Path root) throws IOException {
        Files.createDirectories(root);
        Path docs = Files.createDirectories(root.resolve("docs"));
        Files.writeString(docs.resolve("hello.txt"), "hello, world\n");
        Files.write(docs.resolve("empty"), new byte[0]);
        Files.write(root.resolve("big.bin"), random(1, 5 * 1024 * 1024 + 12345));
        Files.writeString(root.resolve("with space.txt"), "spaces\n");
        Files.writeString(root.resolve("ünïcödé – ✓.txt"), "unicode\n");
        Files.writeString(root.resolve("new\nline"), "newline in name\n");
        Files.writeString(root.resolve("<odd&name>"), "json escapes\n");
        Path script = root.resolve("run.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        // Sparse: 3 MiB hole, then data.
        try (FileChannel ch = FileChannel.open(root.resolve("sparse.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("tail".getBytes(StandardCharsets.US_ASCII)), 3L * 1024 * 1024);
        }
        Files.createSymbolicLink(root.resolve("link-to-hello"), Path.of("docs/hello.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("/nonexistent/target"));
        Files.writeString(root.resolve("hard-a"), "linked content\n");
        Files.createLink(root.resolve("hard-b"), root.resolve("hard-a"));
        Files.createLink(docs.resolve("hard-c"), root.resolve("hard-a"));
        exec("mkfifo", root.resolve("fifo").toString());
        if (isRoot()) exec("mknod", root.resolve("null-dev").toString(), "c", "1", "3");
        UserDefinedFileAttributeView x = Files.getFileAttributeView(docs.resolve("hello.txt"), UserDefinedFileAttributeView.class);
        x.write("lifeboat.note", ByteBuffer.wrap("kept".getBytes(StandardCharsets.UTF_8)));
        x.write("lifeboat.bin", ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 255}));
        Path deep = root;
        for (int i = 0; i < 25; i++) deep = deep.resolve("d" + i);
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("bottom.txt"), "deep\n");
        Files.createDirectories(root.resolve("empty-dir"));
        setTimes(root);
    }

    /** Sets every entry's mtime to a fixed past time and atime an hour later (deepest first). */
    public static void setTimes(Path root) throws IOException {
        Instant base = Instant.parse("2025-06-01T10:00:00.123456789Z");
        List<Path> all = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                all.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                all.add(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        int i = 0;
        for (Path p : all) {
            Instant m = base.plusSeconds(i++).plusNanos(i * 7L);
            // atime ahead of ctime, so relatime never updates it when the file is read.
            Instant a = Instant.now().plusSeconds(1800);
            // utimensat without opening the file: opening a FIFO would block.
            org.lifeboat.fs.Posix.setTimes(p, a.getEpochSecond(), a.getNano(), m.getEpochSecond(), m.getNano(), true);
        }
    }

    public static void exec(String... cmd) {
        Proc.run(List.of(cmd), Map.of(), null, null, 60).ok();
    }

    /**
     * A description of every entry below root: type, permissions, size, content hash, link target,
     * mtime (ns), user xattrs, and hard-link group. Equal descriptions mean equal trees.
     */
    public static Map<String, String> describe(Path root, boolean withTimes) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Object, String> inodes = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) out.put(rel(dir), entry(dir, withTimes, inodes));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(rel(file), entry(file, withTimes, inodes));
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                return root.relativize(p).toString();
            }
        });
        return out;
    }

    private static String entry(Path p, boolean withTimes, Map<Object, String> inodes) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("mode=%o", mode));
        sb.append(" uid=").append(a.get("uid")).append(" gid=").append(a.get("gid"));
        if (Files.isSymbolicLink(p)) {
            sb.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            sb.append(" size=").append(Files.size(p)).append(" sha256=").append(sha256(p));
            if ((Integer) a.get("nlink") > 1) {
                Object key = a.get("ino");
                String first = inodes.putIfAbsent(key, p.getFileName().toString());
                sb.append(" hardlink-group=").append(first == null ? p.getFileName() : first);
            }
            sb.append(" xattrs=").append(xattrs(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            sb.append(" dir");
        } else {
            sb.append(" rdev=").append(a.get("rdev"));
        }
        if (withTimes && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            FileTime m = (FileTime) a.get("lastModifiedTime");
            sb.append(" mtime=").append(m.toInstant());
        }
        return sb.toString();
    }

    static String xattrs(Path p) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        Map<String, String> m = new TreeMap<>();
        for (String name : v.list()) {
            ByteBuffer b = ByteBuffer.allocate(v.size(name));
            v.read(name, b);
            m.put(name, HexFormat.of().formatHex(b.array()));
        }
        return m.toString();
    }

    public static String sha256(Path p) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
