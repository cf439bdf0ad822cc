package org.lifeboat.server.web;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Json;
import org.lifeboat.state.JobRun;

/**
 * A soak of {@code lifeboat serve}: two systems backed up every 2 and 3 seconds into one repository
 * (retention keep-last 5), their sources changed between backups, and the dashboard's API polled
 * every ~250 ms the whole time. After a warm-up, used heap after a full GC, live platform threads and
 * open file descriptors are sampled every ~10 s; none may grow with the number of backups. At the end
 * the service and its web server are closed: no lifeboat- thread may be left and no lock in the
 * repository.
 *
 * <p>{@code -Dlifeboat.soak.seconds=N} sets the length (default 120). {@code
 * -Dlifeboat.soak.leak.kb=K} makes the test itself keep K KiB per finished backup: a check of the
 * heap bound (with K = 100 the test must fail on the heap).
 */
@Tag("slow")
class ServeSoakTest {
    private static final long MIB = 1024 * 1024;
    private static final int FILES = 300;
    private static final Pattern JOBS_TOTAL = Pattern.compile("(?m)^lifeboat_jobs_total\\{([^}]*)}\\s+(\\S+)$");

    /** What the self-check knob keeps: a leak on purpose. */
    private static final List<byte[]> LEAK = new ArrayList<>();

    @TempDir
    Path tmp;

    private final Random random = new Random(13);

    /** One measurement; {@code quiet} when no job ran across it (its heap holds no job's working set). */
    record Sample(double t, long heap, long oldGen, int threads, int fds, long backups, boolean quiet) {}

