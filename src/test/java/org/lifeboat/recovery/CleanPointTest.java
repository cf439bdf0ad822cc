package org.lifeboat.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Snapshot;

/** The clean point: the newest snapshot before the latest run of suspicious ones. */
class CleanPointTest {
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 12, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    /** Snapshots an hour apart; "s" marks a suspicious one, "." a clean one. */
    private static List<Snapshot> history(String marks) {
        List<Snapshot> out = new ArrayList<>();
        for (int i = 0; i < marks.length(); i++) {
            List<String> tags = marks.charAt(i) == 's' ? List.of("system=x", Anomalies.TAG) : List.of("system=x");
            out.add(new Snapshot(Id.hash(new byte[] {(byte) i}), T0.plusHours(i), null, Id.hash(new byte[] {1, (byte) i}),
                    List.of("/x"), "h", "u", 0, 0, List.of(), tags, null, "test", null));
        }
        // any order in, time order used
        java.util.Collections.reverse(out);
        return out;
    }

    private static int hour(Snapshot s) {
        return s == null ? -1 : (int) java.time.Duration.between(T0, s.time()).toHours();
    }

    @Test
    void theRunHoldingTheNewestSuspiciousSnapshotDecides() {
        Anomalies.Clean none = Anomalies.cleanPoint(history("...."));
        assertThat(none.firstSuspicious()).isNull();
        assertThat(hour(none.snapshot())).as("no suspicious snapshot: the newest").isEqualTo(3);

        Anomalies.Clean c = Anomalies.cleanPoint(history("..ss.."));
        assertThat(hour(c.snapshot())).as("later untagged snapshots still hold the attack").isEqualTo(1);
        assertThat(hour(c.firstSuspicious())).isEqualTo(2);
        assertThat(c.run()).isEqualTo(2);

        Anomalies.Clean two = Anomalies.cleanPoint(history(".s..s"));
        assertThat(hour(two.snapshot())).as("the latest run, not the first").isEqualTo(3);
        assertThat(two.run()).isEqualTo(1);
        assertThat(hour(two.earlier())).as("the earlier attack is named").isEqualTo(1);
        assertThat(c.earlier()).isNull();

        Anomalies.Clean first = Anomalies.cleanPoint(history("ss."));
        assertThat(first.snapshot()).as("nothing before the run").isNull();
        assertThat(hour(first.firstSuspicious())).isZero();

        assertThat(Anomalies.cleanPoint(List.of()).snapshot()).isNull();
    }

    @Test
    void theRetentionKeepsEveryRunsFirstSnapshotAndTheOneBeforeIt() {
        // brk14a B5: a second wave pushed the first wave's clean point out of keep-last
        assertThat(Anomalies.kept(history("..ss..s.")).stream().map(CleanPointTest::hour).toList()).containsExactly(1, 2, 5, 6);
        assertThat(Anomalies.kept(history("s..")).stream().map(CleanPointTest::hour).toList()).containsExactly(0);
        assertThat(Anomalies.kept(history("...."))).isEmpty();
    }
}
