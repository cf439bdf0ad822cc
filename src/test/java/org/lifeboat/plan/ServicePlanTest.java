package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The plan's keys for {@code lifeboat serve} (issue 13's contract): serve:, alerts:, state-db: and
 * each system's schedule: and ping:, read as written and every mistake said at its line.
 */
class ServicePlanTest {
    @TempDir
    Path dir;

    private static final String SYSTEM = """
            repositories:
              local: { url: /backups, password-file: /etc/pw }
            systems:
              files:
                rpo: 1h
                rto: 30m
                backup: { repository: local, sources: [ { path: /srv/files } ] }
            """;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("lifeboat.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private List<Problem> errors(String yaml) throws Exception {
        return PlanLoader.validate(write(yaml)).stream().filter(Problem::isError).toList();
    }

    @Test
    void theContractsExampleIsReadAsWritten() throws Exception {
        Plan p = PlanLoader.load(write("""
                serve:
                  listen: 127.0.0.1:8480
                  password-file: /etc/lifeboat/dashboard-password
                  tls: { cert: /etc/lifeboat/cert.pem, key: /etc/lifeboat/key.pem }
                state-db: postgresql://lifeboat@db.example.com/lifeboat
                alerts:
                  - webhook: { url: "https://hooks.example.com/T0", format: slack }
                  - email: { to: [ops@example.com], from: lifeboat@example.com,
                             smtp: { host: smtp.example.com, port: 587, user: lifeboat, password-file: /etc/lifeboat/smtp, starttls: true } }
                  - command: "/usr/local/bin/page-oncall"
                """ + SYSTEM + """
                    schedule:
                      backup: 15m
                      check: "0 3 * * *"
                      prune: "0 4 * * 0"
                      drill: 7d
                    ping: { backup: "https://hc-ping.example.com/uuid" }
                """), null, PlanLoader.Generators.placeholders());
        ServicePlan s = p.service();
        assertThat(s.serve()).isEqualTo(new ServicePlan.Serve("127.0.0.1:8480", "/etc/lifeboat/dashboard-password", null,
                "/etc/lifeboat/cert.pem", "/etc/lifeboat/key.pem"));
        assertThat(s.stateDb()).isEqualTo("postgresql://lifeboat@db.example.com/lifeboat");
        assertThat(s.alerts()).containsExactly(new ServicePlan.Webhook("https://hooks.example.com/T0", "slack"),
                new ServicePlan.Email(List.of("ops@example.com"), "lifeboat@example.com", "smtp.example.com", 587, "lifeboat",
                        "/etc/lifeboat/smtp", null, true),
                new ServicePlan.Command("/usr/local/bin/page-oncall"));
        ServicePlan.SystemJobs j = s.jobs("files");
        assertThat(j.schedule().get("backup")).isEqualTo(new Schedule.Every("15m", Duration.ofMinutes(15)));
        assertThat(j.schedule().get("check")).isInstanceOf(Schedule.Cron.class);
        assertThat(j.schedule().get("drill").text()).isEqualTo("7d");
        assertThat(j.ping()).containsEntry("backup", "https://hc-ping.example.com/uuid");
        assertThat(s.jobs("nosuch")).isEqualTo(ServicePlan.SystemJobs.NONE);
    }

