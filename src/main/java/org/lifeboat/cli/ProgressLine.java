package org.lifeboat.cli;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A live status line on a terminal, redrawn a few times a second; silent when not on a terminal. */
final class ProgressLine implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final PrintStream out;
    private final Supplier<String> text;
    private final Context jsonCtx;
    private final Supplier<ObjectNode> json;
    private int lastLen;

    private ProgressLine(PrintStream out, Supplier<String> text, boolean enabled, Context jsonCtx,
                         Supplier<ObjectNode> json) {
        this.out = out;
        this.text = text;
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
        boolean tty = System.console() != null && System.console().isTerminal() && !ctx.quiet();
        return new ProgressLine(ctx.out, text, tty, ctx.json() && json != null ? ctx : null, json);
    }

    private boolean closed;

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

    private synchronized void draw() {
        String s = text.get();
        int width = 120;
        if (s.length() > width) s = s.substring(0, width);
        out.print("\r" + s + " ".repeat(Math.max(0, lastLen - s.length())));
        out.flush();
        lastLen = s.length();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timer == null) return;
        timer.shutdownNow();
        if (jsonCtx != null) return;
        out.print("\r" + " ".repeat(lastLen) + "\r");
        out.flush();
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
