package org.lifeboat.apps;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.lifeboat.fs.Posix;

/** The bits of process and user handling both database integrations need. */
final class Os {
    private Os() {}

    static boolean isRoot() {
        return Posix.processUid() == 0;
    }

    static Optional<UserPrincipal> user(String name) {
        try {
            return Optional.of(Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name));
        } catch (IOException e) { // UserPrincipalNotFoundException included
            return Optional.empty();
        }
    }

    /** {@code cmd} run as system user {@code user} through runuser (null: as ourselves). */
    static List<String> asUser(String user, List<String> cmd) throws AppException {
        if (user == null) return cmd;
        List<String> c = new ArrayList<>(List.of(runuser(), "-u", user, "--"));
        c.addAll(cmd);
        return c;
    }

    private static String runuser() throws AppException {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, "runuser");
            if (Files.isExecutable(p)) return p.toString();
        }
        return findOnPath("runuser", List.of())
                .orElseThrow(() -> new AppException("runuser (util-linux) is needed to run database servers as "
                        + "their own user when Lifeboat runs as root, and was not found"))
                .toString();
    }

    /** Checks that {@code user} may write {@code dir}, so the server tools fail with a useful message instead of a later EACCES. */
    static void requireWritableBy(String user, Path dir) throws IOException {
        if (user == null) return;
        Exec.Result r = Exec.run(asUser(user, List.of("test", "-w", dir.toString(), "-a", "-x", dir.toString())),
                Map.of(), null, Duration.ofSeconds(30), Path.of("/"), null);
        if (r.exitCode() != 0) {
            throw new AppException("system user " + user + " cannot write " + dir + ": every folder above it must be "
                    + "searchable by that user (chmod o+x), or choose a folder elsewhere (e.g. under /var/lib)");
        }
    }

    /** The first executable called {@code name} in $PATH, then in {@code extraDirs}. */
    static Optional<Path> findOnPath(String name, List<String> extraDirs) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) dirs.addAll(List.of(path.split(":")));
        dirs.addAll(extraDirs);
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /**
     * True if {@code pid} is a live process (a zombie waiting to be reaped is not alive). A process
     * whose main thread has exited lives on in its other threads, which still hold its files (a
     * killed server's listening socket, its data files' locks) until the last of them is gone.
     */
    static boolean alive(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            if (running(proc.resolve("stat"))) return true;
            try (var tasks = Files.list(proc.resolve("task"))) {
                return tasks.anyMatch(t -> {
                    try {
                        return running(t.resolve("stat"));
                    } catch (IOException e) {
                        return false; // that thread is gone
                    }
                });
            }
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    /** True unless the process or thread whose stat file this is is a zombie or dead. */
    private static boolean running(Path stat) throws IOException {
        String s = Files.readString(stat);
        int close = s.lastIndexOf(')');
        char state = close >= 0 && close + 2 < s.length() ? s.charAt(close + 2) : '?';
        return state != 'Z' && state != 'X';
    }

    /**
     * The program {@code pid} runs ("postgres", "mariadbd"): its executable's file name, else (another
     * user's process we may not inspect) its command name, which anyone may read; empty if neither can be read.
     */
    static Optional<String> programName(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            String exe = Files.readSymbolicLink(proc.resolve("exe")).getFileName().toString();
            // Upgraded since it started: the link names the old, deleted file.
            return Optional.of(exe.endsWith(" (deleted)") ? exe.substring(0, exe.length() - 10) : exe);
        } catch (IOException | UnsupportedOperationException e) {
            // Fall back to the command name.
        }
        try {
            String stat = Files.readString(proc.resolve("stat"));
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            return open >= 0 && close > open ? Optional.of(stat.substring(open + 1, close)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The working folder of {@code pid} (a database server's is its data folder); empty if it cannot be read. */
    static Optional<Path> workingDir(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The arguments {@code pid} was started with (program first); empty if they cannot be read. */
    static List<String> commandLine(long pid) {
        try {
            String all = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8);
            return all.isEmpty() ? List.of() : List.of(all.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * True if {@code pid} started at {@code t} or later. The kernel's boot time has whole-second
     * precision, so a process started up to 2 s before {@code t} passes too; unknown is false.
     */
    static boolean startedSince(long pid, Instant t) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant())
                .map(s -> !s.isBefore(t.minusSeconds(2))).orElse(false);
    }

    /** True if {@code a} and {@code b} are the same file (by path when either cannot be looked at). */
    static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /**
     * Waits until {@code pid} is gone, polling: it need not be our child (pg_ctl's postmaster is
     * adopted by init), so there is nothing to block on.
     */
    static boolean waitUntilGone(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive(pid)) {
            if (System.nanoTime() - deadline > 0) return false;
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h == null) return true;
            try {
                h.onExit().get(20, TimeUnit.MILLISECONDS); // returns early when the JDK sees it exit
            } catch (TimeoutException e) {
                // Poll again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !alive(pid);
            } catch (ExecutionException e) {
                return !alive(pid);
            }
        }
        return true;
    }

    /** The pid in the first line of a pid file, or -1 if there is none. */
    static long readPid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? -1 : Long.parseLong(lines.getFirst().strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The last lines of a log file, or "" if it cannot be read. */
    static String fileTail(Path file, int lines) {
        try {
            byte[] all = Files.readAllBytes(file);
            int from = Math.max(0, all.length - 64 * 1024);
            return Exec.tail(new String(all, from, all.length - from, StandardCharsets.UTF_8), lines);
        } catch (IOException e) {
            return "";
        }
    }

    /** Sets the owner of {@code dir} (not recursive: it is new or empty). */
    static void chown(Path dir, String user) throws IOException {
        UserPrincipal u = user(user).orElseThrow(() -> new AppException("system user " + user + " does not exist"));
        Files.setOwner(dir, u);
    }

    /** True if {@code dir} is missing or an empty folder. */
    static boolean emptyOrMissing(Path dir) throws IOException {
        if (!Files.exists(dir)) return true;
        if (!Files.isDirectory(dir)) throw new AppException(dir + " exists and is not a folder");
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
