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
 * <p>A source folder replaced by a new one of the same name (moved away and made again) is
 * watched anew, and the replacement is a change.
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
    /**
     * The source folders whose parent is watched for the folder itself being replaced (moved
     * away and made again, as deploy scripts do): inotify follows the old folder, so the new one
     * is registered when it appears.
     */
    private final Map<WatchKey, List<Root>> rootsIn = new HashMap<>();

    private record Root(String system, Path path) {}
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
                if (!(src instanceof Source.PathSource p)) continue;
                Path root = Path.of(p.path());
                register(s.name(), root);
                watchReplacement(s.name(), root);
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

    /** Watches {@code root}'s parent for {@code root} being removed or made again. */
    private synchronized void watchReplacement(String system, Path root) {
        Path parent = root.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(parent)) return;
        try {
            // the same kinds as every folder: registering a folder again replaces its kinds
            WatchKey k = parent.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            rootsIn.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(new Root(system, root.toAbsolutePath()));
        } catch (IOException e) {
            say.accept(system + ": cannot watch " + parent + " for " + root + " being replaced (" + e.getMessage() + ")");
        }
    }

    /**
     * {@code root} was made again (or removed): the watches of the old folder's tree are dropped
     * (they follow the old folder wherever it went), and the new one's tree is watched.
     */
    private void replaced(Root r) {
        synchronized (this) {
            for (Map.Entry<WatchKey, Path> e : List.copyOf(folderOf.entrySet())) {
                if (r.system().equals(systemOf.get(e.getKey())) && e.getValue().toAbsolutePath().startsWith(r.path())) {
                    e.getKey().cancel();
                    systemOf.remove(e.getKey());
                    folderOf.remove(e.getKey());
                }
            }
        }
        if (Files.isDirectory(r.path(), LinkOption.NOFOLLOW_LINKS)) {
            say.accept(r.system() + ": " + r.path() + " was replaced by a new folder; watching the new one");
            register(r.system(), r.path());
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
                List<Root> roots;
                synchronized (this) {
                    system = systemOf.get(k);
                    dir = folderOf.get(k);
                    roots = rootsIn.getOrDefault(k, List.of());
                }
                for (WatchEvent<?> e : k.pollEvents()) {
                    for (Root r : roots) {
                        if (!(e.context() instanceof Path name) || !name.equals(r.path().getFileName())) continue;
                        if (e.kind() == StandardWatchEventKinds.ENTRY_MODIFY) continue;
                        firstChange.putIfAbsent(r.system(), now);
                        lastChange.put(r.system(), now);
                        if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE) replaced(r);
                    }
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
                        rootsIn.remove(k);
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
