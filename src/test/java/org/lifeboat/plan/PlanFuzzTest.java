package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of the README's example plan: whatever the file holds, the loader answers with
 * problems (each with a message) or a plan, never another exception, and never hangs. The seed of
 * a failing case is in the failure message; the run is bounded in time, not in cases.
 */
class PlanFuzzTest {
    /** The README's example plan, as users copy it. */
    private static final String README_PLAN = """
            name: shop
            repositories:
              local: { url: /var/backups/lifeboat, password-file: /etc/lifeboat/password }   # or password-env: VAR
            sites:                                   # each site is a set of variables
              primary:   { root: /,       pg_port: 5432, pg_dir: "",        web_port: 8080 }
              alternate: { root: /srv/dr, pg_port: 6432, pg_dir: /srv/dr/pg, web_port: 18080 }
              sandbox:   { root: "${temp-dir}", pg_port: "${free-port}", pg_dir: "${temp-dir}", web_port: "${free-port}" }
            default-site: primary
            state-dir: /var/lib/lifeboat             # logs of started services (default as shown when root)
            systems:
              database:
                owner: Dana (DBA)
                contact: [dana@example.com, "+49 30 1234"]
                rpo: 15m
                rto: 20m
                backup:
                  repository: local
                  sources:
                    - postgres: { host: 127.0.0.1, port: 5432, user: backup, password-file: /etc/lifeboat/pg, databases: [shop] }
                  before: [ "systemctl stop shop-worker" ]          # hooks, e.g. to quiesce an application
                  after:  [ "systemctl start shop-worker" ]         # run even when the backup failed
                restore:
                  - postgres: { port: "${pg_port}", user: postgres, databases: [shop], create-server: "${pg_dir}" }
                verify:
                  - sql: { port: "${pg_port}", database: shop, query: "select count(*) from orders", expect: ">= 1" }
              files:
                rpo: 1h
                rto: 30m
                backup: { repository: local, sources: [ { path: /srv/share, exclude: ["*.tmp"] } ] }
                restore:
                  - path: { from: /srv/share, to: "${root}/srv/share" }
                verify:
                  - command: "test -s ${root}/srv/share/index.txt"
                  - files: { sample: 10% }                          # restored files match the snapshot
              webapp:
                depends-on: [database, files]
                rpo: 24h
                rto: 40m
                backup: { repository: local, sources: [ { path: /opt/webapp }, { command: { run: "crontab -l", filename: crontab } } ] }
                restore:
                  - path: { from: /opt/webapp, to: "${root}/opt/webapp" }
                  - command: { run: "${root}/opt/webapp/start.sh --port ${web_port}", background: true, timeout: 2m }
                verify:
                  - http: { url: "http://127.0.0.1:${web_port}/health", status: 200, body: ok, within: 60s }
            """;

    private static final String[] PUNCTUATION = {":", "-", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "'", "\"",
            "#", "%", "@", "`", "?", "${", "}", "$${", "\n", "  ", "\t", "---\n", "...\n", "<<: ", "!!binary ", "\\"};
    private static final String[] ODD = {"\u0000", "\u0085", "\u2028", "\uFEFF", "\uD83D\uDE00", "\uD800", "\u00e9",
            "\u202E", "\u0007", "\r", "\r\n", "\uFFFF", "ﬀ", "İ", "\u00a0"};
    private static final String[] NUMBERS = {"0", "-1", "65536", "99999999999999999999", "1e400", "0x1F", "-0", "1.5",
            "9223372036854775807s", "99999999999999999d", "0s", "1ms", ".inf", "NaN", "100%", "0%", "-5m"};

    @TempDir
    Path dir;

