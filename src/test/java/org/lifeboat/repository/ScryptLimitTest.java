package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The scrypt memory limit is inclusive and its message right: a key whose V is exactly 1 GiB
 * (N = 2^20, r = 8, which restic opens) is accepted; one above it is refused with its real size.
 */
class ScryptLimitTest {
    @Test
    void exactlyTheLimitIsAllowed() {
        assertThat(KeyFile.paramsProblem(1 << 20, 8, 1)).isNull();
        assertThat(KeyFile.paramsProblem(1 << 21, 8, 1))
                .isEqualTo("its scrypt parameters would need 2048 MiB of memory, more than the 1 GiB allowed (N=2097152 r=8 p=1)");
    }
}
