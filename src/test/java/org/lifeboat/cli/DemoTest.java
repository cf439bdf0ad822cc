package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.testutil.Cli;
import org.lifeboat.testutil.Run;

/** The README's first command: the demo runs every part of the main job and says where things are. */
class DemoTest {
    @TempDir
    Path dir;

    @Test
    void demoBacksUpRestoresRecoversAndDrills() throws Exception {
        Path work = dir.resolve("demo");
        Run r = Cli.raw(null, "demo", "--dir", work.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("restored identical to the first backup").contains("restored identical to the second backup")
                .contains("recovered: 2 of 2 systems back into site demo").contains("PASSED")
                .contains("The drill report: " + work.resolve("drill-report.html")).contains("Demo succeeded");
        assertThat(r.out().indexOf("wave 1: documents")).isLessThan(r.out().indexOf("wave 2: website"));
        // the attack is flagged by the next backup, and the clean point recovered
        assertThat(r.err()).contains("documents: snapshot").contains("is tagged suspicious");
        assertThat(r.out()).contains("SUSPICIOUS").contains("--clean: the clean point")
                .contains("the recovered documents are identical to those before the attack");
        // and the assessment names what to fix: the demo has no off-site or immutable copy
        assertThat(r.out()).contains("16. How ready is the business?").containsPattern("GAP +offsite")
                .containsPattern("GAP +immutable");
        assertThat(Files.readString(work.resolve("drill-report.html"))).contains("<svg").contains("system-bar");
        assertThat(Files.readString(work.resolve("runbook.md"))).contains("documents").contains("website");
        assertThat(Files.readString(work.resolve("recovered/website/public/index.html"))).contains("Quarterly report");
        // it ends by saying how to start the dashboard on its plan, whose password file it wrote
        Path plan = work.resolve("lifeboat.yaml");
        assertThat(r.out()).contains("The dashboard:    ./lifeboat --config " + plan + " serve")
                .contains("http://127.0.0.1:8480/ as admin with the password in " + work.resolve("dashboard-password"));
        String password = Files.readString(work.resolve("dashboard-password")).strip();
        assertThat(password).hasSize(24);
        assertThat(r.out()).doesNotContain(password);

        // and serve runs the demo's plan: both systems seen with their snapshots, within their RPO
        java.util.List<String> said = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (org.lifeboat.service.Service s = new org.lifeboat.service.Service(plan, org.lifeboat.service.Service.Options.defaults(),
                (p, exclusive, cancel) -> new org.lifeboat.recovery.Repositories(p, exclusive, cancel), said::add)) {
            s.start();
            s.look();
            assertThat(s.statuses()).extracting(st -> st.name() + ":" + st.rpoStatus().json())
                    .as("%s", said).containsExactly("documents:ok", "website:ok");
            assertThat(s.statuses().get(1).lastDrill()).as("the demo's drill is in the state").isNotNull();
        }
    }
}
