package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.fs.Dir;
import org.lifeboat.fs.RawFile;
import org.lifeboat.fs.RawNames;
import org.lifeboat.repository.Id;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.RawRepo;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Names are bytes, whatever the locale: Latin-1 file, folder and symlink-target names go from
 * Lifeboat to restic and back byte for byte, and commands work in a process without any locale
 * (as under cron, systemd and in containers). restic 0.14 is the judge.
 */
@Tag("restic")
class RawNamesInteropTest {
    /** "café.txt" in Latin-1: the byte 0xE9 alone is not UTF-8. */
    private static final byte[] CAFE = latin1("caf\u00e9.txt");
    private static final byte[] FOLDER = latin1("d\u00e9r");
    private static final byte[] TARGET = latin1("tar\u00e9get");

    @TempDir
    Path dir;

    private Path src;
    private Cli lb;
    private Restic restic;

    @BeforeEach
    void setUp() throws Exception {
        src = Files.createDirectories(dir.resolve("src"));
        try (Dir d = Dir.open(src)) {
            write(d, name(CAFE), "latin-1 file\n");
            d.mkdir(name(FOLDER), 0755);
            try (Dir sub = d.openDir(name(FOLDER))) {
                write(sub, "in.txt", "inside\n");
            }
            d.symlink(name(TARGET), "link");
            write(d, "caf\u00e9-utf8.txt", "utf-8 file\n");
        }
        lb = new Cli(dir.resolve("repo"), Cli.passwordFile(dir));
        restic = new Restic(dir.resolve("repo"), dir.resolve("cache"));
        lb.run("init").ok();
    }

    @Test
    void lifeboatBackupOfLatin1NamesRestoresByteForByteWithRestic() throws Exception {
        Run b = lb.run("backup", src.toString());
        assertThat(b.exit()).as(b.toString()).isZero();
        assertThat(b.err()).doesNotContain("vanished");
        restic.run("check", "--read-data").ok();
        Path out = dir.resolve("out");
        restic.run("restore", "latest", "--target", out.toString()).ok();
        Path restored = out.resolve(src.toString().substring(1));
        try (Dir d = Dir.open(restored)) {
            try (Dir s = Dir.open(src)) {
                assertThat(hexNames(d)).isEqualTo(hexNames(s));
            }
            assertThat(read(d, name(CAFE))).isEqualTo("latin-1 file\n");
            try (Dir sub = d.openDir(name(FOLDER))) {
                assertThat(read(sub, "in.txt")).isEqualTo("inside\n");
            }
            // restic 0.14 keeps link targets as JSON strings, where Go turns a byte that is not
            // UTF-8 into U+FFFD: restic restores its own backups so, and Lifeboat's the same way.
            assertThat(RawNames.encode(d.readlink("link"))).isEqualTo(latin1Replaced(TARGET));
        }
        // restic lists Lifeboat's snapshot exactly as it lists its own backup of the same folder.
        restic.run("backup", src.toString()).ok();
        List<String> ids = restic.snapshotIds();
        assertThat(names(restic.run("ls", "--json", ids.get(0)).out()))
                .isEqualTo(names(restic.run("ls", "--json", ids.get(1)).out()));
    }