    @Test
    void mutatedPlansGiveProblemsOrAPlanAndNothingElse() {
        Path file = dir.resolve(PlanLoader.FILE_NAME);
        long budgetNanos = Duration.ofSeconds(8).toNanos();
        String[] current = {""};
        long[] seed = {0};
        int[] cases = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            long start = System.nanoTime();
            for (long s = 1; System.nanoTime() - start < budgetNanos; s++) {
                seed[0] = s;
                Random r = new Random(s);
                current[0] = mutate(r);
                byte[] bytes = current[0].getBytes(StandardCharsets.UTF_8); // a lone surrogate becomes '?'
                if (r.nextInt(8) == 0 && bytes.length > 0) bytes[r.nextInt(bytes.length)] = (byte) (0x80 + r.nextInt(128)); // not UTF-8
                Files.write(file, bytes);
                check(file);
                cases[0]++;
            }
        }, () -> "seed " + seed[0] + " hung; the file:\n" + current[0]);
        assertThat(cases[0]).as("cases run").isGreaterThan(50);
    }

    @Test
    void theExampleItselfLoadsInEverySite() throws Exception {
        Path file = dir.resolve(PlanLoader.FILE_NAME);
        Files.writeString(file, README_PLAN);
        assertThat(PlanLoader.validate(file)).noneMatch(Problem::isError);
        for (String site : List.of("primary", "alternate", "sandbox")) {
            assertThat(PlanLoader.load(file, site, PlanLoader.Generators.placeholders()).systems()).hasSize(3);
        }
    }

    /** Validation and loading each end in problems or a plan; anything else fails with the seed. */
    private static void check(Path file) throws Exception {
        try {
            List<Problem> ps = PlanLoader.validate(file);
            for (Problem p : ps) assertThat(p.message()).isNotBlank();
        } catch (PlanException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
        for (String site : new String[] {null, "alternate", "sandbox"}) {
            try {
                Plan plan = PlanLoader.load(file, site, PlanLoader.Generators.placeholders());
                // What the CLI does next with a valid plan must work too.
                Graph.waves(plan.systems(), List.copyOf(plan.systems().keySet()));
                Graph.criticalPath(plan.systems(), List.copyOf(plan.systems().keySet()), s -> plan.system(s).rto());
            } catch (PlanException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        }
    }

    /** One to eight edits of the example; some kinds make the file large or deep. */
    static String mutate(Random r) {
        StringBuilder b = new StringBuilder(README_PLAN);
        int edits = 1 + r.nextInt(8);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length() + 1);
            switch (r.nextInt(10)) {
                case 0, 1 -> b.delete(at, Math.min(b.length(), at + 1 + r.nextInt(12)));
                case 2, 3 -> b.insert(at, PUNCTUATION[r.nextInt(PUNCTUATION.length)]);
                case 4 -> b.insert(at, ODD[r.nextInt(ODD.length)]);
                case 5 -> replaceValue(b, r, NUMBERS[r.nextInt(NUMBERS.length)]);
                case 6 -> { // deep nesting, in flow or block style
                    int depth = 1 + r.nextInt(200);
                    String open = r.nextBoolean() ? "[".repeat(depth) : "{a: ".repeat(depth);
                    String close = open.startsWith("[") ? "]".repeat(depth) : "}".repeat(depth);
                    replaceValue(b, r, open + "x" + close);
                }
                case 7 -> { // an anchor on one value, aliases of it elsewhere, maybe of each other
                    int n = 1 + r.nextInt(30);
                    b.append("x0: &a0 [x, y]\n");
                    for (int k = 1; k <= n; k++) b.append("x").append(k).append(": &a").append(k).append(" [*a").append(k - 1)
                            .append(", *a").append(k - 1).append("]\n");
                    replaceValue(b, r, "*a" + r.nextInt(n + 2));
                }
                case 8 -> { // a block moved under another indentation
                    int line = b.lastIndexOf("\n", at);
                    b.insert(line + 1, " ".repeat(r.nextInt(6)));
                }
                default -> { // long lists and many keys
                    int n = r.nextInt(2000);
                    StringBuilder l = new StringBuilder("[");
                    for (int k = 0; k < n; k++) l.append(k == 0 ? "" : ", ").append(r.nextBoolean() ? "s" + k : "${root}");
                    replaceValue(b, r, l.append("]").toString());
                }
            }
        }
        return b.toString();
    }

    /** Replaces the text after a random ": " up to the end of its line (or inserts at the end). */
    private static void replaceValue(StringBuilder b, Random r, String value) {
        int from = b.indexOf(": ", r.nextInt(Math.max(1, b.length())));
        if (from < 0) {
            b.append("\nkey: ").append(value).append('\n');
            return;
        }
        int end = b.indexOf("\n", from);
        b.replace(from + 2, end < 0 ? b.length() : end, value);
    }
}