    @Test
    void heapThreadsAndFilesStayBoundedOverManyBackups() throws Exception {
        int seconds = Integer.getInteger("lifeboat.soak.seconds", 120);
        int leakKb = Integer.getInteger("lifeboat.soak.leak.kb", 0);
        int warmUp = seconds >= 90 ? 30 : seconds / 3;
        Path dir = tmp.resolve("serve");
        Files.createDirectories(dir);
        ServeFixture.repository(dir, "main");
        Path srcA = dir.resolve("src/a"), srcB = dir.resolve("src/b"), scratch = dir.resolve("scratch");
        Files.createDirectories(scratch);
        fill(srcA);
        fill(srcB);
        String plan = "state-dir: ${DIR}/state\n"
                + "repositories:\n" + ServeFixture.repositoryLine(dir, "main")
                + "systems:\n"
                + system("a", "2s")
                + system("b", "3s");
        System.out.printf("soak: %d s, warm-up %d s, sampling every 10 s%s%n", seconds, warmUp,
                leakKb > 0 ? ", the test leaking " + leakKb + " KiB per backup on purpose" : "");

        List<Sample> samples = new ArrayList<>();
        Map<String, Integer> bad = new LinkedHashMap<>();
        int polls = 0, lockedOut = 0;
        List<String> problems = new ArrayList<>();
        double metricAtWarmUp = -1, metricAtEnd;
        long start = System.nanoTime();
        ServeFixture f = new ServeFixture(dir, plan, null, "soak-host");
        try {
            long nextChange = 0, nextSample = start + warmUp * 1_000_000_000L;
            long end = start + seconds * 1_000_000_000L;
            long seenBackups = 0;
            int round = 0;
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                // the dashboard left open
                for (String path : List.of("/api/overview", "/api/systems/a/snapshots", "/metrics")) {
                    HttpResponse<String> r = f.get(path);
                    if (r.statusCode() == 503 && path.endsWith("/snapshots") && r.body().contains("locked by exclusive lock")) {
                        // the snapshot list takes a shared lock and does not wait for a retention's exclusive one
                        lockedOut++;
                    } else if (r.statusCode() != 200) {
                        bad.merge(path + " " + r.statusCode() + " " + abbreviate(r.body()), 1, Integer::sum);
                    } else if (path.equals("/metrics")) {
                        long done = (long) (backupsTotal(r.body(), "a", JobRun.SUCCEEDED) + backupsTotal(r.body(), "b", JobRun.SUCCEEDED));
                        for (long i = seenBackups; i < done && leakKb > 0; i++) LEAK.add(new byte[leakKb * 1024]);
                        seenBackups = done;
                    }
                    polls++;
                }
                // a few files changed a second in each source: every snapshot adds data
                if (now >= nextChange) {
                    nextChange = now + 1_000_000_000L;
                    round++;
                    for (int i = 0; i < 3; i++) {
                        change(srcA, scratch, round, i);
                        change(srcB, scratch, round, i);
                    }
                }
                if (now >= nextSample) {
                    nextSample = now + 10_000_000_000L;
                    if (metricAtWarmUp < 0) metricAtWarmUp = backupsTotal(f.get("/metrics").body(), "a", JobRun.SUCCEEDED);
                    Sample s = quietSample(f, (now - start) / 1e9, seenBackups);
                    samples.add(s);
                    System.out.printf("soak sample t=%5.1fs heap=%7.2f MiB old-gen=%7.2f MiB threads=%3d fds=%3d backups=%d%s%n",
                            s.t(), s.heap() / (double) MIB, s.oldGen() / (double) MIB, s.threads(), s.fds(), s.backups(),
                            s.quiet() ? "" : " (a job ran across it)");
                    if (s.heap() > samples.getFirst().heap() + 8 * MIB) System.out.print(lastStacks);
                }
                Thread.sleep(250); // pacing of the load only
            }
            metricAtEnd = backupsTotal(f.get("/metrics").body(), "a", JobRun.SUCCEEDED);

            // ---- the jobs: enough backups, none failed (all problems gathered, to see them all in one run)
            int n = (int) Math.max(3, seconds / 3.0 * 0.7);
            for (String sys : List.of("a", "b")) {
                JsonNode api = f.json("/api/systems/" + sys + "/jobs");
                List<String> notOk = new ArrayList<>();
                for (JsonNode j : api) {
                    check(problems, "backup".equals(j.get("kind").asText()), "an unexpected job: " + j);
                    String res = j.get("result").asText();
                    if (!res.equals(JobRun.SUCCEEDED) && !res.equals(JobRun.RUNNING)) notOk.add(j.toString());
                }
                // the API shows the newest 100; the log holds them all
                List<JobRun> all = f.service.jobs().recent(sys, "backup", 0);
                if (api.size() >= 100) {
                    all.stream().skip(api.size()).filter(r -> r.finished() != null && !JobRun.SUCCEEDED.equals(r.result()))
                            .forEach(r -> notOk.add(r.toJson().toString()));
                }
                long ok = all.stream().filter(r -> JobRun.SUCCEEDED.equals(r.result())).count();
                long added = all.stream().filter(r -> JobRun.SUCCEEDED.equals(r.result()) && r.bytesAdded() > 0).count();
                System.out.printf("soak jobs %s: %d backups, %d succeeded, %d added data, %d not succeeded%n",
                        sys, all.size(), ok, added, notOk.size());
                check(problems, notOk.isEmpty(), sys + ": " + notOk.size() + " jobs did not succeed:\n  " + String.join("\n  ", notOk));
                check(problems, ok >= n, sys + ": only " + ok + " backups succeeded in " + seconds + " s, expected at least " + n);
                check(problems, added * 2 >= ok, sys + ": only " + added + " of " + ok + " backups added data");
            }
            check(problems, metricAtEnd > metricAtWarmUp && metricAtWarmUp >= 0,
                    "lifeboat_jobs_total{system=a,job=backup,result=succeeded} did not grow: " + metricAtWarmUp + " -> " + metricAtEnd);
            System.out.printf("soak API: %d requests, snapshot list refused for a lock %d times, other answers not 200: %s%n",
                    polls, lockedOut, bad);
            check(problems, bad.isEmpty(), "the dashboard's API answered other than 200: " + bad);
            check(problems, lockedOut * 3 <= polls / 3, "the snapshot list was refused for a lock in " + lockedOut + " of "
                    + polls / 3 + " polls: a dashboard left open shows mostly errors");
            // the retention kept the repository's snapshots bounded (5 a system, one more being written)
            HttpResponse<String> snaps = f.get("/api/systems/a/snapshots");
            if (snaps.statusCode() == 200) {
                int count = Json.MAPPER.readTree(snaps.body()).size();
                check(problems, count <= 6, "system a has " + count + " snapshots with keep-last 5");
            }

            resources(samples, problems);
        } finally {
            f.close();
            LEAK.clear();
        }
        System.out.printf("soak: %.1f s in all, %d API requests%n", (System.nanoTime() - start) / 1e9, polls);

