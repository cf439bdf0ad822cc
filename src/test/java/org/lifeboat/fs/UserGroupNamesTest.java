package org.lifeboat.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class UserGroupNamesTest {
    @Test
    void systemLookupsInBothDirections() throws Exception {
        UserGroupNames n = UserGroupNames.system();
        assertThat(n.userName(0)).isEqualTo("root");
        assertThat(n.groupName(0)).isEqualTo("root");
        assertThat(n.uid("root")).isEqualTo(OptionalLong.of(0));
        assertThat(n.gid("root")).isEqualTo(OptionalLong.of(0));
        assertThat(n.userName(3_999_999_999L)).isNull();
        assertThat(n.groupName(3_999_999_999L)).isNull();
        assertThat(n.uid("no-such-user-xyz")).isEmpty();
        assertThat(n.gid("no-such-group-xyz")).isEmpty();
        // every /etc/passwd entry resolves like the C library would (files come first in nsswitch)
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            long uid = Long.parseLong(f[2]);
            if (n.uid(f[0]).orElseThrow() == uid) {
                assertThat(n.userName(uid)).as(line).isNotNull();
            }
        }
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] f = line.split(":");
            assertThat(n.gid(f[0])).as(line).hasValue(Long.parseLong(f[2]));
        }
        // cached answers are stable
        assertThat(n.userName(0)).isSameAs(n.userName(0));
    }

    @Test
    void fixedTables() {
        UserGroupNames n = UserGroupNames.of(Map.of(1000L, "alice"), Map.of(100L, "users", 101L, ""));
        assertThat(n.userName(1000)).isEqualTo("alice");
        assertThat(n.userName(0)).isNull();
        assertThat(n.groupName(101)).isNull();
        assertThat(n.uid("alice")).hasValue(1000);
        assertThat(n.gid("users")).hasValue(100);
        assertThat(n.gid("root")).isEmpty();
    }
}
