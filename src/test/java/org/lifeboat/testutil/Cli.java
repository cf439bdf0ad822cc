package org.lifeboat.testutil;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs Lifeboat's command line against a repository: in this JVM (fast), or as a separate
 * process (for environment variables, standard input and kill tests).
 */
public final class Cli {
    private final Path repo;
    private final Path passwordFile;

    public Cli(Path repo, Path passwordFile) {
        this.repo = repo;
        this.passwordFile = passwordFile;
    }

    /** A password file with the shared test password, in {@code dir}. */
    public static Path passwordFile(Path dir) throws java.io.IOException {
        Path p = dir.resolve("password");
        Files.writeString(p, Restic.PASSWORD + "\n");
        return p;
    }

    public Path repo() {
        return repo;
    }

    /** In-process: {@code lifeboat -r REPO --password-file F args…}. */
    public Run run(String... args) {
        List<String> full = new ArrayList<>(List.of("-r", repo.toString(), "--password-file", passwordFile.toString()));
        full.addAll(List.of(args));
        return raw(null, full.toArray(String[]::new));
    }

    /** In-process with no implicit options. */
    public static synchronized Run raw(byte[] stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin));
            int code = org.lifeboat.cli.Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    /** As a separate JVM, with extra environment variables. */
    public static Run process(Map<String, String> env, byte[] stdin, String... args) {
        return Proc.run(command(args), env, null, stdin, 600);
    }

    /**
     * The command line of Lifeboat as a separate JVM: {@code java OPTIONS -cp TEST_CLASSPATH Main args…}.
     * Callers may insert JVM options at index 1 (heap limits, system properties).
     *
     * <p>The JVM compiles with C1 only ({@code -XX:TieredStopAtLevel=1}, as the launcher does for
     * metadata commands): a test's command runs for seconds on little data, where C2's compiler
     * threads cost more CPU than they save (about 35-45% of a short command's CPU time, measured on
     * {@code snapshots} and a 30 MB backup); the machine running the suite has 2 cores.
     */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.lifeboat.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    public Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("LIFEBOAT_REPOSITORY", repo.toString());
        env.put("LIFEBOAT_PASSWORD_FILE", passwordFile.toString());
        return env;
    }
}