        // ---- after close: no lifeboat- thread, no lock
        List<String> left = new ArrayList<>();
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("lifeboat-")).toList();
            if (left.isEmpty() || System.nanoTime() > until) break;
            Thread.sleep(100);
        }
        check(problems, left.isEmpty(), "threads still alive 10 s after close: " + left);
        Path locks = dir.resolve("main/repo/locks");
        if (Files.isDirectory(locks)) {
            try (Stream<Path> l = Files.list(locks)) {
                List<Path> still = l.toList();
                check(problems, still.isEmpty(), "locks left in the repository: " + still);
            }
        }
        if (!problems.isEmpty()) fail(problems.size() + " problems:\n" + String.join("\n", problems));
    }

    /** The checks of the samples: threads, open files and heap bounded. */
    private static void resources(List<Sample> samples, List<String> problems) {
        if (samples.size() < 3) {
            problems.add("too few samples: " + samples.size() + "; run longer");
            return;
        }
        Sample first = samples.getFirst(), last = samples.getLast();
        int maxThreads = samples.stream().mapToInt(Sample::threads).max().orElseThrow();
        int maxFds = samples.stream().mapToInt(Sample::fds).max().orElseThrow();
        long maxHeap = samples.stream().mapToLong(Sample::heap).max().orElseThrow();
        System.out.printf("soak summary: heap first %.2f last %.2f max %.2f MiB; threads first %d last %d max %d; fds first %d last %d max %d%n",
                first.heap() / (double) MIB, last.heap() / (double) MIB, maxHeap / (double) MIB,
                first.threads(), last.threads(), maxThreads, first.fds(), last.fds(), maxFds);
        check(problems, maxThreads <= first.threads() + 8, "threads grew: " + samples);
        check(problems, last.threads() <= first.threads() + 4, "threads did not come back: " + samples);
        check(problems, maxFds <= first.fds() + 10, "open files grew: " + samples);
        check(problems, last.fds() <= first.fds() + 10, "open files did not come back: " + samples);

        // Heap. Used heap right after a full GC, taken while no job runs, is the service's live
        // set; in a steady service it wanders by a MiB or two (Jetty's buffer pool, SQLite's page
        // cache, a status look caught mid-way). The least-squares line through the quiet samples
        // gives the growth over the measured window, which is compared with the backups run in it:
        //   growth <= max(4 MiB, backups x 40 KiB)
        // A leak of 100 KiB a backup (the default run has ~80 backups after the warm-up: ~8 MiB)
        // is twice the bound and fails; noise would have to tilt the whole line by 4 MiB. A leak
        // of 1 KiB a backup (~80 KiB a run) is below any noise a 2-minute run can tell apart: it
        // would need a soak of hours. As a backstop against one huge jump the last sample must
        // also stay under first x 1.5 + 16 MiB.
        List<Sample> quiet = samples.stream().filter(Sample::quiet).toList();
        List<Sample> fit = quiet.size() >= 3 ? quiet : samples;
        Sample hf = fit.getFirst(), hl = fit.getLast();
        double slope = slope(fit); // bytes a second
        double window = hl.t() - hf.t();
        double growth = slope * window;
        long backups = hl.backups() - hf.backups();
        double bound = Math.max(4 * MIB, backups * 40 * 1024.0);
        System.out.printf("soak heap: slope %.1f KiB/s, fitted growth %.2f MiB over %.0f s and %d backups (%.1f KiB a backup), bound %.2f MiB%n",
                slope / 1024, growth / MIB, window, backups, backups == 0 ? 0 : growth / backups / 1024, bound / MIB);
        check(problems, growth <= bound, String.format("the heap grows %.1f KiB a backup (%.2f MiB over %d backups, bound %.2f MiB): %s",
                backups == 0 ? 0 : growth / backups / 1024, growth / MIB, backups, bound / MIB, samples));
        check(problems, hl.heap() < hf.heap() * 1.5 + 16 * MIB, "the heap grew: " + samples);
    }

    private static void check(List<String> problems, boolean ok, String what) {
        if (!ok) problems.add(what);
    }

    private static String system(String name, String every) {
        return "  " + name + ":\n"
                + "    rpo: 1m\n"
                + "    rto: 30m\n"
                + "    backup: { repository: main, sources: [ { path: ${DIR}/src/" + name + " } ] }\n"
                + "    schedule: { backup: " + every + " }\n"
                + "    retention: { keep-last: 5 }\n";
    }

    /** A few hundred small files in a few folders. */
    private void fill(Path src) throws IOException {
        for (int i = 0; i < FILES; i++) {
            Path p = src.resolve("d" + (i % 10)).resolve("f" + i + ".txt");
            Files.createDirectories(p.getParent());
            Files.write(p, bytes(256 + random.nextInt(4096)));
        }
    }

    /** Replaces one file with new content, whole (a rename): a backup never reads it half written. */
    private void change(Path src, Path scratch, int round, int i) throws IOException {
        int k = Math.floorMod(round * 7 + i * 101, FILES);
        Path p = src.resolve("d" + (k % 10)).resolve("f" + k + ".txt");
        Path t = scratch.resolve("next");
        Files.write(t, bytes(1024 + random.nextInt(4096)));
        Files.move(t, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 160 ? one.substring(0, 160) + "…" : one;
    }

    /** lifeboat_jobs_total of {@code system}'s backups with {@code result}, 0 when not counted yet. */
    static double backupsTotal(String metrics, String system, String result) {
        Matcher m = JOBS_TOTAL.matcher(metrics);
        double sum = 0;
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("system=\"" + system + "\"") && labels.contains("job=\"backup\"")
                    && labels.contains("result=\"" + result + "\"")) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    /**
     * A sample taken while no job runs: a backup caught mid-run holds its packer's buffers and the
     * repository's index (tens of MiB that are no leak). Tries for up to 10 s, then takes what it has.
     */
    private static Sample quietSample(ServeFixture f, double t, long backups) throws Exception {
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            f.await("no job running and no status look", Duration.ofSeconds(60),
                    () -> f.service.scheduler().running().isEmpty() && statusIdle());
            String before = newestJob(f);
            Sample s = sample(t, backups);
            lastStacks = stacks();
            boolean quiet = f.service.scheduler().running().isEmpty() && statusIdle() && before.equals(newestJob(f));
            if (quiet || System.nanoTime() > until) {
                return new Sample(s.t(), s.heap(), s.oldGen(), s.threads(), s.fds(), s.backups(), quiet);
            }
        }
    }

    /** Whether the service's status thread waits for its next look (a look holds the repository's index). */
    private static boolean statusIdle() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (!e.getKey().getName().equals("lifeboat-status")) continue;
            for (StackTraceElement el : e.getValue()) {
                if (el.getMethodName().equals("look")) return false;
                if (el.getMethodName().equals("lookLoop")) return true;
            }
            return false;
        }
        return true;
    }

    /** The threads in Lifeboat's code at the newest sample, a few frames each (shown beside a sample out of line). */
    private static String lastStacks = "";

    /** The threads in Lifeboat's code now, a few frames each. */
    private static String stacks() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey() == Thread.currentThread()
                    || java.util.Arrays.stream(e.getValue()).noneMatch(el -> el.getClassName().startsWith("org.lifeboat."))) continue;
            b.append("    ").append(e.getKey().getName()).append(' ').append(e.getKey().getState()).append('\n');
            for (int i = 0; i < Math.min(8, e.getValue().length); i++) b.append("        at ").append(e.getValue()[i]).append('\n');
        }
        return b.toString();
    }

    private static String newestJob(ServeFixture f) throws Exception {
        List<JobRun> r = f.service.jobs().recent(null, null, 1);
        return r.isEmpty() ? "" : r.getFirst().id();
    }

    private static Sample sample(double t, long backups) throws IOException, InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(10);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long old = -1;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && (p.getName().contains("Old") || p.getName().contains("Tenured"))
                    && p.getCollectionUsage() != null) {
                old = p.getCollectionUsage().getUsed();
            }
        }
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        int fds;
        try (Stream<Path> l = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) l.count() - 1; // less the listing's own
        }
        return new Sample(t, heap, old, threads, fds, backups, true);
    }

    /** The least-squares slope of heap over time, in bytes a second. */
    static double slope(List<Sample> s) {
        double n = s.size(), mt = 0, mh = 0;
        for (Sample x : s) {
            mt += x.t();
            mh += x.heap();
        }
        mt /= n;
        mh /= n;
        double num = 0, den = 0;
        for (Sample x : s) {
            num += (x.t() - mt) * (x.heap() - mh);
            den += (x.t() - mt) * (x.t() - mt);
        }
        if (den == 0) fail("the samples are all at one time");
        return num / den;
    }
}
