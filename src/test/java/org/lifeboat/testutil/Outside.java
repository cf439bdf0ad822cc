package org.lifeboat.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A folder beside a restore target that a hostile snapshot tries to reach (through a symlink in
 * the snapshot or in the target): a victim file {@code x} (content, mode 0640, owner 1234:1234
 * when root, old times) and a folder {@code d} with {@code x}. {@link #fingerprint()} records
 * every entry below it, without following links: path, type, mode, owner, size, link count,
 * times and content hash, so "unchanged" means nothing was written, chmod/chown/utimes'd,
 * created or removed there.
 */
public final class Outside {
    private final Path dir;

    private Outside(Path dir) {
        this.dir = dir;
    }

    public static Outside create(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("d"));
        for (Path f : new Path[] {dir.resolve("x"), dir.resolve("d/x"), dir.resolve("h2")}) {
            Files.writeString(f, "precious " + f.getFileName() + "\n");
            Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            if (isRoot()) {
                Files.setAttribute(f, "unix:uid", 1234, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(f, "unix:gid", 1234, LinkOption.NOFOLLOW_LINKS);
            }
            Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
        }
        return new Outside(dir);
    }

    public Path path() {
        return dir;
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public Map<String, String> fingerprint() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                String sum = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? TestTrees.sha256(p) : "";
                out.put(dir.relativize(p).toString(), Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid")
                        + ":" + a.get("gid") + " " + a.get("size") + " n" + a.get("nlink") + " "
                        + a.get("lastModifiedTime") + " c" + a.get("ctime") + " " + sum);
            }
        }
        return out;
    }
}
