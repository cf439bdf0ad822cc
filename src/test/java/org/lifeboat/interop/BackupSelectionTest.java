package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * What a backup selects, with the options restic users type: the same flags given to the real
 * restic (into a second repository) must select the same files, compared by {@code ls}.
 */
@Tag("restic")
class BackupSelectionTest {
    private static final String SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55";

    @TempDir
    Path dir;

    private Path src;
    private Cli lb;
    private Path resticRepo;

    /** Empty repositories made once (Lifeboat's and restic's init each derive a key); each test gets copies. */
    @TempDir
    static Path templates;

    @BeforeAll
    static void initOnce() throws Exception {
        Path pw = Cli.passwordFile(templates);
        new Cli(templates.resolve("repo"), pw).run("init").ok();
        restic(templates.resolve("restic-repo"), Map.of(), "init").ok();
    }

    @BeforeEach
    void setUp() throws Exception {
        src = Files.createDirectories(dir.resolve("src"));
        Path pw = Cli.passwordFile(dir);
        lb = new Cli(dir.resolve("repo"), pw);
        copyTree(templates.resolve("repo"), lb.repo());
        resticRepo = dir.resolve("restic-repo");
        copyTree(templates.resolve("restic-repo"), resticRepo);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    @Test
    void excludeFilesExpandEnvironmentVariablesAsRestic() throws Exception {
        write("cache/blob", "x");
        write("keep/a.log", "x");
        write("keep/b.txt", "x");
        write("keep/Upper/u", "x");
        write("keep/cost$5", "x");
        write("keep/plain", "x");
        Path ex = dir.resolve("excludes");
        Files.writeString(ex, "# the cache\n$SRC/cache\n\n  ${SRC}/keep/*.log  \n$SRC/keep/cost$$5\n$NOT_SET_ANYWHERE/plain\n");
        Path iex = dir.resolve("iexcludes");
        Files.writeString(iex, "${SRC}/KEEP/upper\n");
        Map<String, String> env = new HashMap<>(lb.env());
        env.put("SRC", src.toString());
        String[] flags = {"--exclude-file", ex.toString(), "--iexclude-file", iex.toString()};
        // A separate JVM: the variable must be in Lifeboat's environment.
        List<String> args = new ArrayList<>(List.of("backup", src.toString()));
        args.addAll(List.of(flags));
        Run r = Cli.process(env, null, args.toArray(String[]::new));
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> rargs = new ArrayList<>(List.of("backup", src.toString()));
        rargs.addAll(List.of(flags));
        restic(Map.of("SRC", src.toString()), rargs.toArray(String[]::new)).ok();

        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("keep/b.txt"), p("keep/plain"))
                .doesNotContain(p("cache"), p("cache/blob"), p("keep/a.log"), p("keep/cost$5"), p("keep/Upper"));
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void excludeCachesKeepsTheFolderAndItsTagAsRestic() throws Exception {
        write("cache/CACHEDIR.TAG", SIGNATURE + "\n# a cache\n");
        write("cache/junk", "junk");
        write("cache/sub/deep", "junk");
        write("fake/CACHEDIR.TAG", "Signature: not the right one\n");
        write("fake/data", "kept");
        write("short/CACHEDIR.TAG", "Sig");
        write("short/data", "kept");
        write("plain/data", "kept");
        String[] flags = {"--exclude-caches"};
        lbBackup(flags).ok();
        resticBackup(flags);
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("cache"), p("cache/CACHEDIR.TAG"), p("fake/data"), p("short/data"), p("plain/data"))
                .doesNotContain(p("cache/junk"), p("cache/sub"), p("cache/sub/deep"));
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void excludeIfPresentWithAndWithoutHeaderAsRestic() throws Exception {
        write("a/.nobackup", "");
        write("a/secret", "x");
        write("b/.marker", "KEEPOUT please");
        write("b/secret", "x");
        write("c/.marker", "something else");
        write("c/data", "x");
        write("d/data", "x");
        String[] flags = {"--exclude-if-present", ".nobackup", "--exclude-if-present", ".marker:KEEPOUT"};
        lbBackup(flags).ok();
        resticBackup(flags);
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("a"), p("a/.nobackup"), p("b/.marker"), p("c/data"), p("d/data"))
                .doesNotContain(p("a/secret"), p("b/secret"));
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void excludeLargerThanUsesBinaryUnitsAsRestic() throws Exception {
        Files.write(src.resolve("small"), new byte[1000]);
        Files.write(src.resolve("exact"), new byte[1024]);
        Files.write(src.resolve("over"), new byte[1025]);
        Files.createDirectories(src.resolve("dir"));
        Files.write(src.resolve("dir/big"), new byte[5000]);
        String[] flags = {"--exclude-larger-than", "1k"};
        lbBackup(flags).ok();
        resticBackup(flags);
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("small"), p("exact"), p("dir")).doesNotContain(p("over"), p("dir/big"));
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void filesFromListsSelectTheSameFilesAsRestic() throws Exception {
        write("docs/a.txt", "x");
        write("docs/b.txt", "x");
        write("docs/c.md", "x");
        write("star*name", "x");
        write(" spaced", "x");
        write("new\nline", "x");
        write("other/skip", "x");
        Path globs = dir.resolve("globs");
        Files.writeString(globs, "# text files\n\n  " + src + "/docs/*.txt  \n" + src + "/nothing-*\n");
        Path verbatim = dir.resolve("verbatim");
        Files.writeString(verbatim, src + "/star*name\n\n" + src + "/ spaced\n");
        Path raw = dir.resolve("raw");
        Files.write(raw, (src + "/new\nline\0").getBytes(StandardCharsets.UTF_8));
        String[] flags = {"--files-from", globs.toString(), "--files-from-verbatim", verbatim.toString(),
                "--files-from-raw", raw.toString()};
        Run r = lb.run(flags(flags));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("nothing-*");
        restic(Map.of(), flags(flags)).ok();
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("docs/a.txt"), p("docs/b.txt"), p("star*name"), p(" spaced"), p("new\nline"))
                .doesNotContain(p("docs/c.md"), p("other"));
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void relativeGlobsAreTakenFromTheWorkingFolderAsRestic() throws Exception {
        write("docs/a.txt", "x");
        write("docs/b.md", "x");
        write("top.txt", "x");
        Path list = dir.resolve("globs");
        Files.writeString(list, "docs/*.txt\n*.txt\n");
        String[] args = {"backup", "--files-from", list.toString()};
        // A separate JVM run in src: relative paths name what is below the working folder.
        Proc.run(Cli.command(args), lb.env(), src, null, 600).ok();
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", resticRepo.toString(), "--no-cache"));
        cmd.addAll(List.of(args));
        Proc.run(cmd, Map.of("RESTIC_PASSWORD", Restic.PASSWORD), src, null, 600).ok();
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains("/docs/a.txt", "/top.txt").doesNotContain("/docs/b.md");
        assertThat(mine).isEqualTo(resticLs());
    }

    @Test
    void aRawListCanComeFromStandardInput() throws Exception {
        write("one", "x");
        write("two", "x");
        byte[] list = (src + "/one\0" + src + "/two\0").getBytes(StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("-r", lb.repo().toString(), "--password-file",
                dir.resolve("password").toString(), "backup", "--files-from-raw", "-"));
        Cli.raw(list, args.toArray(String[]::new)).ok();
        assertThat(lbLs()).contains(p("one"), p("two"));
    }

    @Test
    void anAstralCharacterInAPatternExcludesAsRestic() throws Exception {
        String grin = "\uD83D\uDE00";
        write("a" + grin, "x");
        write("ab" + grin, "x");
        write(grin + "z.txt", "x");
        String[] flags = {"--exclude", "?" + grin, "--exclude", grin + "?.txt"};
        lbBackup(flags).ok();
        resticBackup(flags);
        TreeSet<String> mine = lbLs();
        assertThat(mine).contains(p("ab" + grin)).doesNotContain(p("a" + grin), p(grin + "z.txt"));
        assertThat(mine).isEqualTo(resticLs());
    }

    // ------------------------------------------------------------------------------ helpers

    private void write(String rel, String content) throws Exception {
        Path f = src.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    private String p(String rel) {
        return src + "/" + rel;
    }

    private String[] flags(String... flags) {
        List<String> a = new ArrayList<>(List.of("backup"));
        a.addAll(List.of(flags));
        return a.toArray(String[]::new);
    }

    private Run lbBackup(String... flags) {
        List<String> a = new ArrayList<>(List.of("backup", src.toString()));
        a.addAll(List.of(flags));
        return lb.run(a.toArray(String[]::new));
    }

    private void resticBackup(String... flags) {
        List<String> a = new ArrayList<>(List.of("backup", src.toString()));
        a.addAll(List.of(flags));
        restic(Map.of(), a.toArray(String[]::new)).ok();
    }

    private Run restic(Map<String, String> extraEnv, String... args) {
        return restic(resticRepo, extraEnv, args);
    }

    private static Run restic(Path resticRepo, Map<String, String> extraEnv, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", resticRepo.toString(), "--no-cache"));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("RESTIC_PASSWORD", Restic.PASSWORD);
        return Proc.run(cmd, env, null, null, 600);
    }

    /** The paths of the latest snapshot as one JSON node per line: the format both print. */
    private TreeSet<String> lbLs() throws Exception {
        return paths(lb.run("ls", "latest", "--json").ok().out());
    }

    private TreeSet<String> resticLs() throws Exception {
        return paths(restic(Map.of(), "ls", "latest", "--json").ok().out());
    }

    private static TreeSet<String> paths(String jsonLines) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        TreeSet<String> out = new TreeSet<>();
        for (String line : jsonLines.split("\n")) {
            if (line.isBlank()) continue;
            com.fasterxml.jackson.databind.JsonNode n = m.readTree(line);
            if (n.has("path") && !n.has("paths")) out.add(n.get("path").asText());
        }
        return out;
    }
}