    @Test
    void resticBackupIsListedFoundDiffedAndDumpedWithTheSameBytes() throws Exception {
        restic.runIn(dir, "backup", "src").ok();
        Map<String, String> env = Map.of("LIFEBOAT_REPOSITORY", lb.repo().toString(),
                "LIFEBOAT_PASSWORD_FILE", dir.resolve("password").toString());
        Map<String, String> renv = Map.of("RESTIC_REPOSITORY", lb.repo().toString(), "RESTIC_PASSWORD",
                Restic.PASSWORD, "RESTIC_CACHE_DIR", dir.resolve("cache").toString());

        // ls: the same bytes as restic's, in text and in JSON, with no locale at all.
        assertThat(paths(run(lifeboat("ls", "latest"), env))).isEqualTo(paths(run(resticCmd("ls", "latest"), renv)));
        // (less the fields restic added after 0.14: inode, message_type)
        assertThat(withoutLaterFields(run(lifeboat("ls", "--json", "latest"), env)))
                .isEqualTo(run(resticCmd("ls", "--json", "latest"), renv));
        byte[] ls = run(lifeboat("ls", "latest"), env);
        assertThat(contains(ls, concat("/src/".getBytes(StandardCharsets.US_ASCII), CAFE))).isTrue();

        // find: the matching path byte for byte.
        byte[] found = run(lifeboat("find", "caf*"), env);
        assertThat(contains(found, concat("/src/".getBytes(StandardCharsets.US_ASCII), CAFE))).isTrue();

        // diff: a changed Latin-1 file is named with its bytes; JSON as restic's.
        try (Dir d = Dir.open(src)) {
            d.unlink(name(CAFE));
            write(d, name(CAFE), "changed\n");
        }
        restic.runIn(dir, "backup", "src").ok();
        List<String> ids = restic.snapshotIds();
        byte[] diff = run(lifeboat("diff", ids.get(0), ids.get(1)), env);
        assertThat(contains(diff, concat("M    /src/".getBytes(StandardCharsets.US_ASCII), CAFE))).isTrue();
        byte[] diffJson = run(lifeboat("diff", "--json", ids.get(0), ids.get(1)), env);
        byte[] resticJson = run(resticCmd("diff", "--json", ids.get(0), ids.get(1)), renv);
        assertThat(firstLine(diffJson)).isEqualTo(firstLine(resticJson));

        // dump: one file by its (UTF-8) name; the folder as a tar that GNU tar extracts to the same bytes.
        assertThat(new String(run(lifeboat("dump", "latest", "/src/caf\u00e9-utf8.txt"), env), StandardCharsets.UTF_8))
                .isEqualTo("utf-8 file\n");
        byte[] tar = run(lifeboat("dump", "latest", "/src"), env);
        Path t = dir.resolve("src.tar");
        Files.write(t, tar);
        Path x = Files.createDirectories(dir.resolve("x"));
        run(List.of("tar", "-xf", t.toString(), "-C", x.toString()), Map.of());
        try (Dir d = Dir.open(x.resolve("src")); Dir s = Dir.open(src)) {
            assertThat(hexNames(d)).isEqualTo(hexNames(s));
            assertThat(read(d, name(CAFE))).isEqualTo("changed\n");
            try (Dir sub = d.openDir(name(FOLDER))) {
                assertThat(read(sub, "in.txt")).isEqualTo("inside\n");
            }
        }
    }

