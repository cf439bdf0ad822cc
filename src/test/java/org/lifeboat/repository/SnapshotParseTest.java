package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A malformed time in a snapshot file is named with its field and value, not the JDK's parser text. */
class SnapshotParseTest {
    @Test
    void aMalformedTimeIsNamedWithItsField() {
        Id id = Id.hash(new byte[] {1});
        String tree = Id.hash(new byte[] {2}).hex();
        byte[] json = ("{\"time\":\"not a time\",\"tree\":\"" + tree + "\",\"paths\":[\"/a\"]}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Snapshot.parse(id, json)).isInstanceOf(RepositoryException.class)
                .hasMessage("snapshot " + id.shortHex() + " is malformed: its \"time\" field 'not a time' is not a time");
        byte[] summary = ("{\"time\":\"2024-01-02T03:04:05Z\",\"tree\":\"" + tree + "\",\"paths\":[\"/a\"],"
                + "\"summary\":{\"backup_start\":\"soon\"}}").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Snapshot.parse(id, summary)).hasMessageEndingWith("its \"backup_start\" field 'soon' is not a time");
    }
}
