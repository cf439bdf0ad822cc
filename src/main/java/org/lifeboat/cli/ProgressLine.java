package org.lifeboat.cli;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.lifeboat.fs.Terminal;

/** A live status line on a terminal, redrawn a few times a second; silent when not on a terminal. */
final class ProgressLine implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final PrintStream out;
    private final Supplier<String> text;
    private final Supplier<String> file;
    private final IntSupplier columns;
    private final Context jsonCtx;
    private final Supplier<ObjectNode> json;
    private int lastLen;

    private ProgressLine(PrintStream out, Supplier<String> text, Supplier<String> file, boolean enabled,
                         Context jsonCtx, Supplier<ObjectNode> json) {
        // The line itself bypasses the guard: only other output clears it.
        this.out = out instanceof Guarded g ? g.raw : out;
        this.text = text;
        this.file = file;
        this.columns = () -> columns(System.getenv(), () -> Terminal.columns(1));
        this.jsonCtx = jsonCtx;
        this.json = json;
        if (jsonCtx != null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::emitJson, 1000, 1000, TimeUnit.MILLISECONDS);
        } else if (enabled) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::draw, 200, 250, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    /** True when progress is shown: a status line on a terminal, or status objects with --json. */
    static boolean shown(Context ctx) {
        return ctx.json() || System.console() != null && System.console().isTerminal() && !ctx.quiet();
    }

    /** A status line on a terminal; with --json, a status object every second instead. */
    static ProgressLine start(Context ctx, Supplier<String> text, Supplier<ObjectNode> json) {
        return start(ctx, text, () -> null, json);
    }

    /**
     * As {@link #start(Context, Supplier, Supplier)}, with the file being worked on after the status
     * (e.g. {@code () -> progress.currentFile}); that name is shortened in the middle first when the
     * line is too wide for the terminal.
     */
    static ProgressLine start(Context ctx, Supplier<String> text, Supplier<String> currentFile,
                              Supplier<ObjectNode> json) {
        boolean tty = System.console() != null && System.console().isTerminal() && !ctx.quiet();
        return new ProgressLine(ctx.out, text, currentFile, tty, ctx.json() && json != null ? ctx : null, json);
    }

    /** Used when neither COLUMNS nor the terminal tells a width (restic's default too). */
    static final int DEFAULT_COLUMNS = 80;

    /**
     * The terminal's width in columns: {@code COLUMNS} when it is a positive number (an explicit
     * setting wins, as in ls and less), else what the terminal reports, else 80.
     *
     * @param env the environment (System.getenv() in production)
     * @param terminal the terminal's width, or a value &lt;= 0 when unknown
     */
    static int columns(java.util.Map<String, String> env, IntSupplier terminal) {
        String c = env.get("COLUMNS");
        if (c != null) {
            try {
                int n = Integer.parseInt(c.trim());
                if (n > 0) return n;
            } catch (NumberFormatException ignored) {
                // not a number: ask the terminal
            }
        }
        int t = terminal.getAsInt();
        return t > 0 ? t : DEFAULT_COLUMNS;
    }

    private volatile boolean closed;

    private synchronized void emitJson() {
        // Synchronized with close(): no status object may follow the summary.
        if (!closed) jsonCtx.printJson(json.get());
    }

    /** restic's status object. */
    static ObjectNode statusJson(long startNanos, long files, long totalFiles, long done, long total) {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        ObjectNode o = org.lifeboat.repository.Json.MAPPER.createObjectNode().put("message_type", "status")
                .put("seconds_elapsed", (long) secs);
        if (total > 0) {
            o.put("percent_done", Math.min(1.0, (double) done / total));
            if (done > 0 && done < total) o.put("seconds_remaining", (long) (secs * (total - done) / done));
        }
        return o.put("total_files", totalFiles).put("files_done", files).put("total_bytes", total).put("bytes_done", done);
    }

    private void draw() {
        String s = fit(text.get(), file.get(), columns.getAsInt());
        int w = width(s);
        synchronized (TERMINAL) {
            // Not after close, and not in the middle of another line (a prompt, a message being
            // written in parts): that line would be overwritten.
            if (closed || midLine) return;
            out.print("\r" + s + " ".repeat(Math.max(0, lastLen - w)));
            out.flush();
            lastLen = w;
            drawn = this;
            draws++;
            TERMINAL.notifyAll();
        }
    }

    /**
     * Guards the terminal's line: every write to standard output and standard error made through
     * the streams installed by {@link #guardStandardStreams()} first clears a status line that is
     * drawn, so that no message starts after the counters ("… 0 B/srestoring 3 files"). The line is
     * redrawn at its next tick, below the message.
     */
    private static final Object TERMINAL = new Object();
    /** The status line now on the terminal, or null; guarded by {@link #TERMINAL}. */
    private static ProgressLine drawn;
    /** Whether other output left the cursor in the middle of a line; guarded by {@link #TERMINAL}. */
    private static boolean midLine;
    /** How often a line was drawn; guarded by {@link #TERMINAL} (for tests to wait on). */
    private static long draws;

    /**
     * Replaces System.out and System.err with streams that clear a drawn status line before
     * writing (see {@link #TERMINAL}); called once by {@link Main#main} before any output. Bytes
     * pass through unchanged, in the streams' own character sets.
     */
    static void guardStandardStreams() {
        if (!(System.out instanceof Guarded)) System.setOut(new Guarded(System.out));
        if (!(System.err instanceof Guarded)) System.setErr(new Guarded(System.err));
    }

    /** A standard stream that clears the status line before each write. */
    static final class Guarded extends PrintStream {
        final PrintStream raw;

        Guarded(PrintStream raw) {
            super(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (len == 0) return;
                    synchronized (TERMINAL) {
                        clearDrawn();
                        raw.write(b, off, len);
                        midLine = b[off + len - 1] != '\n';
                    }
                }

                @Override
                public void flush() {
                    raw.flush();
                }
            }, true, raw.charset());
            this.raw = raw;
        }

        /**
         * The wrapped stream swallows its IOException (EPIPE when the reader has gone): its error
         * flag is the one that tells, so that `ls | head` still stops (Context.checkOutput).
         */
        @Override
        public boolean checkError() {
            return super.checkError() || raw.checkError();
        }
    }

    /** Clears the drawn status line (if any) so that the next output starts at the line's start. */
    private static void clearDrawn() {
        synchronized (TERMINAL) {
            ProgressLine p = drawn;
            if (p == null) return;
            p.out.print("\r" + " ".repeat(p.lastLen) + "\r");
            p.out.flush();
            p.lastLen = 0;
            drawn = null;
        }
    }

    /**
     * Waits until a status line has been drawn after the {@code seen}-th drawing (for tests: the
     * terminal's state is then known).
     *
     * @return the number of drawings so far
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when no drawing happens within {@code timeoutMillis}
     */
    static long awaitDraw(long seen, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        synchronized (TERMINAL) {
            while (draws <= seen) {
                long left = end - System.currentTimeMillis();
                if (left <= 0) throw new IllegalStateException("no status line was drawn");
                TERMINAL.wait(left);
            }
            return draws;
        }
    }

    /** What marks a cut: one column wide. */
    static final String ELLIPSIS = "\u2026";

    /**
     * The status line for a terminal of {@code columns} columns: at most {@code columns - 1} columns
     * wide, because a line that fills the last column makes many terminals wrap, and then every
     * redraw (which only returns to the start of the line) adds a line. The current file follows the
     * status after two spaces; when too wide, the file name is shortened in the middle with "…"
     * (its start and its name stay readable), then dropped, then the status is cut at the end.
     * Control characters (a newline in a file name would break the redraw) are shown as '?'.
     *
     * @param status the counters, never null
     * @param currentFile the file being worked on, or null/empty for none
     * @param columns the terminal width in columns (values below 2 are treated as 2)
     * @return the line, {@link #width} at most {@code columns - 1}
     */
    static String fit(String status, String currentFile, int columns) {
        int max = Math.max(1, columns - 1);
        String s = printable(status);
        if (currentFile != null && !currentFile.isEmpty()) {
            String f = printable(currentFile);
            int room = max - width(s) - 2;
            // Below 10 columns a shortened name says nothing: show the counters only.
            if (width(f) <= room) return s + "  " + f;
            if (room >= 10) return s + "  " + middle(f, room);
        }
        return width(s) <= max ? s : cut(s, max);
    }

    /** As {@link #fit(String, String, int)} for a line without a current file. */
    static String fit(String line, int columns) {
        return fit(line, null, columns);
    }

    /** {@code s} shortened to {@code max} columns by replacing its middle with "…". */
    static String middle(String s, int max) {
        if (width(s) <= max) return s;
        int keep = max - 1; // for the ellipsis
        int tailCols = keep / 2; // the end holds the file's own name: give it the larger half
        int headCols = keep - tailCols;
        if (tailCols < headCols) {
            tailCols = headCols;
            headCols = keep - tailCols;
        }
        StringBuilder head = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int w = width(cp);
            if (used + w > headCols) break;
            head.appendCodePoint(cp);
            used += w;
            i += Character.charCount(cp);
        }
        int tailStart = s.length();
        int tailUsed = 0;
        while (tailStart > 0) {
            int cp = s.codePointBefore(tailStart);
            int w = width(cp);
            if (tailUsed + w > keep - used) break;
            tailUsed += w;
            tailStart -= Character.charCount(cp);
        }
        return head + ELLIPSIS + s.substring(tailStart);
    }

    /** {@code s} cut at the end to {@code max} columns, the last one being "…". */
    static String cut(String s, int max) {
        if (width(s) <= max) return s;
        StringBuilder b = new StringBuilder();
        int used = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int w = width(cp);
            if (used + w > max - 1) break;
            b.appendCodePoint(cp);
            used += w;
            i += Character.charCount(cp);
        }
        return b + ELLIPSIS;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return b.toString();
    }

    /** Columns a string takes on a terminal (see {@link #width(int)}). */
    static int width(String s) {
        return s.codePoints().map(ProgressLine::width).sum();
    }

    /**
     * Columns one code point takes: 0 for combining marks and format characters, 2 for East Asian
     * wide and full-width characters (CJK, Hangul, full-width forms, most emoji), 1 otherwise.
     */
    static int width(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT) return 0;
        boolean wide = cp >= 0x1100 && cp <= 0x115F           // Hangul Jamo
                || cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F // CJK radicals .. Yi
                || cp >= 0xAC00 && cp <= 0xD7A3                // Hangul syllables
                || cp >= 0xF900 && cp <= 0xFAFF                // CJK compatibility ideographs
                || cp >= 0xFE30 && cp <= 0xFE4F                // CJK compatibility forms
                || cp >= 0xFF00 && cp <= 0xFF60                // full-width forms
                || cp >= 0xFFE0 && cp <= 0xFFE6
                || cp >= 0x1F300 && cp <= 0x1F64F              // pictographs, emoticons
                || cp >= 0x1F900 && cp <= 0x1F9FF
                || cp >= 0x20000 && cp <= 0x3FFFD;             // CJK extensions
        return wide ? 2 : 1;
    }

    @Override
    public void close() {
        synchronized (this) {
            // Synchronized with emitJson(): no status object may follow the summary.
            closed = true;
        }
        if (timer == null) return;
        timer.shutdownNow();
        if (jsonCtx != null) return;
        synchronized (TERMINAL) {
            // Whatever follows starts on a clean line.
            if (drawn == this) clearDrawn();
        }
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.3f %s", v, u[i]);
    }

    static String duration(long seconds) {
        return String.format(java.util.Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** "files, bytes, rate, ETA" from counters. */
    static String status(long startNanos, long files, long totalFiles, long done, long total) {
        double secs = Math.max(0.001, (System.nanoTime() - startNanos) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(duration((long) secs)).append("] ");
        if (total > 0) sb.append(String.format(java.util.Locale.ROOT, "%.1f%%  ", Math.min(100.0, 100.0 * done / total)));
        sb.append(files).append(totalFiles > 0 ? " / " + totalFiles : "").append(" files  ");
        sb.append(bytes(done)).append(total > 0 ? " / " + bytes(total) : "").append("  ");
        sb.append(bytes((long) rate)).append("/s");
        if (total > done && rate > 0) sb.append("  ETA ").append(duration((long) ((total - done) / rate)));
        return sb.toString();
    }
}
