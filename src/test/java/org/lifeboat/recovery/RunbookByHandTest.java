package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.apps.DbConnection;
import org.lifeboat.apps.MySql;
import org.lifeboat.apps.Postgres;
import org.lifeboat.apps.Server;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.ShopServers;
import org.lifeboat.testutil.Proc;
import org.lifeboat.testutil.Run;

/**
 * The runbook followed literally: a plan with a files system, a PostgreSQL and a MariaDB system
 * (real throwaway servers, as in DatabaseRecoveryTest) is backed up; the runbook for the alternate
 * site (new servers in empty folders, a root folder whose name has a space) is generated, its
 * "by hand" commands are cut out of the Markdown and run in order in bash, from an unrelated
 * folder, as the user the tests run as (root on the test machine); then the data must be back
 * and the runbook's own "check it" commands must say so.
 */
class RunbookByHandTest {
    private static final Duration T = Duration.ofSeconds(90);
    @TempDir
    static Path dir;
    static Server pg;
    static Server maria;
    static final List<Server> byHand = new ArrayList<>();

    @BeforeAll
    static void servers() throws Exception {
        // The servers run as the postgres and mysql users when we are root: they must reach their folders.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        PlanRuns.initRepository(dir);
        pg = ShopServers.postgresShop(dir.resolve("pg-prod"));
        maria = ShopServers.mariaCrm(dir.resolve("my-prod"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Server s : byHand) {
            if (s.running()) s.stop(T);
        }
        if (pg != null) pg.stop(T);
        if (maria != null) maria.stop(T);
    }

    @Test
    void theByHandCommandsOfTheRunbookRecoverFilesPostgresAndMariadb() throws Exception {
        Path prod = dir.resolve("prod");
        Files.createDirectories(prod.resolve("srv/share/docs"));
        Files.writeString(prod.resolve("srv/share/index.txt"), "shared files\n");
        Files.writeString(prod.resolve("srv/share/docs/plan.txt"), "the plan\n");
        int pgAlt = PlanRuns.freePort(), myAlt = PlanRuns.freePort();
        Path pgDir = dir.resolve("alt/pg"), myDir = dir.resolve("alt/my");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                name: shop
                repositories: { local: { url: repo, password-file: password } }
                sites:
                  primary:   { root: prod, pg_port: %d, pg_dir: "", my_port: %d, my_dir: "" }
                  alternate: { root: "dr site", pg_port: %d, pg_dir: "%s", my_port: %d, my_dir: "%s" }
                default-site: primary
                state-dir: state
                systems:
                  database:
                    rpo: 15m
                    rto: 20m
                    backup: { repository: local, sources: [ { postgres: { port: %d, user: postgres, databases: [shop] } } ] }
                    restore:
                      - postgres: { port: "${pg_port}", user: postgres, databases: [shop], create-server: "${pg_dir}" }
                    verify:
                      - sql: { port: "${pg_port}", user: postgres, database: shop, query: "select count(*) from orders", expect: "= 3" }
                  crm:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { mysql: { host: 127.0.0.1, port: %d, user: root, databases: [crm] } } ] }
                    restore:
                      - mysql: { port: "${my_port}", user: root, create-server: "${my_dir}" }
                    verify:
                      - sql: { port: "${my_port}", user: root, database: crm, query: "select count(*) from customers", expect: "= 2" }
                  files:
                    rpo: 1h
                    rto: 30m
                    backup: { repository: local, sources: [ { path: prod/srv/share } ] }
                    restore:
                      - path: { from: prod/srv/share, to: "${root}/srv/share" }
                    verify:
                      - command: "test -s '${root}/srv/share/index.txt'"
                """.formatted(pg.port(), maria.port(), pgAlt, pgDir, myAlt, myDir, pg.port(), maria.port()));
        PlanRuns.lifeboat(plan, "plan", "validate").ok();
        PlanRuns.lifeboat(plan, "backup", "--all").ok();

        Run rb = PlanRuns.lifeboat(plan, "runbook", "--site", "alternate");
        rb.ok();
        Map<String, String> byHandBlocks = blocks(rb.out(), "**By hand**");
        Map<String, String> checkBlocks = blocks(rb.out(), "**Check it**");
        assertThat(byHandBlocks).containsOnlyKeys("database", "crm", "files");

        Path bin = lifeboatOnPath();
        Path elsewhere = Files.createDirectories(dir.resolve("somewhere else"));
        String script = "set -e -o pipefail\n" + String.join("\n", byHandBlocks.values()) + "\n";
        Files.writeString(dir.resolve("by-hand.sh"), script); // for a look when it fails
        Run r;
        try {
            r = bash(script, bin, elsewhere);
        } finally {
            // Whatever the commands started is stopped afterwards, also when they failed half-way.
            long pgPid = pid(pgDir.resolve("postmaster.pid")), myPid = pid(myDir.resolve("mysqld.pid"));
            if (pgPid > 0) byHand.add(new Server(Server.POSTGRES, pgDir, pgAlt, pgPid));
            if (myPid > 0) byHand.add(new Server(Server.MYSQL, myDir, myAlt, myPid));
        }
        assertThat(r.exit()).as("the runbook's commands:\n%s\n%s", script, r).isZero();

        // The data is back where the plan says: in the new servers and under the alternate root.
        assertThat(Postgres.locate().query(DbConnection.local(pgAlt, "postgres", null), "shop",
                "select string_agg(item, ',' order by id) from orders", T)).isEqualTo("boat,oar,life vest");
        assertThat(MySql.locate().query(DbConnection.local(myAlt, "root", null), "crm",
                "select group_concat(name order by id) from customers", T)).isEqualTo("Ann,Bo");
        Path share = dir.resolve("dr site/srv/share");
        assertThat(Files.readString(share.resolve("index.txt"))).isEqualTo("shared files\n");
        assertThat(Files.readString(share.resolve("docs/plan.txt"))).isEqualTo("the plan\n");
        // The server started by hand is the one Lifeboat would start: its data where Lifeboat keeps it.
        assertThat(myDir.resolve("data/mysql")).isDirectory();

        // And the runbook's checks, run the same way, see it.
        Run checks = bash("set -e -o pipefail\n" + String.join("\n", checkBlocks.values()) + "\n", bin, elsewhere);
        assertThat(checks.exit()).as(checks.toString()).isZero();
        assertThat(checks.out().lines().toList()).contains("3", "2");
    }

    /** Each system's code block that follows the paragraph starting with {@code marker}, by system name. */
    static Map<String, String> blocks(String markdown, String marker) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher sections = Pattern.compile("(?m)^### 4\\.\\d+ (\\S+) \\(wave \\d+\\)$").matcher(markdown);
        List<int[]> starts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (sections.find()) {
            starts.add(new int[] {sections.start()});
            names.add(sections.group(1));
        }
        for (int i = 0; i < names.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] : markdown.length();
            String section = markdown.substring(starts.get(i)[0], end);
            int at = section.indexOf("\n" + marker);
            if (at < 0) continue;
            Matcher code = Pattern.compile("(?s)```(?:bash|sh)\\n(.*?)\\n```").matcher(section);
            if (code.find(at)) out.put(names.get(i), code.group(1));
        }
        return out;
    }

    /** A folder with a {@code lifeboat} command (this build's classes), as an installed Lifeboat would be. */
    private static Path lifeboatOnPath() throws Exception {
        return lifeboatOnPath(dir);
    }

    /** As {@link #lifeboatOnPath()}, in {@code in}/bin. */
    static Path lifeboatOnPath(Path in) throws Exception {
        Path bin = Files.createDirectories(in.resolve("bin"));
        Path launcher = bin.resolve("lifeboat");
        String cmd = Cli.command().stream().map(Runbook::q).collect(Collectors.joining(" "));
        Files.writeString(launcher, "#!/bin/sh\nexec " + cmd + " \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    static Run bash(String script, Path bin, Path cwd) {
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"));
        return Proc.run(List.of("bash", "-c", script), env, cwd, null, 300);
    }

    private static long pid(Path pidFile) throws Exception {
        if (!Files.exists(pidFile)) return -1;
        String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").strip();
        return first.isEmpty() ? -1 : Long.parseLong(first);
    }
}
