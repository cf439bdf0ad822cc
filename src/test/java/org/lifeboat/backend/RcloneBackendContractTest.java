package org.lifeboat.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/** {@link RcloneBackend} passes the backend contract over a real {@code rclone serve restic} of a local folder. */
@Tag("slow")
class RcloneBackendContractTest extends BackendContract {
    @TempDir
    Path dir;

    private int n;

    /** rclone serve restic (1.60) sends no Last-Modified, so the modification time is null rather than made up. */
    @Override
    boolean reportsModified() {
        return false;
    }

    @org.junit.jupiter.api.Test
    void closingTheBackendEndsRcloneAndAMissingProgramIsOneSentence() throws Exception {
        RcloneBackend r = (RcloneBackend) b;
        ProcessHandle guard = ProcessHandle.of(r.pid()).orElseThrow();
        java.util.List<ProcessHandle> tree = new java.util.ArrayList<>(guard.descendants().toList());
        tree.add(guard);
        assertThat(tree).anyMatch(p -> p.info().command().orElse("").endsWith("rclone"));
        b.close();
        for (ProcessHandle p : tree) assertThat(p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
        b = newBackend();
        assertThatThrownBy(() -> RcloneBackend.open("rclone:x:y", "x:y", new BackendOptions(Map.of("rclone.program", "no-such-rclone"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot open rclone:x:y: the program 'no-such-rclone' is not installed or not on PATH"
                        + " (install rclone, or name it with -o rclone.program=PATH)");
        assertThatThrownBy(() -> RcloneBackend.open("rclone:nosuchremote:y", "nosuchremote:y", BackendOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cannot open rclone:nosuchremote:y: rclone ended")
                .hasMessageContaining("nosuchremote");
    }

    /**
     * The server's user and password reach rclone in its environment: no argument of the guard or
     * of rclone (readable by any local user with ps) holds --user/--pass, yet the backend works.
     */
    @org.junit.jupiter.api.Test
    void rclonesCredentialsAreNeverInProcessArguments() throws Exception {
        b.save(new Handle(FileType.SNAPSHOT, id(3)), bytes(10, 3));
        ProcessHandle guard = ProcessHandle.of(((RcloneBackend) b).pid()).orElseThrow();
        java.util.List<ProcessHandle> tree = new java.util.ArrayList<>(guard.descendants().toList());
        tree.add(guard);
        int seen = 0;
        for (ProcessHandle p : tree) {
            java.nio.file.Path cmdline = java.nio.file.Path.of("/proc", String.valueOf(p.pid()), "cmdline");
            if (!java.nio.file.Files.exists(cmdline)) continue;
            String args = new String(java.nio.file.Files.readAllBytes(cmdline), java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
            seen++;
            assertThat(args).as("arguments of process %d", p.pid()).doesNotContain("--user").doesNotContain("--pass");
        }
        assertThat(seen).as("the guard and rclone were looked at").isGreaterThanOrEqualTo(2);
    }

    @Override
    Backend newBackend() throws IOException {
        String location = "rclone:" + dir.resolve("repo" + n++);
        Backend b = RcloneBackend.open(location, location.substring(7), new BackendOptions(Map.of("rclone.timeout", "2m")));
        b.create();
        return b;
    }
}
