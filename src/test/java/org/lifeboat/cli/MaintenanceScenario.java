package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.KeyFile;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;
import org.lifeboat.testutil.TestTrees;

/**
 * The maintenance commands on ONE repository on a remote backend (sftp:, rest:, s3:), each step
 * judged by restic 0.14: after every step {@code restic check --read-data} is clean and every
 * remaining snapshot restores (with restic) byte-identically to what its source held at backup time.
 *
 * <p>The snapshots are keyed by their time ({@code backup --time}), which {@code tag} and
 * {@code rewrite} keep while they change the snapshot's ID. The steps, in order: restic makes a
 * version 1 repository; two backups; {@code migrate upgrade_repo_v2}; two more backups;
 * {@code forget --keep-last 2 --prune}; {@code tag --add}; {@code rewrite --exclude *.tmp --forget};
 * {@code prune}; one index file deleted through the storage (around both tools), then {@code repair index}.
 * restic's key is swapped for a cheaper one of the same master key first (see {@link #initVersion1}),
 * and a snapshot restored once under an ID is not restored again until the last step.
 */
final class MaintenanceScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /**
     * Where the repository is and how each tool reaches it.
     *
     * @param location        the repository's location as both tools take it
     * @param lifeboatOptions Lifeboat's options before the command (e.g. {@code -o sftp.args=…})
     * @param resticOptions   restic's options (e.g. {@code -o sftp.command=…})
     * @param env             environment restic needs (S3 keys), empty for none; Lifeboat runs in this JVM
     * @param storage         the repository's files, reached around both tools (for damage and setup)
     */
    record Place(String location, List<String> lifeboatOptions, List<String> resticOptions, Map<String, String> env,
            Storage storage) {}

    /** The repository's files as the storage holds them, reached directly (not through Lifeboat). */
    interface Storage {
        /** Every file, by its name relative to the repository ("index/ab12…"), with its size in bytes. */
        Map<String, Long> files() throws IOException;

        byte[] read(String name) throws IOException;

        void write(String name, byte[] content) throws IOException;

        void delete(String name) throws IOException;
    }

    /** A repository in a folder of this machine (what an sftp or REST server serves). */
    record Folder(Path root) implements Storage {
        @Override
        public Map<String, Long> files() throws IOException {
            Map<String, Long> out = new TreeMap<>();
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) out.put(root.relativize(p).toString(), Files.size(p));
            }
            return out;
        }

        @Override
        public byte[] read(String name) throws IOException {
            return Files.readAllBytes(root.resolve(name));
        }

        @Override
        public void write(String name, byte[] content) throws IOException {
            Files.write(root.resolve(name), content);
        }

        @Override
        public void delete(String name) throws IOException {
            Files.delete(root.resolve(name));
        }
    }

    private final Path dir;
    private final Place place;
    private final Path src;
    private final Path pw;
    /** What each snapshot must restore to, by the snapshot's time. */
    private final Map<Instant, Map<String, String>> expected = new TreeMap<>();
    /** The IDs of the snapshots restic restored and found as expected. */
    private final java.util.Set<String> restored = new java.util.HashSet<>();

    MaintenanceScenario(Path dir, Place place) throws IOException {
        this.dir = dir;
        this.place = place;
        this.src = Files.createDirectories(dir.resolve("src"));
        this.pw = Cli.passwordFile(dir);
    }

    /** A step a test adds to the scenario. */
    interface Step {
        void run() throws Exception;
    }

    /** Every step in order, each judged by restic. */
    void runAll() throws Exception {
        runAll(() -> {}, () -> {});
    }

    /**
     * Every step in order, each judged by restic, with {@code beforeMigrate} run on the version 1
     * repository and {@code beforePrune} after rewrite --forget (when the repository holds data no
     * snapshot uses, so prune has something to remove).
     */
    void runAll(Step beforeMigrate, Step beforePrune) throws Exception {
        initVersion1();
        backups(1, 2);
        beforeMigrate.run();
        migrate();
        backups(3, 4);
        forgetKeepLastTwoPrune();
        tagAdd();
        rewriteExcludeForget();
        beforePrune.run();
        prune();
        deleteAnIndexFileAndRepairIndex();
    }

    // ---------------------------------------------------------------- steps

    /** restic makes a version 1 repository (so migrate has something to upgrade). */
    void initVersion1() throws Exception {
        restic("init", "--repository-version", "1").ok();
        cheapKey();
        assertThat(configVersion()).isEqualTo(1);
    }

    /**
     * Replaces restic's key (scrypt N=32768, p up to 5: near a second per command on a busy
     * machine, and both tools open the key for every command) by one of the same master key with
     * N=1024: the scenario runs some 60 commands. Both tools read the parameters from the key file.
     */
    private void cheapKey() throws Exception {
        List<String> keys = names("keys/");
        assertThat(keys).hasSize(1);
        KeyFile old = KeyFile.parse(place.storage().read(keys.getFirst()));
        KeyFile cheap = KeyFile.create(old.open(Restic.PASSWORD), Restic.PASSWORD, old.username(), old.hostname(), 1024, 8, 1);
        byte[] json = cheap.toJson();
        place.storage().write("keys/" + Id.hash(json).hex(), json);
        place.storage().delete(keys.getFirst());
    }

    /** Backups number {@code from}..{@code to}, each of a changed source, at a fixed time of its own. */
    void backups(int from, int to) throws IOException {
        for (int i = from; i <= to; i++) {
            fill(i);
            lifeboat("backup", "--time", BACKUP_TIME.format(time(i)), src.toString()).ok();
            expected.put(time(i).atZone(ZoneId.systemDefault()).toInstant(), TestTrees.describe(src, false));
        }
        judge("backups " + from + ".." + to);
    }

    void migrate() {
        Run up = lifeboat("migrate", "upgrade_repo_v2");
        assertThat(up.exit()).as("%s", up).isZero();
        assertThat(up.out()).contains("migration upgrade_repo_v2: success");
        assertThat(configVersion()).isEqualTo(2);
        judge("migrate upgrade_repo_v2");
    }

    void forgetKeepLastTwoPrune() throws IOException {
        int packsBefore = dataFiles();
        Run r = lifeboat("forget", "--keep-last", "2", "--prune");
        assertThat(r.exit()).as("%s", r).isZero();
        while (expected.size() > 2) expected.remove(expected.keySet().iterator().next());
        assertThat(dataFiles()).as("prune removed the data only the forgotten snapshots used").isLessThan(packsBefore);
        judge("forget --keep-last 2 --prune");
    }

    void tagAdd() {
        Run r = lifeboat("tag", "--add", "kept-offsite");
        assertThat(r.exit()).as("%s", r).isZero();
        JsonNode snaps = resticJson("snapshots", "--json");
        assertThat(snaps.size()).isEqualTo(expected.size());
        for (JsonNode s : snaps) assertThat(s.get("tags").toString()).contains("kept-offsite");
        judge("tag --add");
    }

    void rewriteExcludeForget() {
        Run r = lifeboat("rewrite", "--exclude", "*.tmp", "--forget");
        assertThat(r.exit()).as("%s", r).isZero();
        for (Map<String, String> tree : expected.values()) tree.keySet().removeIf(k -> k.endsWith(".tmp"));
        judge("rewrite --exclude *.tmp --forget");
    }

    void prune() throws IOException {
        int packsBefore = dataFiles();
        Run r = lifeboat("prune");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(dataFiles()).as("prune removed the excluded files' data").isLessThan(packsBefore);
        judge("prune");
    }

    void deleteAnIndexFileAndRepairIndex() throws IOException {
        List<String> index = names("index/");
        assertThat(index).isNotEmpty();
        place.storage().delete(index.getFirst());
        Run broken = restic("check");
        assertThat(broken.exit()).as("restic sees the lost index: %s", broken).isNotZero();
        Run r = lifeboat("repair", "index");
        assertThat(r.exit()).as("%s", r).isZero();
        judge("delete " + index.getFirst() + ", repair index", true);
    }

    // ---------------------------------------------------------------- judging

    /**
     * restic checks every byte and lists exactly the expected snapshots; each snapshot it has not
     * restored before is restored and compared (all of them when {@code all}). A snapshot restored
     * before under the same ID needs no second restore: its ID is the hash of its tree's hash, and
     * check --read-data has just read every blob the tree refers to.
     */
    void judge(String after, boolean all) {
        Run check = restic("check", "--read-data");
        assertThat(check.exit()).as("restic check --read-data after %s:\n%s", after, check).isZero();
        assertThat(check.out()).as("after %s", after).contains("no errors were found");
        Map<Instant, String> ids = new TreeMap<>();
        for (JsonNode s : resticJson("snapshots", "--json")) {
            ids.put(OffsetDateTime.parse(s.get("time").asText()).toInstant(), s.get("id").asText());
        }
        assertThat(ids.keySet()).as("the snapshots' times after %s", after).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<Instant, String> e : ids.entrySet()) {
            if (!all && restored.contains(e.getValue())) continue;
            Path target = dir.resolve("restore-" + restored.size());
            restic("restore", e.getValue(), "--target", target.toString()).ok();
            try {
                assertThat(TestTrees.describe(target.resolve(src.toString().substring(1)), false))
                        .as("snapshot of %s restored after %s", e.getKey(), after).isEqualTo(expected.get(e.getKey()));
                deleteTree(target);
            } catch (IOException x) {
                throw new AssertionError("cannot read the restored " + target + ": " + x.getMessage(), x);
            }
            restored.add(e.getValue());
        }
    }

    void judge(String after) {
        judge(after, false);
    }

    // ---------------------------------------------------------------- tools

    /** Lifeboat in this JVM: {@code lifeboat -r LOCATION --password-file PW OPTIONS… args…}; never a stack trace. */
    Run lifeboat(String... args) {
        List<String> all = new ArrayList<>(List.of("-r", place.location(), "--password-file", pw.toString()));
        all.addAll(place.lifeboatOptions());
        all.addAll(List.of(args));
        Run r = Cli.raw(null, all.toArray(String[]::new));
        Failures.assertNoStackTrace(r);
        return r;
    }

    /** Lifeboat in this JVM at another location (e.g. the same folder through an append-only server). */
    Run lifeboatAt(String location, String... args) {
        List<String> all = new ArrayList<>(List.of("-r", location, "--password-file", pw.toString()));
        all.addAll(place.lifeboatOptions());
        all.addAll(List.of(args));
        Run r = Cli.raw(null, all.toArray(String[]::new));
        Failures.assertNoStackTrace(r);
        return r;
    }

    Run restic(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/restic", "-r", place.location(), "--no-cache"));
        cmd.addAll(place.resticOptions());
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(place.env());
        env.put("RESTIC_PASSWORD", Restic.PASSWORD);
        return Proc.run(cmd, env, null, null, 600);
    }

    JsonNode resticJson(String... args) {
        Run r = restic(args).ok();
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("restic printed no JSON: " + r, e);
        }
    }

    private int configVersion() {
        return resticJson("cat", "config").get("version").asInt();
    }

    // ---------------------------------------------------------------- data

    /**
     * The source of backup {@code i}: a file common to all, one that changes each time, one that
     * appears, and a {@code .tmp} file that {@code rewrite --exclude} later removes. Small, so each
     * restic restore is quick; the big-ish files make packs of their own kind of change.
     */
    private void fill(int i) throws IOException {
        Files.write(src.resolve("common.bin"), TestTrees.random(7, 300_000));
        Files.write(src.resolve("changing.bin"), TestTrees.random(100 + i, 200_000));
        Files.writeString(src.resolve("version-" + i + ".txt"), "backup " + i + "\n");
        Path cache = Files.createDirectories(src.resolve("cache"));
        Files.write(cache.resolve("scratch.tmp"), TestTrees.random(200 + i, 150_000));
    }

    private static LocalDateTime time(int i) {
        return LocalDateTime.of(2024, 3, i, 10, 0, 0);
    }

    /** The names of the repository's files that start with {@code prefix} ("index/"), sorted. */
    List<String> names(String prefix) throws IOException {
        return place.storage().files().keySet().stream().filter(n -> n.startsWith(prefix)).sorted().toList();
    }

    /** Every file of the repository but the locks, with its size: to show that nothing changed. */
    Map<String, Long> contents() throws IOException {
        Map<String, Long> out = new TreeMap<>(place.storage().files());
        out.keySet().removeIf(n -> n.startsWith("locks/"));
        return out;
    }

    private int dataFiles() throws IOException {
        return names("data/").size();
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
