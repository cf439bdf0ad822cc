package org.lifeboat.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Database and host names as snapshot path components: one component each, reversible, old plain names kept. */
class SnapshotLayoutTest {
    @Test
    void everyNameIsOneComponentAndRoundTrips() {
        for (String name : List.of("shop", "sales/eu", "../x", "..", ".", "/", "%", "%2F", "a%25b", "50%off", "x/../y",
                "ünïcode/名前", "trailing/", " space ", "%%2F%")) {
            String enc = SnapshotLayout.encodeName(name);
            assertThat(enc).as(name).doesNotContain("/");
            assertThat(SnapshotLayout.decodeName(enc)).as(name).isEqualTo(name);
            String file = SnapshotLayout.postgresDump("127.0.0.1", 5432, name);
            assertThat(file).as(name).startsWith("/lifeboat/postgres/127.0.0.1-5432/")
                    .doesNotContain("/../").doesNotContain("/./");
            assertThat(file.substring("/lifeboat/postgres/127.0.0.1-5432/".length())).as(name).doesNotContain("/");
        }
        // Distinct names never share a file.
        assertThat(SnapshotLayout.encodeName("a/b")).isNotEqualTo(SnapshotLayout.encodeName("a%2Fb"));
        // A socket folder as host stays one folder.
        assertThat(SnapshotLayout.postgresDir("/var/run/postgresql", 5432)).isEqualTo("/lifeboat/postgres/%2Fvar%2Frun%2Fpostgresql-5432");
    }

    @Test
    void plainNamesKeepTheirOldPaths() {
        assertThat(SnapshotLayout.postgresDump("127.0.0.1", 5432, "shop")).isEqualTo("/lifeboat/postgres/127.0.0.1-5432/shop.pgdump");
        // An older snapshot's plain name with a '%' that is no escape reads as itself.
        assertThat(SnapshotLayout.decodeName("50%off")).isEqualTo("50%off");
        assertThat(SnapshotLayout.decodeName("100%")).isEqualTo("100%");
    }
}
