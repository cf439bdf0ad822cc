package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotFilterTest {
    private static Snapshot snap(String idHex, int minute, String host, List<String> tags) {
        return new Snapshot(Id.parse(idHex + "0".repeat(64 - idHex.length())),
                OffsetDateTime.parse("2026-01-01T10:00:00Z").plusMinutes(minute), null, Id.hash(new byte[0]),
                List.of("/data"), host, "u", 0, 0, List.of(), tags, null, null, null);
    }

    private final List<Snapshot> all = List.of(snap("aa11", 1, "web", List.of("daily")),
            snap("aa22", 2, "db", List.of("daily", "db")), snap("bb33", 3, "web", List.of()));

    @Test
    void latestRespectsFilters() throws Exception {
        assertThat(SnapshotFilter.ALL.resolve(all, "latest").id().hex()).startsWith("bb33");
        assertThat(new SnapshotFilter(List.of("db"), List.of(), List.of()).resolve(all, "latest").id().hex()).startsWith("aa22");
        assertThat(new SnapshotFilter(List.of(), List.of("daily"), List.of()).resolve(all, "latest").id().hex()).startsWith("aa22");
        assertThat(new SnapshotFilter(List.of("web"), List.of("daily,db"), List.of()).apply(all)).isEmpty();
        assertThatThrownBy(() -> new SnapshotFilter(List.of("nohost"), List.of(), List.of()).resolve(all, "latest"))
                .isInstanceOf(SnapshotNotFoundException.class).hasMessageContaining("host nohost");
    }

    @Test
    void prefixesResolveOrFailClearly() throws Exception {
        assertThat(SnapshotFilter.ALL.resolve(all, "aa2").id().hex()).startsWith("aa22");
        assertThatThrownBy(() -> SnapshotFilter.ALL.resolve(all, "aa")).isInstanceOf(SnapshotNotFoundException.class)
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> SnapshotFilter.ALL.resolve(all, "cc")).isInstanceOf(SnapshotNotFoundException.class)
                .hasMessageContaining("no snapshot with ID 'cc'");
    }

    /** restic's HasTags: {@code --tag ''} selects the snapshots without tags; another group may add more. */
    @Test
    void anEmptyTagMatchesOnlyUntaggedSnapshots() {
        assertThat(new SnapshotFilter(List.of(), List.of(""), List.of()).apply(all)).extracting(s -> s.id().hex().substring(0, 4))
                .containsExactly("bb33");
        assertThat(new SnapshotFilter(List.of(), List.of("", "db"), List.of()).apply(all)).extracting(s -> s.id().hex().substring(0, 4))
                .containsExactly("aa22", "bb33");
    }
}
