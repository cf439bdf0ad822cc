package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/** Shared checks and helpers for the command-line failure tests. */
final class Failures {
    private Failures() {}

    /** Asserts the exit code, that stderr holds no Java stack trace, and returns the one "Fatal:" line. */
    static String fatal(Run r, int exit) {
        assertThat(r.exit()).as("exit code of:\n%s", r).isEqualTo(exit);
        assertNoStackTrace(r);
        List<String> lines = r.err().lines().filter(l -> l.startsWith("Fatal: ")).toList();
        assertThat(lines).as("exactly one 'Fatal:' sentence on stderr of:\n%s", r).hasSize(1);
        return lines.getFirst();
    }

    /** Like {@link #fatal} for picocli's parse errors, which print "error: …" and a usage hint. */
    static String usageError(Run r) {
        assertThat(r.exit()).as("exit code of:\n%s", r).isEqualTo(ExitCodes.FATAL);
        assertNoStackTrace(r);
        List<String> lines = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(lines).as("exactly one 'error:' sentence on stderr of:\n%s", r).hasSize(1);
        return lines.getFirst();
    }

    static void assertNoStackTrace(Run r) {
        assertThat(r.err()).as("stderr must hold no stack trace:\n%s", r)
                .doesNotContain("\tat org.").doesNotContain("\tat java.").doesNotContain("Exception in thread");
        assertThat(r.out()).as("stdout must hold no stack trace:\n%s", r)
                .doesNotContain("\tat org.").doesNotContain("Exception in thread");
    }

    /** A fresh repository at {@code repo} (format 2) with the shared test password. */
    static Cli init(Path repo, Path passwordFile) {
        Cli cli = new Cli(repo, passwordFile);
        cli.run("init").ok();
        return cli;
    }

    /** The short ID a backup printed ("snapshot 1a2b3c4d saved"). */
    static String snapshotId(Run backup) {
        for (String l : backup.out().lines().toList()) {
            if (l.startsWith("snapshot ") && l.endsWith(" saved")) return l.split(" ")[1];
        }
        throw new AssertionError("backup printed no snapshot ID:\n" + backup);
    }

    /**
     * Runs Lifeboat as a separate JVM with exactly the given LIFEBOAT_* / RESTIC_* variables (those
     * inherited from the test's environment are removed) and standard input from an empty pipe.
     */
    static Run process(Map<String, String> env, String... args) {
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args));
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.environment().putAll(env);
        return runProcess(pb, 120);
    }

    static Run runProcess(ProcessBuilder pb, long timeoutSeconds) {
        try {
            Path out = Files.createTempFile("lifeboat-out", ".txt");
            Path err = Files.createTempFile("lifeboat-err", ".txt");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + pb.command());
                }
                return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + pb.command() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Every entry below {@code root}: relative path → kind, mode and (for files) content hash. */
    static Map<String, String> fingerprint(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String mode = Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
                String what = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? "file " + Files.size(p) + " " + TestTrees.sha256(p) : Files.isDirectory(p) ? "dir" : "other";
                m.put(root.relativize(p).toString(), what + " mode=" + mode);
            }
        }
        return m;
    }

    /** Flips every bit of one byte of a (read-only) repository file, keeping its mode. */
    static void flipByte(Path file, long offset) throws IOException {
        withWritable(file, () -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                assertThat(ch.read(b, offset)).as("byte %d of %s exists", offset, file).isEqualTo(1);
                b.put(0, (byte) ~b.get(0));
                b.rewind();
                ch.write(b, offset);
            }
        });
    }

    /** Cuts a (read-only) repository file to {@code size} bytes, keeping its mode. */
    static void truncate(Path file, long size) throws IOException {
        withWritable(file, () -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(size);
            }
        });
    }

    interface IoAction {
        void run() throws IOException;
    }

    private static void withWritable(Path file, IoAction action) throws IOException {
        Set<PosixFilePermission> before = Files.getPosixFilePermissions(file);
        Set<PosixFilePermission> writable = new java.util.HashSet<>(before);
        writable.add(PosixFilePermission.OWNER_WRITE);
        Files.setPosixFilePermissions(file, writable);
        try {
            action.run();
        } finally {
            Files.setPosixFilePermissions(file, before);
        }
    }

    /** Repository files of one kind ("snapshots", "index", "keys", "locks"): their 64-hex names. */
    static List<String> ids(Path repo, String folder) throws IOException {
        Path dir = repo.resolve(folder);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(Failures::isId).sorted().toList();
        }
    }

    /**
     * Pack files under data/xx/: 64-hex names only (a writer's temporary files are not packs).
     * Reads names only, so it is safe while another process writes and renames files.
     */
    static List<Path> packs(Path repo) throws IOException {
        Path data = repo.resolve("data");
        List<Path> out = new java.util.ArrayList<>();
        if (!Files.isDirectory(data)) return out;
        try (java.nio.file.DirectoryStream<Path> subs = Files.newDirectoryStream(data)) {
            for (Path sub : subs) {
                try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(sub)) {
                    for (Path f : files) if (isId(f.getFileName().toString())) out.add(f);
                } catch (java.nio.file.NotDirectoryException | java.nio.file.NoSuchFileException e) {
                    // not a pack folder
                }
            }
        }
        out.sort(null);
        return out;
    }

    static boolean isId(String s) {
        return s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
