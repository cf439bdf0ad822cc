package org.lifeboat.service.alert;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.lifeboat.repository.Json;

/**
 * Runs a shell command for each alert, as borgmatic's hooks do: {@code /bin/sh -c COMMAND}, with
 * the alert's JSON ({@link Alert#toJson()}) as one line on its standard input.
 *
 * <p>The command runs in {@code serve}'s working directory and environment. Its standard output
 * and error are captured together, keeping the last 64 KiB, for the error message.
 */
public final class CommandChannel implements AlertChannel {

    /** At most this much output is kept (its end: the last line tells what went wrong). */
    static final int OUTPUT_LIMIT = 64 * 1024;

    private final String command;
    private final Duration timeout;

    /**
     * A channel running {@code command}.
     *
     * @param command a shell command line, e.g. {@code /usr/local/bin/page-oncall --team ops}
     * @param timeout the longest the command may run
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the command is blank or the timeout is not positive
     */
    public CommandChannel(String command, Duration timeout) {
        this.command = Objects.requireNonNull(command, "command");
        if (command.isBlank()) {
            throw new IllegalArgumentException("An alert command must not be empty.");
        }
        this.timeout = WebhookChannel.checkTimeout(timeout);
    }

    /**
     * @return {@code command <program>}, with {@code …} for the arguments (which may hold tokens),
     *     e.g. {@code command /usr/local/bin/page-oncall …}
     */
    @Override
    public String describe() {
        String[] words = command.strip().split("\\s+", 2);
        return "command " + words[0] + (words.length > 1 ? " …" : "");
    }

    /**
     * Runs the command, writes the alert's JSON and a newline on its standard input, and waits for
     * it to exit (at most the timeout).
     *
     * @throws IOException if the shell cannot be started; if the command runs longer than the
     *     timeout ("alert command … did not finish within 60s"; it is then killed with all its
     *     descendants); or if it exits with a status other than 0 (the message names the status and
     *     the last line of output). {@link InterruptedIOException} if the thread is interrupted
     *     (the command is killed and the flag set again)
     */
    @Override
    public void send(Alert a) throws IOException {
        byte[] input = (Json.MAPPER.writeValueAsString(a.toJson()) + "\n").getBytes(StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
        Tail out = new Tail();
        // Separate threads: a command that ignores its input, or floods its output, must not stall us.
        Thread writer = Thread.ofVirtual().name("alert-command-stdin").start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(input);
            } catch (IOException ignored) {
                // The command exited or closed its input without reading it all: its choice.
            }
        });
        Thread reader = Thread.ofVirtual().name("alert-command-output").start(() -> out.drain(p.getInputStream()));
        boolean done;
        try {
            done = p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running alert " + describe());
        }
        if (!done) {
            kill(p);
            throw new IOException("alert " + describe() + " did not finish within " + WebhookChannel.text(timeout)
                    + " and was killed.");
        }
        try {
            // A background child may keep the output open after the shell exits: wait only a little.
            reader.join(Duration.ofSeconds(2));
            writer.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while running alert " + describe());
        }
        int code = p.exitValue();
        if (code != 0) {
            String last = out.lastLine();
            throw new IOException("alert " + describe() + " exited with code " + code
                    + (last.isEmpty() ? " and no output." : ": " + WebhookChannel.cut(last, 500)));
        }
    }

    // Descendants first, collected while they are still ours (after the shell dies they are init's).
    private static void kill(Process p) {
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    /** The last {@link #OUTPUT_LIMIT} bytes written to it, in a buffer of twice that (shifted when full). */
    static final class Tail {
        private final byte[] buf = new byte[2 * OUTPUT_LIMIT];
        private int len;

        void drain(InputStream in) {
            byte[] chunk = new byte[8192];
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    add(chunk, n);
                }
            } catch (IOException ignored) {
                // The process was killed: what was read is all there is.
            }
        }

        synchronized void add(byte[] b, int n) {
            if (n >= OUTPUT_LIMIT) {
                System.arraycopy(b, n - OUTPUT_LIMIT, buf, 0, OUTPUT_LIMIT);
                len = OUTPUT_LIMIT;
                return;
            }
            if (len + n > buf.length) {
                int keep = OUTPUT_LIMIT - n;
                System.arraycopy(buf, len - keep, buf, 0, keep);
                len = keep;
            }
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        synchronized String lastLine() {
            String[] lines = toString().strip().split("\\R");
            return Alert.oneLine(lines[lines.length - 1]).strip();
        }

        @Override
        public synchronized String toString() {
            int start = Math.max(0, len - OUTPUT_LIMIT);
            return new String(buf, start, len - start, StandardCharsets.UTF_8);
        }
    }
}
