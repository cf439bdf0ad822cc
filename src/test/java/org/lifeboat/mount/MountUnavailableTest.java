package org.lifeboat.mount;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.TestDirs;

/**
 * A machine where FUSE cannot be used gets one sentence naming what is missing: the kernel's
 * device, libfuse 3, or (not root) fusermount3; a machine with all three gets none.
 */
class MountUnavailableTest {
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TestDirs.create("mount-unavailable");
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(dir);
    }

    @Test
    void eachMissingPieceIsNamed() throws Exception {
        Path dev = dir.resolve("fuse");
        Path libs = Files.createDirectories(dir.resolve("lib"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        assertThat(RepositoryMount.unavailable(dev, null, true, null)).isEqualTo("FUSE cannot be used on this machine: "
                + dev + " does not exist (load the fuse kernel module, or give the container the device)");
        Files.writeString(dev, "");
        assertThat(RepositoryMount.library(List.of(libs.toString()))).isNull();
        assertThat(RepositoryMount.unavailable(dev, RepositoryMount.library(List.of(libs.toString())), true, null))
                .isEqualTo("FUSE cannot be used on this machine: libfuse 3 is not installed (e.g. apt-get install fuse3)");
        Files.writeString(libs.resolve("libfuse3.so.3"), "");
        String lib = RepositoryMount.library(List.of(libs.toString()));
        assertThat(lib).isEqualTo(libs.resolve("libfuse3.so.3").toString());
        assertThat(RepositoryMount.unavailable(dev, lib, true, null)).as("root needs no fusermount3").isNull();
        assertThat(RepositoryMount.unavailable(dev, lib, false, bin.toString()))
                .isEqualTo("FUSE cannot be used on this machine: fusermount3 is not installed (e.g. apt-get install fuse3)");
        Path fm = Files.writeString(bin.resolve("fusermount3"), "#!/bin/sh\n");
        fm.toFile().setExecutable(true);
        assertThat(RepositoryMount.unavailable(dev, lib, false, bin.toString())).isNull();
    }
}
