package org.lifeboat.service;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.lifeboat.plan.Plan;
import org.lifeboat.plan.Schedule;
import org.lifeboat.plan.Source;
import org.lifeboat.plan.SystemSpec;

/**
 * Continuous backups ({@code schedule: { backup: continuous }}): the folders of a system's path
 * sources are watched (inotify on Linux, through {@link WatchService}), and a change asks for a
 * backup once the files have been quiet for {@code quiet} (an editor saving, a build writing, are
 * one backup), at the latest {@code maxDelay} after the first change. The schedule's fallback
 * (every half RPO) still holds, so a missed event never misses the RPO.
 *
 * <p>At most {@link #MAX_FOLDERS} folders are watched per service (inotify's default limit is 8,192
 * per user): past it, the rest of a tree is left to the fallback, and said once.
 */
public final class ContinuousWatcher implements AutoCloseable {
    /** Folders watched at most, over all systems. */
    static final int MAX_FOLDERS = 4096;

    private final WatchService watch;
    private final Map<WatchKey, String> systemOf = new HashMap<>();
    private final Map<WatchKey, Path> folderOf = new HashMap<>();
    private final Map<String, Long> firstChange = new LinkedHashMap<>();
    private final Map<String, Long> lastChange = new LinkedHashMap<>();
    private final Duration quiet;
    private final Duration maxDelay;
    private final BiConsumer<String, String> trigger;
    private final Consumer<String> say;
    private final Thread thread;
    private boolean full;

    /**
     * Watches the path sources of {@code plan}'s continuous systems and starts at once.
     *
     * @param trigger given (system, "continuous") when a backup is due
     * @throws IOException when no watch service can be made
     */
    public ContinuousWatcher(Plan plan, Duration quiet, Duration maxDelay, BiConsumer<String, String> trigger,
                             Consumer<String> say) throws IOException {
        this.watch = FileSystems.getDefault().newWatchService();
        this.quiet = quiet;
        this.maxDelay = maxDelay;
        this.trigger = trigger;
        this.say = say;
        for (SystemSpec s : plan.systems().values()) {
            if (!(plan.service().jobs(s.name()).schedule().get("backup") instanceof Schedule.Continuous)) continue;
            if (s.backup() == null) continue;
            for (Source src : s.backup().sources()) {
                if (src instanceof Source.PathSource p) register(s.name(), Path.of(p.path()));
            }
        }
        thread = Thread.ofPlatform().name("lifeboat-watch").daemon(true).start(this::loop);
    }

    /** Whether any folder is watched. */
    public synchronized boolean watching() {
        return !systemOf.isEmpty();
    }

    private void register(String system, Path root) {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            // a file source: watch its folder (events of other files there cost one look each)
            Path parent = root.getParent();
            if (parent != null && Files.isDirectory(parent)) registerOne(system, parent);
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return registerOne(system, dir) ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE; // unreadable: the backup will say so
                }
            });
        } catch (IOException e) {
            say.accept(system + ": cannot watch " + root + " (" + e.getMessage() + "); backed up every half RPO instead");
        }
    }

    private synchronized boolean registerOne(String system, Path dir) {
        if (systemOf.size() >= MAX_FOLDERS) {
            if (!full) say.accept(system + ": more than " + MAX_FOLDERS + " folders to watch; the rest is backed up every half RPO");
            full = true;
            return false;
        }
        try {
            WatchKey k = dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            systemOf.put(k, system);
            folderOf.put(k, dir);
            return true;
        } catch (IOException e) {
            say.accept(system + ": cannot watch " + dir + " (" + e.getMessage() + ")");
            return true;
        }
    }

    private void loop() {
        while (true) {
            WatchKey k;
            try {
                k = watch.poll(250, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            long now = System.nanoTime();
            if (k != null) {
                String system;
                Path dir;
                synchronized (this) {
                    system = systemOf.get(k);
                    dir = folderOf.get(k);
                }
                for (WatchEvent<?> e : k.pollEvents()) {
                    if (system == null) continue;
                    firstChange.putIfAbsent(system, now);
                    lastChange.put(system, now);
                    // a new folder is watched as well (its content may come before the watch: the backup reads it anyway)
                    if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE && e.context() instanceof Path name && dir != null) {
                        Path child = dir.resolve(name);
                        if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) register(system, child);
                    }
                }
                if (!k.reset()) {
                    synchronized (this) {
                        systemOf.remove(k);
                        folderOf.remove(k);
                    }
                }
            }
            for (String s : List.copyOf(lastChange.keySet())) {
                boolean quietLongEnough = now - lastChange.get(s) >= quiet.toNanos();
                boolean waitedEnough = now - firstChange.get(s) >= maxDelay.toNanos();
                if (quietLongEnough || waitedEnough) {
                    lastChange.remove(s);
                    firstChange.remove(s);
                    trigger.accept(s, "continuous");
                }
            }
        }
    }

    /** Stops watching; no trigger comes after it returns. */
    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