    @Test
    void aPlanWithoutServiceKeysHasAnEmptyServicePlan() throws Exception {
        Plan p = PlanLoader.load(write(SYSTEM), null, PlanLoader.Generators.placeholders());
        assertThat(p.service().alerts()).isEmpty();
        assertThat(p.service().serve().listen()).isNull();
        assertThat(p.service().jobs("files").schedule()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        "      backup: soon|schedule backup: schedule 'soon' is neither an interval",
        "      backup: \"0 3 * *\"|cron expression '0 3 * *' has 4 fields",
        "      backup: \"0 3 * * * *\"|has 6 fields",
        "      backup: \"99 3 * * *\"|cron expression '99 3 * * *' is not valid",
        "      backup: 0s|is shorter than 1s",
        "      backup: 999999999999d|is longer than 10 years",
        "      check: continuous|only backups run continuously",
        "      restore: 1h|unknown key 'restore'",
    })
    void aScheduleMistakeIsSaidAtItsLine(String line, String expected) throws Exception {
        List<Problem> e = errors(SYSTEM + "    schedule:\n" + line + "\n");
        assertThat(e).as("%s", e).hasSize(1);
        assertThat(e.getFirst().message()).contains(expected);
        assertThat(e.getFirst().line()).isEqualTo(9);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "serve: { listen: localhost }|is not HOST:PORT",
        "serve: { listen: 127.0.0.1:99999 }|is not HOST:PORT",
        "serve: { tls: { cert: /c.pem } }|needs both cert and key",
        "serve: { password-file: /a, password-env: B }|both password-file and password-env",
        "serve: { port: 8480 }|unknown key 'port'",
        "alerts: { webhook: x }|alerts must be a list of channels",
        "alerts: [ { webhook: { url: ftp://x/y } } ]|webhook url must be an http:// or https:// URL",
        "alerts: [ { webhook: { url: \"http://x y/\" } } ]|webhook url is not a URL",
        "alerts: [ { email: { to: [\"a@b\\r\\nBcc: x@y\"], from: c@d, smtp: { host: h } } } ]|holds a control character",
        "alerts: [ { email: { to: [a@b], from: \"not an address@\", smtp: { host: h } } } ]|is not a mail address",
        "alerts: [ { webhook: { url: http://x/y, format: teams } } ]|webhook format 'teams' is not json, slack or ntfy",
        "alerts: [ { email: { to: [a@b], from: c@d } } ]|needs smtp",
        "alerts: [ { email: { to: [a@b], from: c@d, smtp: { host: h, starttls: maybe } } } ]|starttls must be true or false",
        "alerts: [ { pager: x } ]|alert channel",
        "alerts: [ { command: \"\" } ]|needs the command to run",
    })
    void aServeOrAlertMistakeIsOneError(String yaml, String expected) throws Exception {
        List<Problem> e = errors(yaml + "\n" + SYSTEM);
        assertThat(e).as("%s", e).hasSize(1);
        assertThat(e.getFirst().message()).contains(expected);
    }

    /** brk13b N14: a port outside 1..65535 parses as a URL, and every call to it then fails; said at its key. */
    @Test
    void aWebAddressWithAPortThatIsNoneIsAnErrorAtItsKey() throws Exception {
        for (String port : new String[] {"99999", "0", "65536"}) {
            List<Problem> webhook = errors("alerts:\n  - webhook: { url: \"http://127.0.0.1:" + port + "/hook\" }\n" + SYSTEM);
            assertThat(webhook).as(port).singleElement().satisfies(p -> {
                assertThat(p.message()).isEqualTo("webhook url names port " + port + ", which is not a port (1 to 65535)");
                assertThat(p.line() + ":" + p.column()).isEqualTo("2:21");
            });
            List<Problem> ping = errors(SYSTEM + "    ping: { check: https://hc.example.com/x, backup: \"https://hc.example.com:"
                    + port + "/uuid\" }\n");
            assertThat(ping).as(port).singleElement().satisfies(p -> {
                assertThat(p.message()).isEqualTo("system 'files' ping backup names port " + port + ", which is not a port (1 to 65535)");
                assertThat(p.line() + ":" + p.column()).isEqualTo("8:54");
            });
        }
        assertThat(errors("alerts:\n  - webhook: { url: \"http://127.0.0.1:65535/hook\" }\n" + SYSTEM)).isEmpty();
        assertThat(errors(SYSTEM + "    ping: { backup: \"https://hc.example.com:1/uuid\" }\n")).isEmpty();
        // a drill's http check too (its port comes from the site's variables)
        assertThat(errors(SYSTEM + "    verify: [ { http: { url: \"http://127.0.0.1:70000/health\" } } ]\n")).singleElement()
                .extracting(Problem::message).asString().isEqualTo("system 'files' http check url names port 70000, which is not a port"
                        + " (1 to 65535)");
    }

    @Test
    void pingsMustBeWebAddressesAndABackupScheduleNeedsSources() throws Exception {
        assertThat(errors(SYSTEM + "    ping: { backup: file:///etc/passwd }\n")).singleElement()
                .extracting(Problem::message).asString().contains("must be an http:// or https:// URL");
        assertThat(errors(SYSTEM + "    ping: { backup: \"http://x y/\" }\n")).singleElement()
                .extracting(Problem::message).asString().contains("is not a URL");
        assertThat(errors("""
                repositories:
                  local: { url: /backups, password-file: /etc/pw }
                systems:
                  docs:
                    rpo: 1h
                    rto: 30m
                    schedule: { backup: 1h }
                """)).singleElement().extracting(Problem::message).asString().contains("has a backup schedule but nothing to back up");
    }

    /** The warnings but that no drill can run (SYSTEM has no sandbox site; {@link DrillSiteTest} is about that). */
    private List<Problem> warnings(String yaml) throws Exception {
        return PlanLoader.validate(write(yaml)).stream().filter(p -> !p.message().startsWith("no drill of")).toList();
    }

    @Test
    void aBackupScheduleThatCannotMeetTheRpoIsAWarningAtItsLine() throws Exception {
        List<Problem> all = warnings(SYSTEM + "    schedule:\n      backup: 3h\n      check: \"0 3 * * 0\"\n");
        assertThat(all).singleElement().satisfies(p -> {
            assertThat(p.isError()).isFalse();
            assertThat(p.line()).isEqualTo(9);
            assertThat(p.message()).contains("backups 3h leave up to 3h between snapshots, more than its RPO of 1h");
        });
        List<Problem> weekly = warnings(SYSTEM + "    schedule: { backup: \"0 3 * * 0\" }\n");
        assertThat(weekly).singleElement().extracting(Problem::message).asString().contains("leave up to 7d");
        assertThat(warnings(SYSTEM + "    schedule: { backup: 30m }\n")).isEmpty();
    }

    @Test
    void schedulesGiveTheirDueTimes() {
        Instant t = Instant.parse("2026-12-02T10:00:00Z");
        Schedule every = Schedule.parse("every 15m");
        assertThat(every.next(null, t, ZoneOffset.UTC)).isEqualTo(t);
        assertThat(every.next(t, t.plusSeconds(60), ZoneOffset.UTC)).isEqualTo(t.plusSeconds(900));
        Schedule cron = Schedule.parse("30 4 * * 1-5");
        // Wednesday 2026-12-02 10:00 → Thursday 04:30
        assertThat(cron.next(null, t, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-12-03T04:30:00Z"));
        // a last run on Friday 04:30 → Monday 04:30 (the weekend skipped)
        assertThat(cron.next(Instant.parse("2026-12-04T04:30:00Z"), t, ZoneOffset.UTC)).isEqualTo(Instant.parse("2026-12-07T04:30:00Z"));
        assertThat(Schedule.parse("continuous").next(null, t, ZoneOffset.UTC)).isNull();
        // February 31st never comes: refused when read
        assertThatThrownBy(() -> Schedule.parse("0 0 31 2 *")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("never comes");
        assertThatThrownBy(() -> Schedule.parse(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
