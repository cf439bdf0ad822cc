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
        assertThat(Files.readString(work.resolve("drill-report.html"))).contains("<svg").contains("system-bar");
        assertThat(Files.readString(work.resolve("runbook.md"))).contains("documents").contains("website");
        assertThat(Files.readString(work.resolve("recovered/website/public/index.html"))).contains("Quarterly report");
    }
}
