package org.lifeboat.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Restic;
import org.lifeboat.testutil.Run;

/**
 * Lifeboat's forget decides as restic on the same repository: two years of snapshots at irregular
 * intervals (bursts within an hour, gaps of days; three hosts, two path sets given in either order,
 * five tag sets, three UTC offsets) are written beside one real backup, then {@code restic forget
 * --dry-run --json} and {@code lifeboat forget --dry-run --json} run with the same flags, and the
 * groups, kept and removed IDs, the reasons (in order) and the counters must agree. restic 0.14 is
 * the judge; Lifeboat follows restic 0.17+, which also keeps a group's oldest snapshot while a count
 * has some left ("oldest daily snapshot"): those matches are taken out of Lifeboat's answer before
 * comparing, and they must appear on the group's oldest snapshot only.
 */
@Tag("restic")
class ForgetInteropTest {
    @TempDir
    static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path repo;
    private static Path pw;
    private static int total;

    @BeforeAll
    static void history() throws Exception {
        pw = Cli.passwordFile(dir);
        repo = dir.resolve("repo");
        Restic restic = new Restic(repo, dir.resolve("cache"));
        restic.run("init").ok();
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        restic.run("backup", "--host", "web1", src.toString()).ok();
        String[] hosts = {"web1", "web2", "db"};
        List<List<String>> paths = List.of(List.of("/srv"), List.of("/home", "/etc"), List.of("/etc", "/home"));
        List<List<String>> tags = List.of(List.of(), List.of("daily"), List.of("manual", "daily"), List.of("manual"), List.of("important"));
        ZoneOffset[] offsets = {ZoneOffset.UTC, ZoneOffset.UTC, ZoneOffset.ofHours(2), ZoneOffset.ofHours(-5)};
        Random rnd = new Random(12);
        try (Repository r = Repository.open(new LocalBackend(repo), Restic.PASSWORD)) {
            Snapshot real = r.listSnapshots(w -> { }).getFirst();
            OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC).minusYears(2).truncatedTo(ChronoUnit.SECONDS);
            OffsetDateTime end = OffsetDateTime.now(ZoneOffset.UTC).minusHours(2);
            while (t.isBefore(end)) {
                // bursts (minutes apart), a few hours, a day or several days
                int kind = rnd.nextInt(10);
                long minutes = kind < 3 ? 1 + rnd.nextInt(50) : kind < 6 ? 60 + rnd.nextInt(600) : kind < 9 ? 1200 + rnd.nextInt(1800) : 4000 + rnd.nextInt(6000);
                t = t.plusMinutes(minutes).plusSeconds(rnd.nextInt(60));
                if (!t.isBefore(end)) break;
                OffsetDateTime at = t.withOffsetSameInstant(offsets[rnd.nextInt(offsets.length)]);
                r.saveSnapshot(new Snapshot(null, at, null, real.tree(), paths.get(rnd.nextInt(paths.size())), hosts[rnd.nextInt(hosts.length)],
                        "root", 0, 0, List.of(), tags.get(rnd.nextInt(tags.size())), null, "restic 0.14.0", null));
                total++;
            }
        }
        total++;
    }

    static Stream<String> flagSets() {
        return Stream.of(
                "--keep-last 5",
                "--keep-hourly 10",
                "--keep-daily 7",
                "--keep-weekly 5",
                "--keep-monthly 12",
                "--keep-yearly 3",
                "--keep-within 1m15d",
                "--keep-within 36h",
                "--keep-within-hourly 2d",
                "--keep-within-daily 1m",
                "--keep-within-weekly 3m",
                "--keep-within-monthly 1y",
                "--keep-within-yearly 2y",
                "--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75",
                "-l 1 -H 3 -d 3 -w 3 -m 3 -y 3 --keep-within 10d --keep-within-hourly 1d --keep-within-daily 20d --keep-within-weekly 2m --keep-within-monthly 6m --keep-within-yearly 1y6m",
                "--keep-tag important --keep-last 2",
                "--keep-tag daily,manual --keep-tag important --keep-within 3d4h",
                "--keep-tag  --keep-last 1",
                "--keep-last 3 --group-by ",
                "--keep-daily 10 --group-by host",
                "--keep-weekly 4 --group-by paths",
                "--keep-monthly 6 --group-by tags",
                "--keep-hourly 24 --keep-daily 30 --group-by host,tags",
                "--keep-last 2 --group-by host,paths,tags",
                "--keep-within-daily 2m --group-by paths,tags",
                "--keep-last 2 --host web1",
                "--keep-daily 5 --tag daily --host web2",
                "--keep-weekly 3 --path /srv",
                "--keep-monthly 2 --tag manual --tag important --group-by host",
                "--keep-yearly 1 --keep-within-weekly 1m --host db --host web2 --path /etc --group-by tags");
    }

    /** Splits a flag set; "--keep-tag " and "--group-by " at the end of a word give an empty value. */
    private static List<String> args(String flags) {
        List<String> out = new ArrayList<>();
        String[] w = flags.split(" ", -1);
        for (int i = 0; i < w.length; i++) {
            if (w[i].isEmpty()) continue;
            out.add(w[i]);
            if ((w[i].equals("--keep-tag") || w[i].equals("--group-by")) && (i + 1 >= w.length || w[i + 1].isEmpty())) out.add("");
        }
        return out;
    }

    /** One group's decision, as compared: kept and removed IDs, and per kept ID its matches and counters. */
    record Decision(List<String> keep, Set<String> remove, Map<String, List<String>> matches, Map<String, JsonNode> counters) {}

    private static String key(JsonNode g) {
        List<String> paths = new ArrayList<>();
        g.path("paths").forEach(p -> paths.add(p.asText()));
        List<String> tags = new ArrayList<>();
        g.path("tags").forEach(p -> tags.add(p.asText()));
        java.util.Collections.sort(paths);
        java.util.Collections.sort(tags);
        return "host=" + g.path("host").asText() + " paths=" + (g.path("paths").isNull() ? "null" : paths)
                + " tags=" + (g.path("tags").isNull() ? "null" : tags);
    }

    private static Map<String, Decision> decisions(JsonNode groups, boolean dropOldest) {
        Map<String, Decision> out = new TreeMap<>();
        for (JsonNode g : groups) {
            List<String> keep = new ArrayList<>();
            Set<String> remove = new HashSet<>();
            Map<String, List<String>> matches = new TreeMap<>();
            Map<String, JsonNode> counters = new TreeMap<>();
            g.path("remove").forEach(s -> remove.add(s.get("id").asText()));
            List<String> keptIds = new ArrayList<>();
            g.path("keep").forEach(s -> keptIds.add(s.get("id").asText()));
            int i = 0;
            for (JsonNode r : g.path("reasons")) {
                // restic 0.14 prints the reason's snapshot without its ID; reasons are in the order of keep
                String id = keptIds.get(i++);
                List<String> m = new ArrayList<>();
                boolean hadOldest = false;
                for (JsonNode x : r.get("matches")) {
                    if (dropOldest && x.asText().startsWith("oldest ")) hadOldest = true;
                    else m.add(x.asText());
                }
                if (m.isEmpty()) {
                    remove.add(id);
                    continue;
                }
                keep.add(id);
                matches.put(id, m);
                // an "oldest" keep also counted down: restic 0.14's counters differ for that snapshot only
                if (!hadOldest) counters.put(id, r.get("counters"));
            }
            out.put(key(g), new Decision(keep, remove, matches, counters));
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("flagSets")
    void lifeboatDecidesAsRestic(String flags) throws Exception {
        List<String> a = args(flags);
        List<String> rArgs = new ArrayList<>(List.of("forget", "--dry-run", "--json"));
        rArgs.addAll(a);
        Run r = new Restic(repo, dir.resolve("cache")).run(rArgs.toArray(String[]::new)).ok();
        JsonNode restic = JSON.readTree(r.out());
        Run l = new Cli(repo, pw).run(rArgs.toArray(String[]::new));
        assertThat(l.exit()).as("%s", l).isZero();
        JsonNode lifeboat = JSON.readTree(l.out());

        Map<String, Decision> expected = decisions(restic, false);
        Map<String, Decision> got = decisions(lifeboat, true);
        assertThat(got.keySet()).as(flags).containsExactlyElementsOf(expected.keySet());
        for (String k : expected.keySet()) {
            Decision e = expected.get(k);
            Decision g = got.get(k);
            assertThat(g.keep()).as("%s: kept in %s", flags, k).containsExactlyElementsOf(e.keep());
            assertThat(g.remove()).as("%s: removed in %s", flags, k).isEqualTo(e.remove());
            assertThat(g.matches()).as("%s: reasons in %s", flags, k).isEqualTo(e.matches());
            for (Map.Entry<String, JsonNode> c : g.counters().entrySet()) {
                assertThat(c.getValue()).as("%s: counters of %s in %s", flags, c.getKey(), k).isEqualTo(e.counters().get(c.getKey()));
            }
        }
        // "oldest …" only on a group's oldest snapshot, which restic 0.14 removes or keeps for another reason
        for (JsonNode grp : lifeboat) {
            JsonNode keep = grp.path("keep");
            JsonNode remove = grp.path("remove");
            String oldest = null;
            OffsetDateTime oldestTime = null;
            for (JsonNode list : List.of(keep, remove)) {
                for (JsonNode s : list) {
                    OffsetDateTime t = OffsetDateTime.parse(s.get("time").asText());
                    if (oldestTime == null || t.isBefore(oldestTime)) {
                        oldestTime = t;
                        oldest = s.get("id").asText();
                    }
                }
            }
            for (JsonNode reason : grp.path("reasons")) {
                for (JsonNode m : reason.get("matches")) {
                    if (m.asText().startsWith("oldest ")) assertThat(reason.get("snapshot").get("id").asText()).as(flags).isEqualTo(oldest);
                }
            }
        }
        // every snapshot the filter selects is in exactly one group, kept or removed
        Set<String> seen = new LinkedHashSet<>();
        for (Decision d : got.values()) {
            for (String id : d.keep()) assertThat(seen.add(id)).isTrue();
            for (String id : d.remove()) assertThat(seen.add(id)).isTrue();
        }
        if (!flags.contains("--host") && !flags.contains("--tag ") && !flags.contains("--path")) assertThat(seen).hasSize(total);
    }

    @Test
    void aRealForgetLeavesWhatLifeboatKeptAndResticChecksClean() throws Exception {
        Path copy = dir.resolve("copy-real");
        copyTree(repo, copy);
        Restic restic = new Restic(copy, dir.resolve("cache2"));
        Cli lifeboat = new Cli(copy, pw);
        String[] policy = {"--keep-daily", "7", "--keep-weekly", "5", "--keep-monthly", "12", "--keep-tag", "important"};
        List<String> dry = new ArrayList<>(List.of("forget", "--dry-run", "--json"));
        dry.addAll(List.of(policy));
        JsonNode planned = JSON.readTree(lifeboat.run(dry.toArray(String[]::new)).ok().out());
        Set<String> kept = new HashSet<>();
        int removed = 0;
        for (JsonNode g : planned) {
            g.path("keep").forEach(s -> kept.add(s.get("id").asText()));
            removed += g.path("remove").size();
        }
        assertThat(removed).isPositive();
        List<String> real = new ArrayList<>(List.of("forget"));
        real.addAll(List.of(policy));
        Run r = lifeboat.run(real.toArray(String[]::new));
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("Reasons").endsWith(removed + " snapshots have been removed\n");
        assertThat(new HashSet<>(restic.snapshotIds())).isEqualTo(kept);
        Run check = restic.run("check");
        assertThat(check.exit()).as("%s", check).isZero();
        assertThat(check.out()).contains("no errors were found");
        // the same policy again removes nothing
        Run again = lifeboat.run(real.toArray(String[]::new)).ok();
        assertThat(again.out()).doesNotContain("remove ").doesNotContain("have been removed");
        assertThat(new HashSet<>(restic.snapshotIds())).isEqualTo(kept);
    }

    @Test
    void snapshotIdsRemoveExactlyThoseAndResticAgrees() throws Exception {
        Path copy = dir.resolve("copy-ids");
        copyTree(repo, copy);
        Restic restic = new Restic(copy, dir.resolve("cache3"));
        List<String> before = restic.snapshotIds();
        String a = before.get(3);
        String b = before.get(10);
        Run r = new Cli(copy, pw).run("forget", a.substring(0, 8), b);
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.out()).contains("2 snapshots have been removed");
        List<String> after = new ArrayList<>(before);
        after.remove(a);
        after.remove(b);
        assertThat(restic.snapshotIds()).containsExactlyElementsOf(after);
        assertThat(restic.run("check").exit()).isZero();
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
