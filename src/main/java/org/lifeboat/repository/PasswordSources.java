package org.lifeboat.repository;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lifeboat.backend.Cancel;

/**
 * Where a repository password (and location) comes from when nothing more specific is given, read
 * as restic (0.14 to 0.19) reads it: files lose a byte order mark and surrounding white space, a
 * variable that is set but empty counts as not set.
 */
public final class PasswordSources {
    private PasswordSources() {}

    /** Lifeboat's variables first, then restic's: a Lifeboat name beats the restic name of the same kind. */
    static final List<String> PREFIXES = List.of("LIFEBOAT_", "RESTIC_");

    /** The most a password command may print or a password/repository file may hold, in bytes. */
    static final int MAX_TEXT = 1 << 20;

    /**
     * The password from the environment: for LIFEBOAT_ and then RESTIC_, as restic orders its
     * sources, X_PASSWORD_COMMAND, X_PASSWORD_FILE, X_PASSWORD; the first group with any of them
     * set (non-empty) decides. Empty when none is set.
     *
     * @throws IOException naming the file or command that cannot be read or run, or both a command
     *     and a file in one group (restic refuses that too)
     */
    public static Optional<String> fromEnvironment() throws IOException {
        return fromEnvironment(System.getenv(), Cancel.NEVER);
    }

    /**
     * {@link #fromEnvironment()} for a job: a password command it runs is killed when
     * {@code cancel} is cancelled.
     *
     * @throws Cancel.Cancelled if the job was cancelled before or while the password command ran
     * @throws IOException as {@link #fromEnvironment()}
     */
    public static Optional<String> fromEnvironment(Cancel cancel) throws IOException {
        return fromEnvironment(System.getenv(), cancel);
    }

    /** {@link #fromEnvironment()} over the given variables. */
    static Optional<String> fromEnvironment(Map<String, String> env) throws IOException {
        return fromEnvironment(env, Cancel.NEVER);
    }

    private static Optional<String> fromEnvironment(Map<String, String> env, Cancel cancel) throws IOException {
        for (String prefix : PREFIXES) {
            String command = nonEmpty(env.get(prefix + "PASSWORD_COMMAND"));
            String file = nonEmpty(env.get(prefix + "PASSWORD_FILE"));
            String value = nonEmpty(env.get(prefix + "PASSWORD"));
            if (command != null && file != null) {
                throw new RepositoryException(prefix + "PASSWORD_COMMAND and " + prefix
                        + "PASSWORD_FILE are both set; set only one (they are mutually exclusive, as in restic)");
            }
            if (command != null) return Optional.of(fromCommand(command, cancel));
            if (file != null) return Optional.of(readFile(Path.of(file)));
            if (value != null) return Optional.of(value);
        }
        return Optional.empty();
    }

    /** The first non-empty value of X_NAME for X = LIFEBOAT, RESTIC, and which variable it was; null when none. */
    public static String[] variable(String name) {
        for (String prefix : PREFIXES) {
            String v = nonEmpty(System.getenv(prefix + name));
            if (v != null) return new String[] {prefix + name, v};
        }
        return null;
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /**
     * A password file as restic reads it: a UTF-8 byte order mark is skipped (UTF-16 with a byte
     * order mark is decoded), then white space at both ends is removed (so "secret  \n" is
     * "secret"; inner line breaks stay).
     *
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     * @throws IOException when it cannot be read or is larger than 1 MiB
     */
    public static String readFile(Path file) throws IOException {
        if (Files.size(file) > MAX_TEXT) throw new RepositoryException("file " + file + " is larger than 1 MiB; it holds no password");
        return trim(decodeText(Files.readAllBytes(file)));
    }

    /** restic's textfile.Decode: BOM removed, UTF-16 (with BOM) converted, otherwise UTF-8. */
    static String decodeText(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
            return new String(b, 3, b.length - 3, StandardCharsets.UTF_8);
        }
        if (b.length >= 2 && ((b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff || (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe)) {
            return new String(b, StandardCharsets.UTF_16); // Java's UTF-16 reads and drops the BOM
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Go's strings.TrimSpace: Unicode white space at both ends (Java's strip()). */
    static String trim(String s) {
        return s.strip();
    }

    /**
     * Runs a password command as restic does: split into words like a shell (quotes, no variables
     * or pipes), run without a shell, its standard error passed through, its output trimmed. Not
     * cancellable: see {@link #fromCommand(String, Cancel)}.
     *
     * @throws IOException naming the command when it cannot start or exits with a non-zero code
     */
    public static String fromCommand(String command) throws IOException {
        return fromCommand(command, Cancel.NEVER);
    }

    /**
     * {@link #fromCommand(String)} for a job: when {@code cancel} is cancelled (Ctrl-C or SIGTERM
     * while a command waits for a keyring, say) the command and what it started are killed at
     * once, and this throws {@link Cancel.Cancelled}. No JVM shutdown hook: the face that ends
     * the process cancels the token first.
     *
     * @throws Cancel.Cancelled if the job was cancelled before or while the command ran
     * @throws IOException naming the command when it cannot start or exits with a non-zero code
     */
    public static String fromCommand(String command, Cancel cancel) throws IOException {
        List<String> words = splitWords(command);
        if (words.isEmpty()) throw new RepositoryException("the password command is empty");
        cancel.check();
        Process p;
        try {
            p = new ProcessBuilder(words).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new RepositoryException("cannot run the password command \"" + words.getFirst() + "\": " + startFailure(e));
        }
        // Registered after the start: a cancel that came in between runs the kill at once.
        Runnable unregister = cancel.onCancel(() -> kill(p));
        try {
            String pw = readPassword(command, p);
            cancel.check(); // killed for the cancel just as it ended: its output may be cut short
            return pw;
        } catch (IOException e) {
            cancel.check(); // the failure of a killed command is the cancel's consequence, not news
            throw e;
        } finally {
            unregister.run();
        }
    }

    /** Kills a password command and what it started, and waits (5 s at most) until it is reaped. */
    private static void kill(Process p) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readPassword(String command, Process p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + n > MAX_TEXT) {
                    p.destroyForcibly();
                    throw new RepositoryException("the password command '" + command + "' printed more than 1 MiB");
                }
                out.write(buf, 0, n);
            }
        }
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while running the password command");
        }
        if (code != 0) throw new RepositoryException("the password command '" + command + "' failed (exit code " + code + ")");
        return trim(new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    /**
     * The system's reason a program could not start, in its own words ("no such file or directory"),
     * without Java's wrapping ({@code Cannot run program "x": Exec failed, error: 2 (No such file or directory)}).
     */
    static String startFailure(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().strip();
        int open = m.lastIndexOf('(');
        int close = m.lastIndexOf(')');
        String why;
        if (open >= 0 && close > open) {
            why = m.substring(open + 1, close);
        } else {
            int comma = m.lastIndexOf(", ");
            why = comma >= 0 ? m.substring(comma + 2) : m;
        }
        if (why.isBlank()) why = "it could not be started";
        return Character.toLowerCase(why.charAt(0)) + why.substring(1);
    }

    /** Shell-like word splitting: blanks separate words; '…' and "…" quote; a backslash escapes outside single quotes. */
    static List<String> splitWords(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < s.length()) w.append(s.charAt(++i));
                else w.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < s.length()) {
                w.append(s.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced quote in '" + s + "'");
        if (inWord) words.add(w.toString());
        return words;
    }
}
