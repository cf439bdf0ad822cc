package org.lifeboat.restore;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lifeboat.fs.Dir;

/**
 * The folders below one opened target, each reachable again only by re-opening its chain of names
 * from the target with {@link Dir#openDir} ({@code O_NOFOLLOW} at every step): a symlink put in
 * place of a folder, by this run or anyone else, ends the chain with an error instead of leading
 * outside. No {@link java.nio.file.Path} below the target is ever built.
 *
 * <p>A small LRU cache of open descriptors makes repeated access to the same folders (workers
 * writing the files of one folder, metadata deepest first) one dup(2) instead of a re-open per
 * level; at most {@link #CACHED} descriptors are held, whatever the depth. Thread-safe.
 */
final class Folders implements AutoCloseable {
    /** Open folder descriptors kept for reuse. */
    static final int CACHED = 64;

    /** One folder below the target: its parent (null for the target itself) and its name there. */
    static final class Ref {
        final Ref parent;
        final String name;
        final int depth;
        /** True once the folder is known to exist as a real folder (created or found). */
        volatile boolean made;
        /** True once creating or opening it failed (reported once; nothing inside is restored). */
        volatile boolean failed;
        /**
         * The snapshot's node for this folder and its path in the snapshot (null for the target):
         * whoever creates the folder, the walk or a match below it, gives it this node's metadata.
         */
        volatile org.lifeboat.repository.tree.Node node;
        volatile String snPath;

        Ref(Ref parent, String name) {
            this.parent = parent;
            this.name = name;
            this.depth = parent == null ? 0 : parent.depth + 1;
        }

        /** A folder named {@code name} inside this one (nothing is created). */
        Ref child(String name) {
            return new Ref(this, name);
        }
    }

    private final Dir root;
    private final Ref rootRef = new Ref(null, null);
    private final LinkedHashMap<Ref, Dir> cache = new LinkedHashMap<>(CACHED * 2, 0.75f, true);

    /** Takes ownership of {@code root} (closed with this object). */
    Folders(Dir root) {
        this.root = root;
        rootRef.made = true;
    }

    Ref root() {
        return rootRef;
    }

    /** The target's own path, for messages. */
    String rootPath() {
        return root.path();
    }

    /** The path of {@code name} in folder {@code ref}, for messages only (never opened by it). */
    String display(Ref ref, String name) {
        StringBuilder sb = new StringBuilder();
        for (Ref r = ref; r != null && r.parent != null; r = r.parent) sb.insert(0, "/" + r.name);
        String base = root.path();
        if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        return base + sb + (name == null ? "" : "/" + name);
    }

    /**
     * Opens the folder {@code ref}: a descriptor the caller closes.
     *
     * @throws IOException if a folder on the way is missing, is a symlink or not a folder
     *                     (never followed), or descriptors run out
     */
    Dir open(Ref ref) throws IOException {
        if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("restore interrupted");
        Deque<Ref> chain = new ArrayDeque<>();
        Dir base;
        synchronized (this) {
            Ref a = ref;
            while (true) {
                if (a.parent == null) {
                    base = root.dup();
                    break;
                }
                Dir c = cache.get(a);
                if (c != null) {
                    base = c.dup();
                    break;
                }
                chain.push(a);
                a = a.parent;
            }
        }
        try {
            while (!chain.isEmpty()) {
                Ref next = chain.pop();
                Dir d = base.openDir(next.name);
                base.close();
                base = d;
                // Folders near the one asked for are the likely next ones: keep the last two levels.
                if (chain.size() <= 1) remember(next, d);
            }
            return base;
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
    }

    private void remember(Ref ref, Dir d) throws IOException {
        Dir copy = d.dup();
        synchronized (this) {
            Dir old = cache.put(ref, copy);
            if (old != null) old.close();
            if (cache.size() > CACHED) {
                Iterator<Map.Entry<Ref, Dir>> it = cache.entrySet().iterator();
                Map.Entry<Ref, Dir> eldest = it.next();
                it.remove();
                eldest.getValue().close();
            }
        }
    }

    /** Drops a cached descriptor (after the folder was removed or replaced). */
    synchronized void forget(Ref ref) {
        Dir d = cache.remove(ref);
        if (d != null) d.close();
    }

    @Override
    public synchronized void close() {
        for (Dir d : cache.values()) d.close();
        cache.clear();
        root.close();
    }
}
