package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanLoaderTest {
    /** The example of the specification, verbatim: the file format is a public contract. */
    static final String EXAMPLE = """
            repositories:
              local:
                url: /var/backups/lifeboat
                password-file: /etc/lifeboat/password
            sites:
              primary:   { root: /,       pg_port: 5432, web_port: 8080 }
              alternate: { root: /srv/dr, pg_port: 6432, web_port: 18080, pg_dir: /srv/dr/pg }
            default-site: primary
            systems:
              database:
                rpo: 15m
                rto: 20m
                backup:
                  repository: local
                  sources:
                    - postgres: { host: 127.0.0.1, port: 5432, user: backup, databases: [shop] }
                restore:
                  - postgres: { host: 127.0.0.1, port: "${pg_port}", user: postgres, databases: [shop] }
                verify:
                  - sql: { host: 127.0.0.1, port: "${pg_port}", user: postgres, database: shop,
                           query: "select count(*) from orders", expect: ">= 1" }
              files:
                rpo: 1h
                rto: 30m
                backup:
                  repository: local
                  sources: [ { path: /srv/share, exclude: ["*.tmp"] } ]
                restore:
                  - path: { from: /srv/share, to: "${root}/srv/share" }
                verify:
                  - command: "test -s ${root}/srv/share/index.txt"
              webapp:
                depends-on: [database, files]
                rpo: 24h
                rto: 10m
                backup: { repository: local, sources: [ { path: /opt/webapp } ] }
                restore:
                  - path: { from: /opt/webapp, to: "${root}/opt/webapp" }
                  - command: { run: "${root}/opt/webapp/start.sh --port ${web_port}", background: true }
                verify:
                  - http: { url: "http://127.0.0.1:${web_port}/health", status: 200, within: 60s }
            """;

    /** The head of the small files below: one repository, then the systems from line 3 on. */
    private static final String HEAD = """
            repositories:
              local: { url: /backups }
            systems:
            """;

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve(PlanLoader.FILE_NAME);
        Files.writeString(f, yaml);
        return f;
    }

    private static List<Problem> errors(List<Problem> ps) {
        return ps.stream().filter(Problem::isError).toList();
    }

    private static List<Problem> warnings(List<Problem> ps) {
        return ps.stream().filter(p -> !p.isError()).toList();
    }

    /** The one error of the file; fails listing them all when there are more or none. */
    private Problem onlyError(String yaml) throws Exception {
        List<Problem> all = PlanLoader.validate(write(yaml));
        assertThat(errors(all)).as("errors of %s", all).hasSize(1);
        return errors(all).get(0);
    }

    private static void assertAt(Problem p, int line, int column) {
        assertThat(p.line()).as("line of %s", p).isEqualTo(line);
        assertThat(p.column()).as("column of %s", p).isEqualTo(column);
    }

    // ------------------------------------------------------------------------------ the example

    @Test
    void exampleLoadsForThePrimarySite() throws Exception {
        Plan plan = PlanLoader.load(write(EXAMPLE), null, PlanLoader.Generators.placeholders());

        assertThat(plan.site()).isEqualTo("primary");
        assertThat(plan.defaultSite()).isEqualTo("primary");
        assertThat(plan.sites()).containsOnlyKeys("primary", "alternate");
        assertThat(plan.systems()).containsOnlyKeys("database", "files", "webapp");
        assertThat(plan.repositories().get("local"))
                .isEqualTo(new Plan.RepositorySpec("local", "/var/backups/lifeboat", "/etc/lifeboat/password", null));
        assertThat(plan.variables()).containsEntry("root", "/").containsEntry("pg_port", "5432").containsEntry("web_port", "8080");

        SystemSpec db = plan.system("database");
        assertThat(db.rpo()).isEqualTo(Duration.ofMinutes(15));
        assertThat(db.rto()).isEqualTo(Duration.ofMinutes(20));
        assertThat(db.dependsOn()).isEmpty();
        assertThat(db.backup().repository()).isEqualTo("local");
        assertThat(db.backup().sources()).containsExactly(new Source.PostgresSource(
                new DbSpec("127.0.0.1", 5432, "backup", null, null), List.of("shop"), true));
        Step.DatabaseStep load = (Step.DatabaseStep) db.restore().get(0);
        assertThat(load.engine()).isEqualTo("postgres");
        assertThat(load.db()).isEqualTo(new DbSpec("127.0.0.1", 5432, "postgres", null, null));
        assertThat(load.databases()).containsExactly("shop");
        assertThat(load.createServer()).isEmpty();
        assertThat(load.timeout()).isEqualTo(Duration.ofHours(1));
        Check.SqlCheck sql = (Check.SqlCheck) db.verify().get(0);
        assertThat(sql.engine()).as("the engine of the system's own database").isEqualTo("postgres");
        assertThat(sql.db().port()).isEqualTo(5432);
        assertThat(sql.database()).isEqualTo("shop");
        assertThat(sql.query()).isEqualTo("select count(*) from orders");
        assertThat(sql.expect()).isEqualTo(">= 1");
        assertThat(sql.within()).isEqualTo(Duration.ofSeconds(30));

        SystemSpec files = plan.system("files");
        assertThat(files.backup().sources()).containsExactly(new Source.PathSource("/srv/share", List.of("*.tmp"), false));
        assertThat(files.restore()).containsExactly(
                new Step.PathStep("/srv/share", "/srv/share", List.of(), List.of(), "if-changed", Duration.ofHours(1)));
        assertThat(files.verify()).containsExactly(
                new Check.CommandCheck("test -s /srv/share/index.txt", Duration.ofSeconds(30)));

        SystemSpec web = plan.system("webapp");
        assertThat(web.dependsOn()).containsExactly("database", "files");
        assertThat(web.rpo()).isEqualTo(Duration.ofHours(24));
        assertThat(web.rto()).isEqualTo(Duration.ofMinutes(10));
        assertThat(web.backup().sources()).containsExactly(new Source.PathSource("/opt/webapp", List.of(), false));
        assertThat(web.restore()).containsExactly(
                new Step.PathStep("/opt/webapp", "/opt/webapp", List.of(), List.of(), "if-changed", Duration.ofHours(1)),
                new Step.CommandStep("/opt/webapp/start.sh --port 8080", true, Duration.ofMinutes(10)));
        assertThat(web.verify()).containsExactly(
                new Check.HttpCheck("http://127.0.0.1:8080/health", 200, null, Duration.ofSeconds(60)));
        assertThat(web.drillEvery()).isEqualTo(Duration.ofDays(30));

        // the RTO warnings (below), and that no drill can run: the example has no sandbox site
        assertThat(plan.warnings()).hasSize(3);
        assertThat(plan.warnings().getFirst().message()).startsWith("no drill of systems database, files, webapp can run:"
                + " the plan has no site 'sandbox' to drill in");
        assertThat(plan.hash()).hasSize(64);
        assertThat(plan.file()).isEqualTo(dir.resolve(PlanLoader.FILE_NAME).toAbsolutePath().normalize());
    }

    @Test
    void exampleLoadsForTheAlternateSite() throws Exception {
        Plan plan = PlanLoader.load(write(EXAMPLE), "alternate", PlanLoader.Generators.placeholders());

        assertThat(plan.site()).isEqualTo("alternate");
        assertThat(plan.variables()).containsEntry("root", "/srv/dr").containsEntry("pg_dir", "/srv/dr/pg");
        assertThat(((Step.DatabaseStep) plan.system("database").restore().get(0)).db().port()).isEqualTo(6432);
        assertThat(((Check.SqlCheck) plan.system("database").verify().get(0)).db().port()).isEqualTo(6432);
        // Backups still read the primary's paths; restores go under the alternate root.
        assertThat(((Step.PathStep) plan.system("files").restore().get(0)).from()).isEqualTo("/srv/share");
        assertThat(((Step.PathStep) plan.system("files").restore().get(0)).to()).isEqualTo("/srv/dr/srv/share");
        assertThat(plan.system("files").verify()).containsExactly(
                new Check.CommandCheck("test -s /srv/dr/srv/share/index.txt", Duration.ofSeconds(30)));
        assertThat(((Step.PathStep) plan.system("webapp").restore().get(0)).to()).isEqualTo("/srv/dr/opt/webapp");
        assertThat(((Step.CommandStep) plan.system("webapp").restore().get(1)).run())
                .isEqualTo("/srv/dr/opt/webapp/start.sh --port 18080");
        assertThat(((Check.HttpCheck) plan.system("webapp").verify().get(0)).url()).isEqualTo("http://127.0.0.1:18080/health");
    }

    @Test
    void exampleValidatesWithTheRtoWarningsAndThatItHasNoDrillSite() throws Exception {
        List<Problem> all = PlanLoader.validate(write(EXAMPLE));

        assertThat(errors(all)).isEmpty();
        assertThat(all).hasSize(3);
        // At "sites:" (line 5, column 1): no site 'sandbox', so no drill can run.
        assertAt(all.get(0), 5, 1);
        assertThat(all.get(0).message()).isEqualTo("no drill of systems database, files, webapp can run: the plan has no site"
                + " 'sandbox' to drill in; add one whose folders and ports are generated, e.g. sandbox: { root: \"${temp-dir}\" }");
        all = all.subList(1, 3);
        // Both at webapp's "rto: 10m" (line 35, column 10), one per slower dependency.
        for (Problem w : all) assertAt(w, 35, 10);
        assertThat(all.get(0).message()).contains("'webapp'", "rto 10m", "'database'", "rto 20m");
        assertThat(all.get(1).message()).contains("'webapp'", "rto 10m", "'files'", "rto 30m");
        assertThat(all.get(0).toString()).startsWith(dir.resolve(PlanLoader.FILE_NAME) + ":35:10: warning: ");
    }

    @Test
    void unknownSiteIsRefused() throws Exception {
        Path f = write(EXAMPLE);
        assertThatThrownBy(() -> PlanLoader.load(f, "moon", PlanLoader.Generators.placeholders()))
                .isInstanceOf(PlanException.class).hasMessageContaining("no site 'moon'")
                .hasMessageContaining("primary, alternate");
    }

    @Test
    void defaultsFillWhatIsLeftOut() throws Exception {
        Plan plan = PlanLoader.load(write(HEAD + """
                  db:
                    rpo: 15m
                    rto: 1h
                    backup:
                      sources:
                        - postgres: { databases: [shop] }
                        - mysql: {}
                    restore:
                      - postgres: {}
                      - mysql: { host: db2 }
                      - path: { from: /a, to: /b }
                      - command: "echo up"
                    verify:
                      - sql: { query: "select 1" }
                      - tcp: { port: 5432 }
                      - http: { url: "http://127.0.0.1/" }
                      - files:
                """), null, PlanLoader.Generators.placeholders());

        SystemSpec db = plan.system("db");
        assertThat(db.backup().repository()).as("the only repository").isEqualTo("local");
        assertThat(db.backup().sources()).containsExactly(
                new Source.PostgresSource(new DbSpec("127.0.0.1", 5432, "postgres", null, null), List.of("shop"), true),
                new Source.MysqlSource(new DbSpec("127.0.0.1", 3306, "root", null, null), List.of()));
        assertThat(db.restore()).containsExactly(
                new Step.DatabaseStep("postgres", new DbSpec("127.0.0.1", 5432, "postgres", null, null), List.of(), "", true,
                        Duration.ofHours(1)),
                new Step.DatabaseStep("mysql", new DbSpec("db2", 3306, "root", null, null), List.of(), "", false,
                        Duration.ofHours(1)),
                new Step.PathStep("/a", "/b", List.of(), List.of(), "if-changed", Duration.ofHours(1)),
                new Step.CommandStep("echo up", false, Duration.ofMinutes(10)));
        assertThat(db.verify()).containsExactly(
                new Check.SqlCheck("postgres", new DbSpec("127.0.0.1", 5432, "postgres", null, null), "postgres", "select 1",
                        ">= 1", Duration.ofSeconds(30)),
                new Check.TcpCheck("127.0.0.1", 5432, Duration.ofSeconds(30)),
                new Check.HttpCheck("http://127.0.0.1/", 200, null, Duration.ofSeconds(30)),
                new Check.FilesCheck(List.of(), 1.0, Duration.ofSeconds(30)));
        assertThat(plan.site()).isNull();
        // only that no drill can run: a plan without sites has no sandbox (said at "systems:")
        assertThat(plan.warnings()).singleElement().satisfies(w -> {
            assertAt(w, 3, 1);
            assertThat(w.message()).startsWith("no drill of system 'db' can run: the plan has no site 'sandbox'");
        });
    }

    @Test
    void sqlCheckTalksMysqlToAMysqlSystem() throws Exception {
        Plan plan = PlanLoader.load(write(HEAD + """
                  shop:
                    rpo: 15m
                    rto: 1h
                    restore:
                      - mysql: { databases: [shop] }
                    verify:
                      - sql: { database: shop, query: "select count(*) from orders" }
                """), null, PlanLoader.Generators.placeholders());
        Check.SqlCheck c = (Check.SqlCheck) plan.system("shop").verify().get(0);
        assertThat(c.engine()).isEqualTo("mysql");
        assertThat(c.db()).isEqualTo(new DbSpec("127.0.0.1", 3306, "root", null, null));
    }

    // ------------------------------------------------------------------------------ one test per error

    @Test
    void unknownKeySuggestsTheNearestOne() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    rpoo: 1h
                """);
        assertAt(p, 7, 5);
        assertThat(p.message()).isEqualTo("unknown key 'rpoo' in system 'db' (did you mean 'rpo'?)");
        assertThat(p.toString()).isEqualTo(dir.resolve(PlanLoader.FILE_NAME) + ":7:5: error: " + p.message());
    }

    @Test
    void unknownTopLevelKeySuggestsToo() throws Exception {
        Problem p = onlyError(HEAD + """
                  db: { rpo: 15m, rto: 20m }
                default-stie: primary
                """);
        assertAt(p, 5, 1);
        assertThat(p.message()).contains("unknown key 'default-stie'", "did you mean 'default-site'?");
    }

    @Test
    void wrongTypeNamesWhatWasFound() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: [1]
                """);
        assertAt(p, 6, 10);
        assertThat(p.message()).isEqualTo("rto must be a single value, not a list");
    }

    @Test
    void badDuration() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15 minutes
                    rto: 20m
                """);
        assertAt(p, 5, 10);
        assertThat(p.message()).contains("rpo must be a duration such as 30s, 15m, 4h or 1d", "'15 minutes'");
    }

    @Test
    void absurdDurationIsAnErrorNotACrash() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 99999999999999999d
                    rto: 20m
                """);
        assertAt(p, 5, 10);
        assertThat(p.message()).contains("rpo must be a duration");
    }

    @Test
    void unknownDependsOn() throws Exception {
        Problem p = onlyError(HEAD + """
                  database: { rpo: 15m, rto: 20m }
                  web:
                    depends-on: [databse]
                    rpo: 15m
                    rto: 30m
                """);
        assertAt(p, 6, 18);
        assertThat(p.message()).isEqualTo("system 'web' depends on 'databse', which is not a system (did you mean 'database'?)");
    }

    @Test
    void threeSystemCycleIsNamedInOrder() throws Exception {
        Problem p = onlyError(HEAD + """
                  a: { depends-on: [b], rpo: 1h, rto: 1h }
                  b: { depends-on: [c], rpo: 1h, rto: 1h }
                  c: { depends-on: [a], rpo: 1h, rto: 1h }
                  d: { depends-on: [a], rpo: 1h, rto: 1h }
                """);
        assertAt(p, 4, 20);
        assertThat(p.message()).contains("dependency cycle: a -> b -> c -> a");
    }

    @Test
    void selfDependency() throws Exception {
        Problem p = onlyError(HEAD + """
                  a:
                    rpo: 1h
                    rto: 1h
                    depends-on:
                      - a
                """);
        assertAt(p, 8, 9);
        assertThat(p.message()).isEqualTo("system 'a' depends on itself");
    }

    @Test
    void unknownRepository() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    backup: { repository: offsite, sources: [ { path: /srv } ] }
                """);
        assertAt(p, 7, 27);
        assertThat(p.message()).contains("unknown repository 'offsite'", "local");
    }

    @Test
    void unknownVariable() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { root: / }
                  alternate: { root: /srv/dr }
                systems:
                  db:
                    rpo: 15m
                    rto: 20m
                    verify:
                      - tcp: { port: "${pg_prot}" }
                """);
        assertAt(p, 10, 22);
        assertThat(p.message()).contains("unknown variable ${pg_prot}", "no site defines it", "primary, alternate");
    }

    @Test
    void variableMissingInOneSiteWarnsAndFailsOnlyThere() throws Exception {
        Path f = write("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { root: /, pg_port: 5432 }
                  alternate: { root: /srv/dr }
                systems:
                  db:
                    rpo: 15m
                    rto: 20m
                    verify:
                      - tcp: { port: "${pg_port}" }
                """);
        List<Problem> all = PlanLoader.validate(f);
        assertThat(errors(all)).isEmpty();
        assertThat(all).hasSize(2);
        assertThat(all.get(0).message()).startsWith("no drill of system 'db' can run"); // at "sites:" (no sandbox)
        assertAt(all.get(1), 10, 22);
        assertThat(all.get(1).message()).contains("site alternate does not define ${pg_port}");

        Plan primary = PlanLoader.load(f, "primary", PlanLoader.Generators.placeholders());
        assertThat(((Check.TcpCheck) primary.system("db").verify().get(0)).port()).isEqualTo(5432);

        PlanException e = catchThrowableOfType(PlanException.class,
                () -> PlanLoader.load(f, "alternate", PlanLoader.Generators.placeholders()));
        assertThat(errors(e.problems())).as("one error, not a cascade from the empty value").hasSize(1);
        assertAt(errors(e.problems()).get(0), 10, 22);
        assertThat(e.getMessage()).contains("site 'alternate' has no variable ${pg_port}");
    }

    @Test
    void generatorInsideASystemIsRefused() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  sandbox: { root: "${temp-dir}" }
                systems:
                  db:
                    rpo: 15m
                    rto: 20m
                    restore:
                      - path: { from: /srv, to: "${temp-dir}/srv" }
                """);
        assertAt(p, 9, 33);
        assertThat(p.message()).contains("${temp-dir} may stand only as a site variable's whole value");
    }

    @Test
    void generatorMustBeTheWholeSiteValue() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  sandbox: { root: "${temp-dir}/x", port: "${free-port}" }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 3, 20);
        assertThat(p.message()).contains("${temp-dir} must stand as the whole value of 'root'");
    }

    @Test
    void unclosedBracketPointsAtTheYaml() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    depends-on: [a, b
                  web: { rpo: 1h, rto: 1h }
                """);
        // The parser notices on the next line; the message names where the bracket was opened.
        assertAt(p, 8, 6);
        assertThat(p.message()).isEqualTo("not valid YAML: the '[' opened at line 7, column 17 is not closed"
                + " (expected ',' or ']', but got :)");
    }

    @Test
    void badIndentationPointsAtTheYaml() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                   rto: 20m
                """);
        assertAt(p, 6, 4);
        assertThat(p.message()).isEqualTo("not valid YAML: this line is indented to column 4, which lines up with no block"
                + " above it (the line before starts in column 5)");
    }

    @Test
    void duplicateKey() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    rpo: 1h
                """);
        assertAt(p, 7, 5);
        assertThat(p.message()).isEqualTo("duplicate key 'rpo' (first at line 5)");
    }

    @Test
    void missingRpo() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rto: 20m
                """);
        assertAt(p, 4, 3);
        assertThat(p.message()).startsWith("system 'db' has no rpo");
    }

    @Test
    void emptyRpoIsMissingNotZero() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo:
                    rto: 20m
                """);
        assertAt(p, 5, 5);
        assertThat(p.message()).startsWith("system 'db' has no rpo");
    }

    @Test
    void badPort() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    verify:
                      - tcp: { host: db1, port: 70000 }
                """);
        assertAt(p, 8, 33);
        assertThat(p.message()).isEqualTo("port must be a number from 1 to 65535, not '70000'");
    }

    @Test
    void badSqlExpect() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 20m
                    verify:
                      - sql:
                          query: "select count(*) from orders"
                          expect: ">= lots"
                """);
        assertAt(p, 10, 19);
        assertThat(p.message()).contains("expect '>= lots' is not a comparison");
    }

    @Test
    void everyErrorIsReportedInOneGo() throws Exception {
        List<Problem> all = PlanLoader.validate(write(HEAD + """
                  db:
                    rpo: 15m
                    rto: soon
                  web:
                    depends-on: [db, cache]
                    rpo: 1h
                    rto: 1h
                    colour: blue
                """));
        assertThat(errors(all)).extracting(p -> p.line() + ":" + p.column()).containsExactly("6:10", "8:22", "11:5");
        assertThat(errors(all).get(0).message()).contains("rto must be a duration");
        assertThat(errors(all).get(1).message()).contains("'cache', which is not a system");
        assertThat(errors(all).get(2).message()).contains("unknown key 'colour'");

        PlanException e = catchThrowableOfType(PlanException.class,
                () -> PlanLoader.load(dir.resolve(PlanLoader.FILE_NAME), null, PlanLoader.Generators.placeholders()));
        assertThat(e.getMessage().lines()).hasSize(3);
    }

    // ------------------------------------------------------------------------------ values that cannot work

    /** The one error of a system "db" (line 4) with the given lines after its rpo and rto (line 7 on). */
    private Problem onlyErrorOfDb(String lines) throws Exception {
        return onlyError(HEAD + "  db:\n    rpo: 15m\n    rto: 20m\n" + lines.stripIndent());
    }

    @Test
    void unclosedVariable() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - path: { from: /srv, to: "${root/srv" }
                """);
        assertAt(p, 8, 33);
        assertThat(p.message()).isEqualTo("'${' at character 1 of '${root/srv' is not closed: write ${name} (or $${ for a literal ${)");
    }

    @Test
    void dollarBraceAtTheEnd() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - command: "echo ${"
                """);
        assertAt(p, 8, 18);
        assertThat(p.message()).startsWith("'${' at character 6 of 'echo ${' is not closed");
    }

    @Test
    void emptyVariableName() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - command: "echo ${}"
                """);
        assertAt(p, 8, 18);
        assertThat(p.message()).isEqualTo("'${}' in 'echo ${}' names no variable: write ${name} (or $${ for a literal ${)");
    }

    @Test
    void variableNameWithSpaces() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - command: "echo ${ root }"
                """);
        assertAt(p, 8, 18);
        assertThat(p.message()).startsWith("'${ root }' is not a variable: a name holds only letters");
    }

    @Test
    void unclosedVariableInASiteValue() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { root: "${temp-dir" }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 3, 20);
        assertThat(p.message()).startsWith("'${' at character 1 of '${temp-dir' is not closed");
    }

    @Test
    void unknownGeneratorSuggestsTheNearest() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  sandbox: { root: "${tmp-dir}" }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 3, 20);
        assertThat(p.message()).isEqualTo("unknown generator ${tmp-dir} (did you mean ${temp-dir}?)");
    }

    @Test
    void siteVariableNameThatNoVariableCanName() throws Exception {
        Problem p = onlyError("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { "pg port": 5432 }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 3, 14);
        assertThat(p.message()).startsWith("site variable name 'pg port' may hold only letters");
    }

    @Test
    void emptyCommandOutputFilename() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { command: { run: "crontab -l", filename: '' } } ] }
                """);
        assertAt(p, 7, 68);
        assertThat(p.message()).isEqualTo("filename must be a plain file name, not ''");
    }

    @Test
    void emptyCommandSource() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { command: "" } ] }
                """);
        assertAt(p, 7, 37);
        assertThat(p.message()).startsWith("command is empty");
    }

    @Test
    void zeroTimeout() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - command: { run: "start.sh", timeout: 0s }
                """);
        assertAt(p, 8, 46);
        assertThat(p.message()).isEqualTo("timeout must be longer than 0s: a step with no time cannot run");
    }

    @Test
    void zeroWithin() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - tcp: { port: 5432, within: 0m }
                """);
        assertAt(p, 8, 36);
        assertThat(p.message()).startsWith("within must be longer than 0s");
    }

    @Test
    void zeroRpo() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 0s
                    rto: 20m
                """);
        assertAt(p, 5, 10);
        assertThat(p.message()).startsWith("rpo must be longer than 0s");
    }

    @Test
    void zeroRto() throws Exception {
        Problem p = onlyError(HEAD + """
                  db:
                    rpo: 15m
                    rto: 0h
                """);
        assertAt(p, 6, 10);
        assertThat(p.message()).startsWith("rto must be longer than 0s");
    }

    @Test
    void zeroDrillEvery() throws Exception {
        Problem p = onlyError(HEAD + """
                  db: { rpo: 15m, rto: 20m }
                drill-every: 0d
                """);
        assertAt(p, 5, 14);
        assertThat(p.message()).isEqualTo("drill-every must be longer than 0s: say how often drills are due, e.g. 30d");
    }

    @Test
    void durationBeyondAHundredYears() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - command: { run: "start.sh", timeout: 99999999d }
                """);
        assertAt(p, 8, 46);
        assertThat(p.message()).isEqualTo("timeout must be at most 36500d, not '99999999d'");
    }

    @Test
    void bothPasswordFileAndPasswordEnvOfARepository() throws Exception {
        Problem p = onlyError("""
                repositories:
                  local: { url: /backups, password-file: /etc/pw, password-env: PW }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 2, 51);
        assertThat(p.message()).isEqualTo("both password-file and password-env are given: say where the password is with one of them");
    }

    @Test
    void bothPasswordFileAndPasswordEnvOfADatabase() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup:
                      sources:
                        - postgres: { password-env: PGPW, password-file: /etc/pg }
                """);
        assertAt(p, 9, 43);
        assertThat(p.message()).startsWith("both password-file and password-env are given");
    }

    @Test
    void emptyPasswordFile() throws Exception {
        Problem p = onlyError("""
                repositories:
                  local: { url: /backups, password-file: "" }
                systems:
                  db: { rpo: 15m, rto: 20m }
                """);
        assertAt(p, 2, 42);
        assertThat(p.message()).isEqualTo("password-file is empty: name a file or folder, or leave password-file out");
    }

    @Test
    void passwordEnvThatIsNoVariableName() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - sql: { query: "select 1", password-env: "PG PASSWORD" }
                """);
        assertAt(p, 8, 49);
        assertThat(p.message()).startsWith("password-env 'PG PASSWORD' is not an environment variable name");
    }

    @Test
    void emptyDatabaseList() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { postgres: { databases: [] } } ] }
                """);
        assertAt(p, 7, 51);
        assertThat(p.message()).startsWith("databases is empty: name at least one database, or leave databases out");
    }

    @Test
    void emptyDatabaseName() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - mysql: { databases: [shop, ""] }
                """);
        assertAt(p, 8, 36);
        assertThat(p.message()).isEqualTo("databases holds an empty database name");
    }

    @Test
    void emptyDatabaseHost() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { mysql: { host: "" } } ] }
                """);
        assertAt(p, 7, 43);
        assertThat(p.message()).isEqualTo("host is empty: leave it out for 127.0.0.1");
    }

    @Test
    void emptyDatabaseUser() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - postgres: { user: "" }
                """);
        assertAt(p, 8, 27);
        assertThat(p.message()).isEqualTo("user is empty: leave it out for postgres");
    }

    @Test
    void emptyBackupPath() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { path: "" } ] }
                """);
        assertAt(p, 7, 34);
        assertThat(p.message()).isEqualTo("path is empty: name the folder or file to back up");
    }

    @Test
    void emptyExcludePattern() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { path: /srv, exclude: ["*.tmp", ""] } ] }
                """);
        assertAt(p, 7, 59);
        assertThat(p.message()).isEqualTo("exclude holds an empty pattern, which matches nothing");
    }

    @Test
    void emptyHook() throws Exception {
        Problem p = onlyErrorOfDb("""
                    backup: { sources: [ { path: /srv } ], before: [ "" ] }
                """);
        assertAt(p, 7, 54);
        assertThat(p.message()).isEqualTo("system 'db' before hook is empty: say which command to run");
    }

    @Test
    void emptyCommandStep() throws Exception {
        Problem p = onlyErrorOfDb("""
                    restore:
                      - command: " "
                """);
        assertAt(p, 8, 18);
        assertThat(p.message()).isEqualTo("system 'db' command step is empty: say which command to run");
    }

    @Test
    void emptyCommandCheck() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - command: ""
                """);
        assertAt(p, 8, 18);
        assertThat(p.message()).isEqualTo("system 'db' command check is empty: say which command must exit 0");
    }

    @Test
    void emptyTcpHost() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - tcp: { host: "", port: 80 }
                """);
        assertAt(p, 8, 22);
        assertThat(p.message()).isEqualTo("host is empty: leave it out for 127.0.0.1");
    }

    @Test
    void emptyHttpBody() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - http: { url: "http://127.0.0.1/", body: "" }
                """);
        assertAt(p, 8, 49);
        assertThat(p.message()).isEqualTo("body is empty: leave it out to accept any response body");
    }

    @Test
    void emptySqlDatabase() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - sql: { query: "select 1", database: "" }
                """);
        assertAt(p, 8, 45);
        assertThat(p.message()).isEqualTo("database is empty: name the database the query runs in");
    }

    @Test
    void emptyFilesCheckPath() throws Exception {
        Problem p = onlyErrorOfDb("""
                    verify:
                      - files: { paths: [""] }
                """);
        assertAt(p, 8, 26);
        assertThat(p.message()).isEqualTo("paths holds an empty path: name a restored folder");
    }

    @Test
    void emptyStateDir() throws Exception {
        Problem p = onlyError(HEAD + """
                  db: { rpo: 15m, rto: 20m }
                state-dir: ""
                """);
        assertAt(p, 5, 12);
        assertThat(p.message()).startsWith("state-dir is empty");
    }

    @Test
    void emptyPlanName() throws Exception {
        Problem p = onlyError(HEAD + """
                  db: { rpo: 15m, rto: 20m }
                name: ""
                """);
        assertAt(p, 5, 7);
        assertThat(p.message()).isEqualTo("name is empty: leave it out or name the plan");
    }

    @Test
    void missingFileIsAPlainError() {
        assertThatThrownBy(() -> PlanLoader.validate(dir.resolve("nope.yaml")))
                .isInstanceOf(PlanException.class).hasMessageContaining("does not exist");
    }

    // ------------------------------------------------------------------------------ values

    @Test
    void relativePathsAreRelativeToTheFilesFolder() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path f = conf.resolve(PlanLoader.FILE_NAME);
        Files.writeString(f, """
                state-dir: state
                repositories:
                  local: { url: ../repo, password-file: ./secret/pw }
                  remote: { url: "sftp:backup@host:/repo" }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: data/ } ] }
                    restore:
                      - path: { from: data, to: ../restored/data }
                      - postgres: { create-server: pg, password-file: pgpass }
                    verify:
                      - files: { paths: [ ../restored/data ], sample: 10% }
                """);
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        String d = dir.toAbsolutePath().normalize().toString();

        assertThat(plan.stateDir()).isEqualTo(d + "/conf/state");
        assertThat(plan.repositories().get("local")).isEqualTo(
                new Plan.RepositorySpec("local", d + "/repo", d + "/conf/secret/pw", null));
        assertThat(plan.repositories().get("remote").url()).isEqualTo("sftp:backup@host:/repo");
        SystemSpec app = plan.system("app");
        assertThat(((Source.PathSource) app.backup().sources().get(0)).path()).isEqualTo(d + "/conf/data");
        assertThat(((Step.PathStep) app.restore().get(0)).from()).isEqualTo(d + "/conf/data");
        assertThat(((Step.PathStep) app.restore().get(0)).to()).isEqualTo(d + "/restored/data");
        Step.DatabaseStep pg = (Step.DatabaseStep) app.restore().get(1);
        assertThat(pg.createServer()).isEqualTo(d + "/conf/pg");
        assertThat(pg.db().passwordFile()).isEqualTo(d + "/conf/pgpass");
        assertThat(app.verify()).containsExactly(new Check.FilesCheck(List.of(d + "/restored/data"), 0.1, Duration.ofSeconds(30)));
    }

    @Test
    void dollarDollarEscapesAVariable() throws Exception {
        Plan plan = PlanLoader.load(write("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { root: / , price: "5$$" }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - command: "echo $${HOME} is not ${root}"
                      - command: "echo $5 and $HOME stay, ${price}"
                """), null, PlanLoader.Generators.placeholders());
        List<Step> r = plan.system("app").restore();
        assertThat(((Step.CommandStep) r.get(0)).run()).isEqualTo("echo ${HOME} is not /");
        assertThat(((Step.CommandStep) r.get(1)).run()).isEqualTo("echo $5 and $HOME stay, 5$$");
    }

    @Test
    void rootSlashJoinsWithoutADoubleSlash() throws Exception {
        Plan plan = PlanLoader.load(write("""
                repositories: { local: { url: /backups } }
                sites:
                  primary: { root: / }
                  trailing: { root: /srv/dr/ }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - path: { from: /srv, to: "${root}/srv" }
                      - command: "ls ${root}/srv ${root}"
                """), null, PlanLoader.Generators.placeholders());
        assertThat(((Step.PathStep) plan.system("app").restore().get(0)).to()).isEqualTo("/srv");
        assertThat(((Step.CommandStep) plan.system("app").restore().get(1)).run()).isEqualTo("ls /srv /");
        Plan t = PlanLoader.load(dir.resolve(PlanLoader.FILE_NAME), "trailing", PlanLoader.Generators.placeholders());
        assertThat(((Step.PathStep) t.system("app").restore().get(0)).to()).isEqualTo("/srv/dr/srv");
        assertThat(((Step.CommandStep) t.system("app").restore().get(1)).run()).isEqualTo("ls /srv/dr/srv /srv/dr/");
    }

    @Test
    void realGeneratorsMakeFoldersUnderTheRootAndDistinctFreePorts() throws Exception {
        Path f = write("""
                repositories: { local: { url: /backups } }
                sites:
                  sandbox: { root: "${temp-dir}", data: "${temp-dir}", pg_port: "${free-port}", web_port: "${free-port}" }
                systems:
                  app:
                    rpo: 1h
                    rto: 1h
                    restore:
                      - path: { from: /srv, to: "${root}/srv" }
                    verify:
                      - tcp: { port: "${pg_port}" }
                      - tcp: { port: "${web_port}" }
                """);
        Path gen = dir.resolve("generated");
        Plan plan = PlanLoader.load(f, "sandbox", PlanLoader.Generators.real(gen));

        Path root = Path.of(plan.variables().get("root")), data = Path.of(plan.variables().get("data"));
        assertThat(root).isDirectory().startsWith(gen);
        assertThat(data).isDirectory().startsWith(gen).isNotEqualTo(root);
        assertThat(((Step.PathStep) plan.system("app").restore().get(0)).to()).isEqualTo(root.resolve("srv").toString());
        int pg = Integer.parseInt(plan.variables().get("pg_port")), web = Integer.parseInt(plan.variables().get("web_port"));
        assertThat(pg).isNotEqualTo(web);
        assertThat(((Check.TcpCheck) plan.system("app").verify().get(0)).port()).isEqualTo(pg);
        assertThat(((Check.TcpCheck) plan.system("app").verify().get(1)).port()).isEqualTo(web);
        for (int port : new int[] {pg, web}) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void realGeneratorNeverHandsOutThePortTwice() throws Exception {
        PlanLoader.Generators g = PlanLoader.Generators.real(dir);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) assertThat(seen.add(g.freePort("p" + i))).isTrue();
    }

    @Test
    void validationTouchesNothing() throws Exception {
        Path f = write("""
                repositories: { local: { url: /backups } }
                sites:
                  sandbox: { root: "${temp-dir}" }
                systems:
                  app: { rpo: 1h, rto: 1h, restore: [ { path: { from: /srv, to: "${root}/srv" } } ] }
                """);
        try (var s = Files.list(dir)) {
            long before = s.count();
            // (the only site is the sandbox, so it is the default site: no drill can run, which is said)
            assertThat(PlanLoader.validate(f)).singleElement().extracting(Problem::message).asString()
                    .startsWith("no drill of system 'app' can run: site 'sandbox' is the plan's default site");
            try (var t = Files.list(dir)) {
                assertThat(t.count()).isEqualTo(before);
            }
        }
    }
}
