package org.lifeboat.cli;

import org.lifeboat.restore.TarWriter;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;

/**
 * {@code dump} of a folder: as tar, members keep extended attributes and device numbers (checked
 * with GNU tar, against restic's archive of the same snapshot); as zip ({@code -a zip}), the
 * archive restic writes (checked with unzip/zipinfo and python's zipfile).
 */
class DumpArchiveTest {
    @TempDir
    Path dir;

    Path src;
    Cli cli;
    Path repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = dir.resolve("repo");
        cli = Failures.init(repo, Cli.passwordFile(dir));
        src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("notes.txt"), "hello xattr\n");
        run("setfattr", "-n", "user.colour", "-v", "blue", src.resolve("notes.txt").toString());
        run("setfattr", "-n", "user.bin", "-v", "0x00ff0a3d", src.resolve("notes.txt").toString());
        run("mknod", src.resolve("tty").toString(), "c", "4", "5");
        run("mknod", src.resolve("disk").toString(), "b", "259", "70000"); // minor above 255: the split encoding
        Files.createDirectories(src.resolve("sub"));
        Files.write(src.resolve("sub/data.bin"), "zip me ".repeat(5000).getBytes(StandardCharsets.US_ASCII));
        Files.setPosixFilePermissions(src.resolve("sub/data.bin"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(src.resolve("sub/link"), Path.of("../notes.txt"));
        Files.setLastModifiedTime(src.resolve("sub"), FileTime.from(Instant.parse("2021-06-07T08:09:10Z")));
        cli.run("backup", src.toString()).ok();
    }

    private static String run(String... cmd) throws Exception {
        return run(null, cmd);
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (cwd != null) pb.directory(cwd.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(cmd), out).isZero();
        return out;
    }

    /** Lifeboat's dump as a separate process, its standard output into {@code to}. */
    private Path dump(Path to, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("-r", repo.toString(), "--password-file",
                dir.resolve("password").toString(), "dump"));
        a.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(Cli.command(a.toArray(String[]::new)))
                .redirectOutput(to.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        Process p = pb.start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dump %s", List.of(args)).isZero();
        return to;
    }

    @Test
    void tarMembersKeepExtendedAttributesAndDeviceNumbers() throws Exception {
        Path ours = dump(dir.resolve("ours.tar"), "latest", src.toString());
        String listing = run("tar", "--xattrs", "--xattrs-include=*", "-tvf", ours.toString());
        assertThat(listing).containsPattern("crw-r--r-- +root/root +4,5 .* src/tty");
        assertThat(listing).containsPattern("brw-r--r-- +root/root +259,70000 .* src/disk");

        Path x = Files.createDirectories(dir.resolve("x"));
        run(x, "tar", "--xattrs", "--xattrs-include=*", "-xf", ours.toString());
        String attrs = run("getfattr", "-d", "-e", "hex", x.resolve("src/notes.txt").toString());
        assertThat(attrs).contains("user.colour=0x626c7565").contains("user.bin=0x00ff0a3d");
        assertThat(Files.readString(x.resolve("src/notes.txt"))).isEqualTo("hello xattr\n");
        assertThat(Files.getAttribute(x.resolve("src/tty"), "unix:rdev")).isEqualTo(0x405L);

        // restic's archive of the same snapshot carries the same extended attributes
        Path theirs = resticDump(dir.resolve("theirs.tar"), "latest", src.toString());
        Path y = Files.createDirectories(dir.resolve("y"));
        run(y, "tar", "--xattrs", "--xattrs-include=*", "-xf", theirs.toString());
        // restic names members by their full path in the snapshot, Lifeboat from the dumped folder
        Path theirNotes = y.resolve(src.toString().substring(1) + "/notes.txt");
        assertThat(xattrLines(run("getfattr", "-d", "-e", "hex", theirNotes.toString()))).isEqualTo(xattrLines(attrs))
                .hasSize(2);
    }

    @Test
    void zipIsWhatResticWrites() throws Exception {
        Path ours = dump(dir.resolve("ours.zip"), "-a", "zip", "latest", src.toString());
        Path theirs = resticDump(dir.resolve("theirs.zip"), "-a", "zip", "latest", src.toString());
        run("python3", "-m", "zipfile", "-t", ours.toString());
        run("unzip", "-tq", ours.toString());

        // zipinfo's short listing: mode and type, made-by Unix, size, time and name of each member;
        // restic 0.14 stores files, later restic (and Lifeboat) deflate them: "defN" for "stor".
        List<String> mine = members(run("zipinfo", ours.toString()));
        List<String> restics = members(run("zipinfo", theirs.toString()));
        assertThat(mine).contains("drwxr-xr-x 2.0 unx 0 bx stor 21-Jun-07 08:09 src/sub/");
        assertThat(mine).anyMatch(l -> l.startsWith("-rwxr-x--- 2.0 unx 35000 bX defN ") && l.endsWith(" src/sub/data.bin"));
        assertThat(mine).anyMatch(l -> l.startsWith("lrwxrwxrwx 2.0 unx 12 bX stor ") && l.endsWith(" src/sub/link"));
        // restic names members by their full path in the snapshot and has none for the dumped folder
        // itself; Lifeboat names them from the dumped folder, as its tar does.
        String parent = src.getParent().toString().substring(1) + "/";
        assertThat(mine.stream().map(l -> l.replace(" defN ", " stor ")).filter(l -> !l.endsWith(" src/")).toList())
                .isEqualTo(restics.stream().map(l -> l.replace(" " + parent, " ")).toList());

        Path x = Files.createDirectories(dir.resolve("x"));
        run(x, "unzip", "-q", ours.toString());
        assertThat(Files.readString(x.resolve("src/sub/data.bin"))).isEqualTo("zip me ".repeat(5000));
        assertThat(Files.readSymbolicLink(x.resolve("src/sub/link"))).isEqualTo(Path.of("../notes.txt"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(x.resolve("src/sub/data.bin"))))
                .isEqualTo("rwxr-x---");
    }

    @Test
    void posixAclsBecomeTheTextGnuTarReads() {
        // version 2, then (tag, perm, id) little endian: user::rwx, user:1000:r-x, group::r--, mask::r-x, other::---
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 5 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        int[][] entries = {{0x01, 7, -1}, {0x02, 5, 1000}, {0x04, 4, -1}, {0x10, 5, -1}, {0x20, 0, -1}};
        for (int[] e : entries) b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        assertThat(TarWriter.aclText(b.array())).isEqualTo("user::rwx\nuser:1000:r-x\ngroup::r--\nmask::r-x\nother::---\n");
        assertThat(TarWriter.aclText(new byte[] {1, 0, 0, 0})).as("another version is left out").isNull();
        assertThat(TarWriter.major(0x405L)).isEqualTo(4);
        assertThat(TarWriter.minor(0x405L)).isEqualTo(5);
    }

    @Test
    void anUnknownArchiveFormatIsOneSentence() throws Exception {
        assertThat(Failures.fatal(cli.run("dump", "-a", "rar", "latest", src.toString()), ExitCodes.FATAL))
                .contains("--archive must be tar or zip, not 'rar'");
    }

    /** restic's dump as a separate process, its standard output into {@code to}. */
    private Path resticDump(Path to, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("/usr/bin/restic", "-r", repo.toString(), "--no-cache", "dump"));
        a.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(a).redirectOutput(to.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("RESTIC_PASSWORD", Restic.PASSWORD);
        Process p = pb.start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("restic dump %s", List.of(args)).isZero();
        return to;
    }

    private static List<String> xattrLines(String getfattr) {
        return getfattr.lines().filter(l -> l.startsWith("user.")).toList();
    }

    /** zipinfo's member lines, spaces squeezed. */
    private static List<String> members(String zipinfo) {
        return zipinfo.lines().filter(l -> l.matches("^[-dlbcps][-rwxsStT]{9} .*"))
                .map(l -> l.replaceAll(" +", " ")).toList();
    }
}
