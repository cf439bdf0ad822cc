package org.lifeboat.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Snapshot;

/**
 * The folders above the snapshots, as restic's mount builds them: names from the path and time
 * templates, {@code -1} suffixes for snapshots of one second, {@code latest} on the newest, and
 * snapshot fields that would add or climb folders made safe.
 */
class MountLayoutTest {
    private static Snapshot snap(String seed, String time, String host, List<String> tags) {
        return new Snapshot(Id.hash(seed.getBytes()), OffsetDateTime.parse(time), null, Id.hash(("tree" + seed).getBytes()),
                List.of("/data"), host, "ann", 0, 0, List.of(), tags, null, "test", null);
    }

    @Test
    void defaultTemplatesGiveResticsFoldersLatestLinksAndUniqueNames() {
        Snapshot a = snap("a", "2026-03-01T10:00:00Z", "web1", List.of("daily"));
        Snapshot b = snap("b", "2026-03-01T10:00:00Z", "web1", List.of());
        Snapshot c = snap("c", "2026-03-02T11:30:15.5+01:00", "db", List.of("daily", "x/y"));
        SnapshotDirs d = new SnapshotDirs(List.of(c, b, a), SnapshotDirs.DEFAULT_TEMPLATES, GoTimeLayout.RFC3339);

        assertThat(d.get("").names.keySet()).containsExactly("hosts", "ids", "snapshots", "tags");
        // two snapshots of one second: the later ID in sort order gets -1, whatever the listing order
        boolean aFirst = a.id().hex().compareTo(b.id().hex()) < 0;
        Snapshot firstOfTwo = aFirst ? a : b;
        Snapshot secondOfTwo = aFirst ? b : a;
        assertThat(d.get("/snapshots").names.keySet())
                .containsExactly("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z-1", "2026-03-02T11:30:15+01:00", "latest");
        assertThat(d.get("/snapshots/2026-03-01T10:00:00Z").snapshot).isSameAs(firstOfTwo);
        assertThat(d.get("/snapshots/2026-03-01T10:00:00Z-1").snapshot).isSameAs(secondOfTwo);
        assertThat(d.get("/snapshots/latest").linkTarget).isEqualTo("2026-03-02T11:30:15+01:00");
        assertThat(d.get("/hosts/web1/latest").linkTarget).isEqualTo("2026-03-01T10:00:00Z-1");
        assertThat(d.get("/hosts").names.keySet()).containsExactly("db", "web1");
        // tags: one folder per tag, a slash in a tag made an underscore, untagged snapshots absent
        assertThat(d.get("/tags").names.keySet()).containsExactly("daily", "x_y");
        assertThat(d.get("/tags/daily").names.keySet()).containsExactly("2026-03-01T10:00:00Z", "2026-03-02T11:30:15+01:00", "latest");
        assertThat(d.get("/ids").names.keySet()).containsExactlyInAnyOrder(a.id().shortHex(), b.id().shortHex(), c.id().shortHex());
        assertThat(d.get("/ids/" + c.id().shortHex()).isSnapshot()).isTrue();
    }

    @Test
    void aTimeTemplateAtTheTopKeepsTwoSnapshotsOfOneSecondApart() {
        // brk2 M5: with --path-template '%T' the second snapshot of one second replaced the first
        Snapshot a = snap("a", "2026-03-01T10:00:00Z", "web1", List.of());
        Snapshot b = snap("b", "2026-03-01T10:00:00Z", "web1", List.of());
        SnapshotDirs d = new SnapshotDirs(List.of(a, b), List.of("%T"), GoTimeLayout.RFC3339);
        assertThat(d.get("").names.keySet()).containsExactly("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z-1", "latest");
        assertThat(d.get("/2026-03-01T10:00:00Z").snapshot).isNotSameAs(d.get("/2026-03-01T10:00:00Z-1").snapshot);
    }

    @Test
    void hostileFieldsStayOneNameEach() {
        Snapshot s = snap("s", "2026-03-01T10:00:00Z", "..", List.of(".", "", "../../etc"));
        SnapshotDirs d = new SnapshotDirs(List.of(s), SnapshotDirs.DEFAULT_TEMPLATES, GoTimeLayout.RFC3339);
        assertThat(d.get("/hosts").names.keySet()).containsExactly("__");
        assertThat(d.get("/tags").names.keySet()).containsExactly(".._.._etc", "_");
        assertThat(d.get("").names.keySet()).containsExactly("hosts", "ids", "snapshots", "tags");
    }

    @Test
    void timeAndPathTemplates() {
        OffsetDateTime t = OffsetDateTime.parse("2006-01-02T15:04:05.123456789-07:00");
        assertThat(GoTimeLayout.format(t, GoTimeLayout.RFC3339)).isEqualTo("2006-01-02T15:04:05-07:00");
        assertThat(GoTimeLayout.format(t, "2006-01-02_15-04-05")).isEqualTo("2006-01-02_15-04-05");
        assertThat(GoTimeLayout.format(t, "Mon Jan _2 03:04:05.000 PM MST 2006")).isEqualTo("Mon Jan  2 03:04:05.123 PM -0700 2006");
        assertThat(GoTimeLayout.format(t, "2006-01-02T15:04:05.999999999Z0700")).isEqualTo("2006-01-02T15:04:05.123456789-0700");
        OffsetDateTime utc = OffsetDateTime.parse("2026-11-30T23:59:58Z");
        assertThat(GoTimeLayout.format(utc, GoTimeLayout.RFC3339)).isEqualTo("2026-11-30T23:59:58Z");
        assertThat(GoTimeLayout.format(utc, "January 2, 2006 15h04")).isEqualTo("November 30, 2026 23h59");

        Snapshot s = snap("s", "2026-03-01T10:00:00Z", "web1", List.of());
        SnapshotDirs d = new SnapshotDirs(List.of(s), List.of("by-host/%h/%i", "%T"), "2006-01-02");
        assertThat(d.get("").names.keySet()).containsExactly("2026-03-01", "by-host", "latest");
        assertThat(d.get("/by-host/web1/" + s.id().shortHex()).isSnapshot()).isTrue();
    }
}
