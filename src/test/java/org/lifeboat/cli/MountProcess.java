package org.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lifeboat.testutil.Cli;

/**
 * A real {@code lifeboat mount} process for the Mount*Test classes: started with a repository and
 * password file, waited for by polling /proc/mounts (never by sleeping), and cleaned up whatever
 * happened to the test ({@link #close}: the process is killed and a mount left behind is detached),
 * so that no failed test leaves a mount on the machine.
 */
final class MountProcess implements AutoCloseable {
    /** The longest any wait here may take, in seconds. */
    static final long DEADLINE_SECONDS = 90;

    final Process process;
    final Path mountpoint;
    final Path out;
    final Path err;

    private MountProcess(Process process, Path mountpoint, Path out, Path err) {
        this.process = process;
        this.mountpoint = mountpoint;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code lifeboat -r repo --password-file pw mount extra… mountpoint}; logs go to {@code work}. */
    static MountProcess start(Path work, Path repo, Path pw, Path mountpoint, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", pw.toString(), "mount"));
        args.addAll(List.of(extra));
        args.add(mountpoint.toString());
        // a log pair per process: a test may run two mounts at once
        Path out = Files.createTempFile(work, "mount-out-", ".log");
        Path err = Files.createTempFile(work, "mount-err-", ".log");
        ProcessBuilder pb = new ProcessBuilder(Cli.command(args.toArray(String[]::new))).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LIFEBOAT_") || k.startsWith("RESTIC_"));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new MountProcess(pb.start(), mountpoint.toAbsolutePath().normalize(), out, err);
    }

    /** True when /proc/mounts lists a mount at {@code mp}. */
    static boolean mounted(Path mp) {
        String want = mp.toAbsolutePath().normalize().toString().replace(" ", "\\040");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 1 && f[1].equals(want)) return true;
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return false;
    }

    /** Waits until the kernel lists the mount and the process said it serves; fails if the process ends first. */
    MountProcess awaitMounted() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!(mounted(mountpoint) && stdout().contains("When finished, quit with Ctrl-c here or umount the mountpoint."))) {
            assertThat(process.isAlive()).as("mount ended before serving:\n%s%s", stdout(), stderr()).isTrue();
            assertThat(System.nanoTime()).as("mounted within %d s", DEADLINE_SECONDS).isLessThan(deadline);
            Thread.sleep(5); // poll interval, not synchronisation: the loop waits for the condition
        }
        return this;
    }

    /** Waits for the process to end; returns its exit code. */
    int awaitExit() throws Exception {
        assertThat(process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)).as("mount ends: %s", stderr()).isTrue();
        return process.exitValue();
    }

    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    String stdout() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Kills the process if it still runs and detaches a mount it left (the fixture's cleanup). */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        detach(mountpoint);
    }

    /** Lazily unmounts {@code mp} if it is still mounted (a test that failed half-way). */
    static void detach(Path mp) throws Exception {
        if (!mounted(mp)) return;
        Process p = new ProcessBuilder("umount", "-l", mp.toAbsolutePath().normalize().toString()).inheritIO().start();
        p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }
}
