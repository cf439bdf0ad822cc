package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a drill can run (brk13 #20): {@code plan validate} warns, at the place to fix, when no
 * drill of the plan's systems can run (no sandbox site, or the sandbox is the default site), and
 * {@link DrillSite#refusal(Plan, String)}, which the service's API and its drill job ask, says the
 * same and more (a sandbox the plan cannot be resolved for).
 */
class DrillSiteTest {
    @TempDir
    Path dir;

    private static final String SYSTEMS = """
            systems:
              files:
                rpo: 1h
                rto: 30m
                description: "files on ${where}"
                backup: { repository: local, sources: [ { path: /srv/files } ] }
              db:
                rpo: 1h
                rto: 30m
            """;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, "repositories:\n  local: { url: /backups, password-file: /etc/pw }\n" + yaml);
        return f;
    }

    private static List<Problem> drillWarnings(Path f) throws Exception {
        List<Problem> all = PlanLoader.validate(f);
        assertThat(all).noneMatch(Problem::isError);
        return all.stream().filter(p -> p.message().startsWith("no drill of")).toList();
    }

    private static String where(Problem p) {
        return p.line() + ":" + p.column();
    }

    @Test
    void theOnlySiteBeingTheSandboxIsWarnedAtThatSite() throws Exception {
        Path f = write("sites:\n  sandbox: { root: \"${temp-dir}\", where: here }\n" + SYSTEMS);
        assertThat(drillWarnings(f)).singleElement().satisfies(p -> {
            assertThat(p.isError()).isFalse();
            assertThat(where(p)).isEqualTo("4:3");
            assertThat(p.message()).isEqualTo("no drill of systems files, db can run: site 'sandbox' is the plan's default site, where"
                    + " a recovery runs for real, and a drill never runs in production; add a site for production and name it in"
                    + " default-site");
            assertThat(p.toString()).startsWith(f + ":4:3: warning: no drill of systems files, db can run");
        });
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        assertThat(DrillSite.refusal(plan, "files")).isEqualTo("no drill of system 'files' can run: site 'sandbox' is the plan's"
                + " default site, where a recovery runs for real, and a drill never runs in production; add a site for production"
                + " and name it in default-site");
        assertThat(DrillSite.refusal(plan, "nosuch")).isEqualTo("there is no system 'nosuch' in " + plan.file());
    }

    @Test
    void aDefaultSiteNamingTheSandboxIsWarnedAtDefaultSite() throws Exception {
        Path f = write("sites:\n  primary: { where: prod }\n  sandbox: { root: \"${temp-dir}\", where: here }\n"
                + "default-site: sandbox\n" + SYSTEMS);
        assertThat(drillWarnings(f)).singleElement().satisfies(p -> {
            assertThat(where(p)).isEqualTo("6:15");
            assertThat(p.message()).endsWith("a drill never runs in production; name the production site in default-site");
        });
        // the sandbox first and no default-site: the first site is the default
        Path first = write("sites:\n  sandbox: { root: \"${temp-dir}\", where: here }\n  dr: { where: dr }\n" + SYSTEMS);
        assertThat(drillWarnings(first)).singleElement().extracting(DrillSiteTest::where).isEqualTo("4:3");
    }

    @Test
    void noSandboxSiteIsWarnedAtSitesOrAtSystems() throws Exception {
        Path f = write("sites:\n  primary: { where: prod }\n" + SYSTEMS);
        assertThat(drillWarnings(f)).singleElement().satisfies(p -> {
            assertThat(where(p)).isEqualTo("3:1");
            assertThat(p.message()).isEqualTo("no drill of systems files, db can run: the plan has no site 'sandbox' to drill in; add"
                    + " one whose folders and ports are generated, e.g. sandbox: { root: \"${temp-dir}\" }");
        });
        Path none = write(SYSTEMS.replace("files on ${where}", "files"));
        assertThat(drillWarnings(none)).singleElement().extracting(DrillSiteTest::where).isEqualTo("3:1");
    }

    @Test
    void aSandboxThatIsNotTheDefaultSiteIsNoWarning() throws Exception {
        Path f = write("sites:\n  primary: { where: prod }\n  sandbox: { root: \"${temp-dir}\", where: here }\n" + SYSTEMS);
        assertThat(drillWarnings(f)).isEmpty();
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        assertThat(DrillSite.refusal(plan)).isNull();
        assertThat(DrillSite.refusal(plan, "files")).isNull();
    }

    @Test
    void aSandboxThePlanCannotBeResolvedForIsRefusedByTheRefusalNotByValidate() throws Exception {
        Path f = write("sites:\n  primary: { where: prod }\n  sandbox: { root: \"${temp-dir}\" }\n" + SYSTEMS);
        // validate says it as the missing variable, at its use
        assertThat(drillWarnings(f)).isEmpty();
        assertThat(PlanLoader.validate(f)).anySatisfy(p -> assertThat(p.message()).contains("site sandbox does not define ${where}"));
        Plan plan = PlanLoader.load(f, null, PlanLoader.Generators.placeholders());
        assertThat(DrillSite.refusal(plan)).isNull();
        assertThat(DrillSite.refusal(plan, "db")).isEqualTo("no drill of system 'db' can run: the plan cannot be resolved for site"
                + " 'sandbox': " + f + ":10:18: error: site 'sandbox' has no variable ${where}");
        // the file as it is now is what a drill reads: fixed on disk, the refusal is gone
        Files.writeString(f, Files.readString(f).replace("sandbox: { root: \"${temp-dir}\" }",
                "sandbox: { root: \"${temp-dir}\", where: here }"));
        assertThat(DrillSite.refusal(plan, "db")).isNull();
    }
}