    @Test
    void lifeboatRestoreOfResticSnapshotWithLatin1NamesDoesNotAbort() throws Exception {
        restic.run("backup", src.toString()).ok();
        Path out = dir.resolve("lbout");
        Run r = lb.run("restore", "latest", "--target", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        try (Dir d = Dir.open(out.resolve(src.toString().substring(1)))) {
            assertThat(read(d, name(CAFE))).isEqualTo("latin-1 file\n");
        }
    }

    @Test
    void hostileNamesInControlCharactersCannotForgeListingLines() throws Exception {
        try (Dir d = Dir.open(src)) {
            write(d, "evil\nforged", "x");
        }
        lb.run("backup", src.toString()).ok();
        Map<String, String> env = Map.of("LIFEBOAT_REPOSITORY", lb.repo().toString(),
                "LIFEBOAT_PASSWORD_FILE", dir.resolve("password").toString());
        String ls = text(run(lifeboat("ls", "latest"), env));
        assertThat(ls.lines()).noneMatch(l -> l.startsWith("forged")).contains("\"" + src + "/evil\\nforged\"");
        String find = text(run(lifeboat("find", "evil*"), env));
        assertThat(find.lines()).noneMatch(l -> l.startsWith("forged")).contains("\"" + src + "/evil\\nforged\"");
    }

    @Test
    void backupLsAndDumpWorkWithoutAnyLocale() throws Exception {
        Path pw = dir.resolve("password");
        Map<String, String> env = Map.of("LIFEBOAT_REPOSITORY", lb.repo().toString(), "LIFEBOAT_PASSWORD_FILE",
                pw.toString());
        // Through the launcher: the argument itself is not ASCII.
        run(lifeboat("backup", src.resolve("caf\u00e9-utf8.txt").toString()), env);
        Run ls = restic.run("ls", "latest");
        assertThat(ls.out()).contains(src.resolve("caf\u00e9-utf8.txt").toString());
        byte[] dumped = run(lifeboat("dump", "latest", src.resolve("caf\u00e9-utf8.txt").toString()), env);
        assertThat(new String(dumped, StandardCharsets.UTF_8)).isEqualTo("utf-8 file\n");

        // The JVM alone, with no locale (ASCII for Java): the walk and the listing do not depend on it.
        List<String> backup = new ArrayList<>(Cli.command("backup", src.toString()));
        run(backup, env);
        try (Dir d = Dir.open(src)) {
            write(d, "\u00e9t\u00e9", "summer\n");
        }
        run(backup, env);
        List<String> ids = restic.snapshotIds();
        assertThat(restic.run("diff", ids.get(1), ids.get(2)).ok().out()).contains("+    " + src + "/\u00e9t\u00e9");
        byte[] lsOut = run(Cli.command("ls", "latest"), env);
        assertThat(contains(lsOut, concat((src + "/").getBytes(StandardCharsets.UTF_8), CAFE))).isTrue();
        assertThat(contains(lsOut, (src + "/\u00e9t\u00e9").getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    @Test
    void dumpNeverWritesAnAbsoluteOrClimbingMemberName() throws Exception {
        Path repoDir = dir.resolve("hostile");
        try (RawRepo raw = RawRepo.create(repoDir)) {
            Id blob = raw.data("evil\n");
            Id inner = raw.tree(RawRepo.file("x", 5, blob));
            Id data = raw.tree(
                    RawRepo.file("..", 5, blob),
                    RawRepo.dir("..", inner),
                    RawRepo.symlink("abs", "/etc/passwd"),
                    RawRepo.file("b/../../evil", 5, blob),
                    RawRepo.file("ok.txt", 5, blob));
            Id safe = raw.tree(RawRepo.symlink("abs", "/etc/passwd"), RawRepo.file("ok.txt", 5, blob));
            Id root = raw.tree(RawRepo.dir("data", data), RawRepo.dir("safe", safe));
            raw.snapshot(root, "/data");
        }
        Path pw = dir.resolve("rawpw");
        Files.writeString(pw, RawRepo.PASSWORD + "\n");
        Map<String, String> env = Map.of("LIFEBOAT_REPOSITORY", repoDir.toString(), "LIFEBOAT_PASSWORD_FILE",
                pw.toString());
        for (String what : List.of("/", "/data")) {
            Path t = dir.resolve("h.tar");
            // /data breaks the tree rules: its content is left out, said on stderr, and dump fails
            Files.write(t, run(Cli.command("dump", "latest", what), env, 1,
                    "warning: not dumped: the content of folder /data is damaged: name \"..\" is not a file name"));
            String members = text(run(List.of("tar", "-tf", t.toString()), Map.of()));
            assertThat(members.lines()).as(members).contains("data/")
                    .noneMatch(m -> m.startsWith("/") || m.equals("..") || m.startsWith("../") || m.contains("/../")
                            || m.endsWith("/.."))
                    .noneMatch(m -> m.startsWith("data/") && !m.equals("data/"));
            if (what.equals("/")) assertThat(members.lines()).contains("safe/", "safe/ok.txt", "safe/abs");
            Path x = Files.createDirectories(dir.resolve("x" + what.length()).resolve("in"));
            run(List.of("tar", "-xf", t.toString(), "-C", x.toString()), Map.of());
            try (var files = Files.walk(x.getParent())) {
                assertThat(files.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).count())
                        .isEqualTo(what.equals("/") ? 1 : 0);
            }
            if (what.equals("/")) {
                assertThat(Files.readString(x.resolve("safe/ok.txt"))).isEqualTo("evil\n");
                assertThat(Files.readSymbolicLink(x.resolve("safe/abs")).toString()).isEqualTo("/etc/passwd");
            }
        }
    }

    @Test
    void namesThatAreNotUtf8WorkAsArgumentsForSnapshotNames() throws Exception {
        Run b = lb.run("backup", src.toString());
        assertThat(b.exit()).as(b.toString()).isZero();
        Map<String, String> env = Map.of("LIFEBOAT_REPOSITORY", lb.repo().toString(),
                "LIFEBOAT_PASSWORD_FILE", dir.resolve("password").toString(), "SRC", src.toString(),
                "OUT", dir.resolve("out").toString(), "OUT2", dir.resolve("out2").toString(),
                "LB", Path.of("lifeboat").toAbsolutePath().toString());
        byte[] cafePath = concat((src + "/").getBytes(StandardCharsets.UTF_8), CAFE);
        // The byte 0xE9 reaches the process raw (ProcessBuilder cannot pass it): printf builds it.
        String e9 = "$(printf '\\351')";
        assertThat(contains(sh("\"$LB\" find \"caf" + e9 + ".txt\"", env), cafePath)).isTrue();
        assertThat(contains(sh("\"$LB\" find \"*" + e9 + "*\"", env), cafePath)).isTrue();
        assertThat(contains(sh("\"$LB\" find \"caf?.txt\"", env), cafePath)).isTrue();
        // ls and dump of a snapshot path holding the byte
        byte[] ls = sh("\"$LB\" ls latest \"$SRC/d" + e9 + "r\"", env);
        assertThat(contains(ls, concat(concat((src + "/").getBytes(StandardCharsets.UTF_8), FOLDER), "/in.txt".getBytes(StandardCharsets.US_ASCII)))).isTrue();
        assertThat(new String(sh("\"$LB\" dump latest \"$SRC/caf" + e9 + ".txt\"", env), StandardCharsets.UTF_8))
                .isEqualTo("latin-1 file\n");
        // restore ID:subfolder and --include with the byte; the target stays a plain path
        sh("\"$LB\" restore \"latest:$SRC/d" + e9 + "r\" --target \"$OUT\"", env);
        try (Dir d = Dir.open(dir.resolve("out"))) {
            assertThat(read(d, "in.txt")).isEqualTo("inside\n");
        }
        sh("\"$LB\" restore latest --include \"caf" + e9 + ".txt\" --target \"$OUT2\"", env);
        try (Dir d = Dir.open(dir.resolve("out2").resolve(src.toString().substring(1)))) {
            assertThat(d.list()).containsExactly(name(CAFE));
            assertThat(read(d, name(CAFE))).isEqualTo("latin-1 file\n");
        }
    }

    @Test
    void symlinkWithALatin1TargetRestoresAndVerifiesWithItsBytes() throws Exception {
        Path s2 = Files.createDirectories(dir.resolve("src2"));
        try (Dir d = Dir.open(s2)) {
            d.symlink(name(CAFE), name(latin1("l\u00e9")));
        }
        Run b = lb.run("backup", s2.toString());
        assertThat(b.exit()).as(b.toString()).isZero();
        restic.run("check", "--read-data").ok();
        Path out = dir.resolve("vout");
        Run r = lb.run("restore", "latest", "--verify", "--target", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        try (Dir d = Dir.open(out.resolve(s2.toString().substring(1)))) {
            assertThat(RawNames.encode(d.readlink(name(latin1("l\u00e9"))))).isEqualTo(CAFE);
        }
        // restic 0.14's own backup (the byte already lost): restore writes U+FFFD, verify accepts it
        restic.run("backup", s2.toString()).ok();
        Path out2 = dir.resolve("vout2");
        Run r2 = lb.run("restore", "latest", "--verify", "--target", out2.toString());
        assertThat(r2.exit()).as(r2.toString()).isZero();
        try (Dir d = Dir.open(out2.resolve(s2.toString().substring(1)))) {
            assertThat(RawNames.encode(d.readlink(name(latin1("l\u00e9"))))).isEqualTo(latin1Replaced(CAFE));
        }
    }

    /** {@code sh -c SCRIPT} without a locale (see {@link #run}); its standard output. */
    private static byte[] sh(String script, Map<String, String> env) throws Exception {
        return run(List.of("sh", "-c", script), env);
    }

    // ------------------------------------------------------------------------------ helpers

    /** {@code ./lifeboat ARGS} with this build's classes, run with no locale in the environment. */
    private static List<String> lifeboat(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of("lifeboat").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> resticCmd(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "--no-cache"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs a command without LANG, LC_ALL and LC_CTYPE (as cron does) and returns its standard
     * output as bytes; fails on a non-zero exit code.
     */
    static byte[] run(List<String> cmd, Map<String, String> env) throws Exception {
        return run(cmd, env, 0, "");
    }

    /** {@link #run}, expecting exit code {@code exit} and stderr containing {@code errPart}. */
    static byte[] run(List<String> cmd, Map<String, String> env, int exit, String errPart) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_"));
        pb.environment().putAll(env);
        pb.environment().put("LIFEBOAT_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.redirectErrorStream(false);
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread te = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                // process ended
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        te.join();
        assertThat(p.exitValue()).as(cmd + ": " + err.toString(StandardCharsets.UTF_8)).isEqualTo(exit);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(errPart);
        return out;
    }

    static String name(byte[] raw) {
        return RawNames.decode(raw);
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What Go's JSON makes of bytes that are not UTF-8: each becomes U+FFFD. */
    private static byte[] latin1Replaced(byte[] b) {
        return RawNames.encode(RawNames.decode(b).replaceAll("[\\uDC80-\\uDCFF]", "\uFFFD"));
    }

    static void write(Dir d, String name, String content) throws IOException {
        try (RawFile f = d.createFile(name)) {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            f.write(b, 0, b.length, 0);
        }
    }

    static String read(Dir d, String name) throws IOException {
        try (RawFile f = d.openForRead(name)) {
            byte[] b = new byte[4096];
            int n = f.read(b, 0, b.length, 0);
            return new String(b, 0, Math.max(0, n), StandardCharsets.UTF_8);
        }
    }

    /** The names of a folder as hex of their bytes (exact, whatever they are). */
    static TreeSet<String> hexNames(Dir d) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (String n : d.list()) out.add(HexFormat.of().formatHex(RawNames.encode(n)));
        return out;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The "path" values of restic's ls --json nodes. */
    private static List<String> names(String out) {
        return out.lines().filter(l -> l.contains("\"struct_type\":\"node\""))
                .map(l -> l.replaceAll(".*\"path\":\"([^\"]*)\".*", "$1")).toList();
    }

    /** The listed paths (lines starting with a slash), as Latin-1 text so that every byte counts. */
    private static List<String> paths(byte[] b) {
        return text(b).lines().filter(l -> l.startsWith("/")).toList();
    }

    private static String firstLine(byte[] b) {
        return text(b).lines().findFirst().orElse("");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    /** Lifeboat's ls --json bytes without the fields restic 0.15+ prints and 0.14 does not. */
    private static byte[] withoutLaterFields(byte[] json) {
        String s = new String(json, StandardCharsets.ISO_8859_1); // byte for byte
        s = s.replaceAll(",\"inode\":[0-9]+", "").replaceAll(",\"message_type\":\"[a-z]+\"", "");
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
