package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.server.rest.RestServer;
import org.lifeboat.server.rest.ServerOptions;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.PlanRuns;
import org.lifeboat.testutil.Run;

/**
 * A plan's repository URL with a password (rest:http://alice:PASSWORD@host/repo) is never shown
 * with it: not by init --config (text and JSON), not in the runbook, which people print and share;
 * a password holding "@" is hidden whole and works, as restic reads such a URL.
 */
class PlanCredentialsTest {
    @TempDir
    Path dir;
    private RestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void initAndTheRunbookNeverShowThePassword() throws Exception {
        Path srv = Files.createDirectories(dir.resolve("srv"));
        byte[] salt = new byte[16];
        new Random(1).nextBytes(salt);
        Files.writeString(dir.resolve("htpasswd"), "alice:" + OpenBSDBCrypt.generate("2y", "S3c@retPW".toCharArray(), salt, 5) + "\n");
        server = new RestServer(new ServerOptions(srv, "127.0.0.1", 0, dir.resolve("htpasswd"), false, false, false, null, null, 0,
                false, false, false));
        String url = server.start().replaceFirst("://", "://alice:S3c@retPW@");
        Cli.passwordFile(dir);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/a.txt"), "a\n");
        Path plan = dir.resolve("lifeboat.yaml");
        Files.writeString(plan, """
                repositories:
                  local: { url: repo, password-file: password, copy-to: [offsite] }
                  offsite: { url: "rest:%soff/", password-file: password, offsite: true }
                sites: { primary: { root: restored } }
                systems:
                  files:
                    rpo: 1h
                    rto: 1h
                    backup: { repository: local, sources: [ { path: src } ] }
                    restore: [ { path: { from: src, to: "${root}/files" } } ]
                """.formatted(url));
        Run init = PlanRuns.lifeboat(plan, "init");
        assertThat(init.exit()).as(init.toString()).isZero();
        assertThat(init.out() + init.err()).contains("alice:***@").doesNotContain("S3c").doesNotContain("retPW");
        Run json = PlanRuns.lifeboat(plan, "init", "--json");
        assertThat(json.out() + json.err()).contains("alice:***@").doesNotContain("S3c").doesNotContain("retPW");
        PlanRuns.lifeboat(plan, "backup", "--system", "files").ok();
        Run runbook = PlanRuns.lifeboat(plan, "runbook");
        assertThat(runbook.exit()).as(runbook.toString()).isZero();
        assertThat(runbook.out()).contains("alice:***@").doesNotContain("S3c").doesNotContain("retPW");
        Run show = PlanRuns.lifeboat(plan, "plan", "show", "--json");
        assertThat(show.out() + show.err()).doesNotContain("S3c").doesNotContain("retPW");
    }
}
