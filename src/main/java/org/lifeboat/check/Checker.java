package org.lifeboat.check;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Pack;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Plural;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.RepositoryException;
import org.lifeboat.repository.RetentionKeeper;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.UnindexedPacks;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.Tree;
import org.lifeboat.repository.tree.TreeCodec;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * Verifies a repository as restic's check does: index files load, every indexed pack exists,
 * every snapshot's trees load and every blob they reference is indexed; with read-data, every pack
 * is read whole: its hash, header, and each blob's MAC, decompression and hash. Damaged blobs are
 * traced back to the snapshots and file paths that use them.
 */
public final class Checker {
    private final Repository repo;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    /** Packs that are missing, truncated or damaged: restic's "broken_packs". */
    private final Set<Id> brokenPacks = ConcurrentHashMap.newKeySet();
    private volatile boolean suggestPrune;
    /** A snapshot needs a blob the index does not list. */
    private volatile boolean notIndexed;
    public final LongAdder packsDone = new LongAdder();
    public volatile long packsTotal;

    private final Cancel cancel;

    public Checker(Repository repo) {
        this(repo, Cancel.NEVER);
    }

    /**
     * @param cancel the job's cancel token, checked between trees and between packs; a cancelled
     *               check ends with {@link Cancel.Cancelled}
     */
    public Checker(Repository repo, Cancel cancel) {
        this.repo = repo;
        this.cancel = cancel;
    }

    /**
     * Runs the check. {@code subset} chooses packs for read-data: null for none, otherwise a
     * predicate over (pack index in sorted order, pack count).
     */
    public CheckResult run(PackSubset subset) throws IOException {
        repo.loadIndex();
        errors.addAll(repo.indexErrors());
        // Per pack: {blobs, size the index implies}, from one pass over the index (no object kept
        // per blob). As restic: blobs + one header entry per blob (37 bytes, 41 compressed) +
        // header MAC/IV + length field.
        Map<Id, long[]> packStats = new HashMap<>();
        repo.forEachIndexEntry((b, n) -> {
            long[] st = packStats.computeIfAbsent(b.pack(), k -> new long[] {0, org.lifeboat.repository.Crypto.OVERHEAD + 4});
            st[0]++;
            st[1] += b.length() + (b.compressed() ? 41 : 37);
        });
        Map<String, Long> onDisk = new HashMap<>();
        List<Repository.StrayPack> strays = new ArrayList<>();
        for (Repository.PackFile f : repo.listPacks(strays::add)) onDisk.put(f.id().hex(), f.size());
        // Blobs of packs that are missing, truncated or fail to read: traced to the snapshots and
        // files that lose data, all through one BlobUsers walk at the end.
        Set<BlobKey> damagedBlobs = ConcurrentHashMap.newKeySet();
        Set<Id> lost = new HashSet<>();
        // Files with a pack's name that cannot be read by it: a pack outside its folder is whole
        // (moving it back is all it needs, and no repair may drop its entries first); a folder
        // holds no pack, so the blobs the index places in it are lost.
        List<Repository.StrayPack> misplaced = new ArrayList<>();
        List<Repository.StrayPack> copies = new ArrayList<>();
        List<Repository.StrayPack> outsideUnindexed = new ArrayList<>();
        Set<Id> explained = new HashSet<>();
        strays.sort((a, b) -> a.path().compareTo(b.path()));
        // Two files outside the folder, or a folder in the pack's place: one move cannot be the
        // advice (the second move would replace the first file; a move into a folder nests it).
        Map<Id, List<String>> outside = new HashMap<>();
        for (Repository.StrayPack s : strays) if (s.file()) outside.computeIfAbsent(s.id(), k -> new ArrayList<>()).add(s.path());
        boolean byHand = false;
        for (Repository.StrayPack s : strays) {
            long[] st = packStats.get(s.id());
            List<String> files = outside.getOrDefault(s.id(), List.of());
            if (!onDisk.containsKey(s.id().hex()) && !files.isEmpty() && (files.size() > 1 || s.homeTaken())) {
                if (!explained.add(s.id())) continue;
                byHand = true;
                String inIt = st == null ? "no index names it" : "the index places " + Plural.of(st[0], "blob") + " in it";
                errors.add(files.size() > 1
                        ? "pack " + s.id().shortHex() + " is not in its folder (" + inIt + "), and " + files.size() + " files outside it"
                                + " have its name (" + String.join(", ", files) + "): move the one for which 'sha256sum FILE' prints "
                                + s.id().hex() + " to " + s.home() + " and the others out of the repository (if none does, any"
                                + " one: keep the others, they may hold blobs it lost)"
                                + (s.homeTaken() ? ", after moving the folder " + s.home() + " out of the repository" : "")
                        : "pack " + s.id().shortHex() + " is at " + files.get(0) + " (" + inIt + "), and " + s.home() + " is not a"
                                + " file but a folder or another kind of entry: move that folder out of the repository, then move "
                                + files.get(0) + " to " + s.home());
                continue;
            }
            if (onDisk.containsKey(s.id().hex())) {
                // judged once the packs are read: it may be the one intact copy of a damaged pack
                if (s.file()) {
                    copies.add(s);
                } else {
                    warnings.add(s.path() + " has the name of pack " + s.id().shortHex() + ", which is in its place at " + s.home()
                            + "; Lifeboat ignores it (remove it)");
                }
            } else if (!s.file() && !files.isEmpty()) {
                // the pack itself lies outside its folder (said on its own line): this entry holds nothing
                warnings.add(s.problem() + "; the file of pack " + s.id().shortHex() + " is at " + files.getFirst()
                        + ", so Lifeboat ignores this one (remove it)");
            } else if (s.file() && st == null) {
                // judged once the trees are walked: only data the index lacks makes it matter
                outsideUnindexed.add(s);
                explained.add(s.id());
            } else if (s.file()) {
                errors.add(s.problem() + " (the index places " + Plural.of(st[0], "blob") + " in it): move it back to " + s.home());
                misplaced.add(s);
                explained.add(s.id());
            } else if (st != null) {
                errors.add(s.problem() + ": the " + Plural.of(st[0], "blob") + " the index places in pack " + s.id().shortHex()
                        + (st[0] == 1 ? " is" : " are") + " lost");
                brokenPacks.add(s.id());
                lost.add(s.id());
                explained.add(s.id());
            } else {
                warnings.add(s.problem() + "; no index names pack " + s.id().shortHex()
                        + ", so Lifeboat leaves it alone (remove it)");
            }
        }
        for (Map.Entry<Id, long[]> e : packStats.entrySet()) {
            Id pack = e.getKey();
            if (!onDisk.containsKey(pack.hex()) && !explained.contains(pack)) {
                errors.add("pack " + pack.shortHex() + " is in the index but missing from the repository ("
                        + Plural.of(e.getValue()[0], "blob") + ")");
                brokenPacks.add(pack);
                lost.add(pack);
            }
        }
        // A pack with an index entry refused (reported above as an index error) has blobs the index
        // no longer lists: its size says nothing about damage.
        Set<Id> incomplete = repo.packsWithRefusedIndexEntries();
        for (Map.Entry<Id, long[]> e : packStats.entrySet()) {
            if (incomplete.contains(e.getKey())) continue;
            Long actual = onDisk.get(e.getKey().hex());
            long expected = e.getValue()[1];
            if (actual != null && actual != expected) {
                errors.add("pack " + e.getKey().shortHex() + ": size is " + actual + " bytes, the index implies "
                        + expected + " (truncated or damaged)");
                brokenPacks.add(e.getKey());
                // Its blobs cannot all be read: name the snapshots and files that lose data, as for
                // a missing pack, without needing --read-data.
                lost.add(e.getKey());
            }
        }
        if (!lost.isEmpty()) repo.forEachIndexEntry(lost, (b, n) -> damagedBlobs.add(new BlobKey(b.type(), b.id())));
        List<String> unindexed = new ArrayList<>();
        for (String name : onDisk.keySet()) if (!packStats.containsKey(Id.parse(name))) unindexed.add(name);
        Collections.sort(unindexed);
        List<Id> unreadableSnapshots = new ArrayList<>();
        List<Snapshot> snaps = repo.listSnapshotsNamingUnreadable((id, why) -> {
            errors.add(why);
            unreadableSnapshots.add(id);
        });
        Set<BlobKey> missingBlobs = ConcurrentHashMap.newKeySet();
        long trees = checkTrees(snaps, missingBlobs);
        for (Repository.StrayPack s : outsideUnindexed) {
            if (notIndexed) {
                errors.add(s.problem() + " (no index names it): move it back to " + s.home());
                misplaced.add(s);
            } else {
                // a leftover (a copy of a pack prune removed): moving it back would only give prune work
                warnings.add(s.problem() + "; no index names it and no snapshot needs data the index lacks, so Lifeboat leaves"
                        + " it alone (remove it)");
            }
        }
        // Unused only when no snapshot lacks an index entry: else they may hold that data (a lost
        // index file), and prune would delete it. Each warning names the step the advice names.
        UnindexedPacks u = unindexed.isEmpty() ? UnindexedPacks.NONE : UnindexedPacks.find(repo);
        for (String name : unindexed) {
            Id p = Id.parse(name);
            String head = "pack " + name.substring(0, 8) + " is not referenced in any index";
            if (!notIndexed) {
                warnings.add(head + (u.unreadable().containsKey(p) ? " and its header cannot be read (" + u.unreadable().get(p) + ")" : "")
                        + " (unused; prune removes it)");
            } else if (onDisk.get(name) < org.lifeboat.repository.Pack.MIN_SIZE_WITH_BLOB) {
                warnings.add(head + " and is too short to hold a blob (" + onDisk.get(name) + " bytes; prune removes it)");
            } else if (u.holdingUnindexedBlobs().contains(p)) {
                warnings.add(head + " and holds blobs the index lacks (snapshots need blobs the index lacks: repair index reads it)");
            } else if (u.lockedUnreadable().containsKey(p)) {
                warnings.add(head + " and its header cannot be read (" + u.unreadable().get(p) + "); no command can read its"
                        + " blobs, and the storage keeps it under retention until " + u.lockedUnreadable().get(p));
            } else if (u.unreadable().containsKey(p)) {
                warnings.add(head + " and its header cannot be read (" + u.unreadable().get(p) + "); it may hold blobs the"
                        + " snapshots need: repair packs keeps a copy of it and removes it");
            } else {
                warnings.add(head + " (its blobs are all in the index through other packs; prune removes it)");
            }
        }
        suggestPrune = !unindexed.isEmpty() && !notIndexed;
        long packsRead = 0;
        long packsAvailable = 0;
        Set<Id> readPackIds = new HashSet<>();
        if (subset != null) {
            List<Id> packs = new ArrayList<>(packStats.keySet());
            packs.removeIf(p -> !onDisk.containsKey(p.hex()));
            Collections.sort(packs);
            packsAvailable = packs.size();
            List<Id> chosen = subset.choose(packs, onDisk);
            packsTotal = chosen.size();
            readPacks(chosen, packStats, damagedBlobs);
            packsRead = chosen.size();
            readPackIds.addAll(chosen);
        }
        // A second file with the name of a pack in its place: the intact copy when the pack is
        // damaged (moving it over is the whole repair, and no repair may drop blobs first), else
        // a leftover once the pack was read whole.
        boolean copyOfDamaged = false;
        for (Repository.StrayPack s : copies) {
            String copy = s.path() + " has the name of pack " + s.id().shortHex() + ", which is in its place at " + s.home();
            if (brokenPacks.contains(s.id()) || u.unreadable().containsKey(s.id())) {
                copyOfDamaged = true;
                errors.add(copy + " and damaged: if 'sha256sum " + s.path() + "' prints " + s.id().hex() + ", it is an intact copy:"
                        + " move it over " + s.home() + " and check again; " + Repository.StrayPack.damagedCopy(s.id()));
            } else if (subset != null && readPackIds.contains(s.id())) {
                warnings.add(copy + " and intact; Lifeboat ignores it (remove it)");
            } else {
                warnings.add(copy + "; Lifeboat ignores it (keep it until 'check --read-data' finds that pack intact, then"
                        + " remove it)");
            }
        }
        if (!damagedBlobs.isEmpty() || !missingBlobs.isEmpty()) {
            Set<BlobKey> affected = new HashSet<>(damagedBlobs);
            affected.addAll(missingBlobs);
            for (String use : BlobUsers.find(repo, snaps, affected)) errors.add(use);
        }
        // Only a repository whose config asks for retention costs a request per file here.
        RetentionKeeper.Report retention = null;
        if (repo.retention() != null) {
            retention = RetentionKeeper.inspect(repo, now.get(), repo.connections(), cancel);
            errors.addAll(retentionErrors(repo.retention(), retention));
        }
        List<String> broken = brokenPacks.stream().sorted().map(Id::hex).toList();
        String next = misplaced.isEmpty() && !copyOfDamaged && !byHand ? nextStep(errors.isEmpty(), broken, onDisk, u, unreadableSnapshots) : null;
        return new CheckResult(List.copyOf(errors), List.copyOf(warnings), packsRead, packsAvailable, snaps.size(), trees,
                broken, !repo.indexErrors().isEmpty(), suggestPrune, retention, List.copyOf(unindexed), notIndexed,
                List.copyOf(misplaced), next);
    }

    /**
     * The one command to run next for what the check found, or null (a clean repository with
     * nothing to tidy, errors no repair command fixes, or packs to move back first, which
     * {@link CheckResult#misplaced} names). In order: the index first when it is damaged, names
     * missing packs, or when snapshots need blobs the index lacks while packs it does not list hold
     * such blobs (a lost index file: forgetting or pruning first would delete them); then damaged
     * packs, with (while snapshots need blobs the index lacks) the un-indexed packs whose header
     * cannot be read and that can be removed ({@link UnindexedPacks}: repair packs keeps a copy);
     * then snapshots that use data that is really gone; then snapshot files that cannot be read.
     */
    private String nextStep(boolean ok, List<String> broken, Map<String, Long> onDisk, UnindexedPacks u,
                            List<Id> unreadableSnapshots) {
        if (ok) return suggestPrune ? "lifeboat prune" : null;
        boolean missingPacks = broken.stream().anyMatch(p -> !onDisk.containsKey(p));
        if (!repo.indexErrors().isEmpty() || missingPacks || notIndexed && !u.holdingUnindexedBlobs().isEmpty()) {
            return "lifeboat repair index";
        }
        java.util.TreeSet<String> damaged = new java.util.TreeSet<>();
        broken.stream().filter(onDisk::containsKey).forEach(damaged::add);
        if (notIndexed) u.removableUnreadable().forEach(p -> damaged.add(p.hex()));
        if (!damaged.isEmpty()) return "lifeboat repair packs " + String.join(" ", damaged);
        if (notIndexed) return "lifeboat repair snapshots --forget";
        // a snapshot file that cannot be read: only its ID removes it (restic 0.17's repair snapshots)
        if (!unreadableSnapshots.isEmpty()) {
            return "lifeboat repair snapshots --forget " + String.join(" ", unreadableSnapshots.stream().map(Id::hex).sorted().toList());
        }
        return null;
    }

    /** Files named one by one in the retention section; the rest are counted. */
    static final int RETENTION_SHOWN = 20;

    /** The clock of the retention section (tests set one with {@link #clock}). */
    private java.util.function.Supplier<java.time.Instant> now = java.time.Instant::now;

    /** Sets the time the retention section judges the locks at (tests; the system clock by default). */
    public Checker clock(java.util.function.Supplier<java.time.Instant> now) {
        this.now = now;
        return this;
    }

    /**
     * The retention section as error lines: one per file whose lock is missing, too brief or could
     * not be asked for, the first {@link #RETENTION_SHOWN}, then one line counting the rest.
     */
    public static List<String> retentionErrors(org.lifeboat.repository.Retention r, RetentionKeeper.Report report) {
        List<String> out = new ArrayList<>();
        int n = report.problems().size() + report.failures().size();
        String need = "sooner than the period less 2 × " + slackText(r) + " from now";
        for (RetentionKeeper.Short p : report.problems()) {
            if (out.size() == RETENTION_SHOWN) break;
            if (p.weaker(r)) {
                // Weaker mode: governance retention can be bypassed, so the file is not kept as the config asks.
                out.add("retention: " + p.file() + " is locked only in " + p.modeText()
                        + " mode until " + p.until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ", which can be bypassed (the config asks for "
                        + r + "); run 'lifeboat retention extend'");
                continue;
            }
            out.add(p.until() == null ? "retention: " + p.file() + " is not locked (the config asks for " + r + ")"
                    : "retention: " + p.file() + " is locked only until " + p.until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            + ", " + need + " (" + r + "); run 'lifeboat retention extend'");
        }
        for (RetentionKeeper.Failure f : report.failures()) {
            if (out.size() == RETENTION_SHOWN) break;
            out.add("retention: cannot ask for the lock of " + f.file() + ": " + f.reason());
        }
        if (n > out.size()) {
            out.add("retention: … and " + (n - out.size()) + " more files not locked long enough (" + report.problems().size()
                    + " in all; 'lifeboat check --json' lists them)");
        }
        return out;
    }

    private static String slackText(org.lifeboat.repository.Retention r) {
        long m = r.slack().toMinutes();
        return m % 1440 == 0 ? m / 1440 + "d" : m % 60 == 0 ? m / 60 + "h" : m + "m";
    }

    /** Chooses packs for --read-data-subset. */
    @FunctionalInterface
    public interface PackSubset {
        /** Whether the pack at {@code index} of {@code count} (sorted by ID) is read. */
        boolean includes(int index, int count, Id pack);

        /**
         * The packs to read out of {@code packs} (sorted by ID, all present), given their sizes in
         * bytes by hex ID. By default those {@link #includes} accepts.
         */
        default List<Id> choose(List<Id> packs, Map<String, Long> sizes) {
            List<Id> chosen = new ArrayList<>();
            for (int i = 0; i < packs.size(); i++) if (includes(i, packs.size(), packs.get(i))) chosen.add(packs.get(i));
            return chosen;
        }

        static PackSubset all() {
            return (i, n, p) -> true;
        }

        /** restic's n/t: the n-th of t groups by the first byte of the pack ID (a group may be empty). */
        static PackSubset group(int n, int t) {
            return (i, c, p) -> (p.bytes()[0] & 0xff) % t == n - 1;
        }

        /**
         * {@code pct} percent of the packs (0 &lt; pct &le; 100), chosen at random so that nightly
         * runs cover different packs; as restic: the count is rounded down, but at least one pack
         * is read when there is any.
         */
        static PackSubset percent(double pct) {
            return chosen((packs, sizes) -> randomShare(packs, pct));
        }

        /**
         * Packs worth about {@code bytes} bytes (restic's size form, e.g. 50M): that share of the
         * repository's pack bytes as a percentage of the packs, at least one pack.
         */
        static PackSubset size(long bytes) {
            return chosen((packs, sizes) -> {
                long total = 0;
                for (Id p : packs) total += sizes.getOrDefault(p.hex(), 0L);
                double pct = total <= 0 ? 100 : Math.min(100.0, 100.0 * bytes / total);
                return randomShare(packs, pct);
            });
        }

        /** A subset that chooses among all packs at once (a share), not pack by pack. */
        private static PackSubset chosen(java.util.function.BiFunction<List<Id>, Map<String, Long>, List<Id>> choice) {
            return new PackSubset() {
                @Override
                public boolean includes(int index, int count, Id pack) {
                    throw new UnsupportedOperationException("chosen by choose()");
                }

                @Override
                public List<Id> choose(List<Id> packs, Map<String, Long> sizes) {
                    return choice.apply(packs, sizes);
                }
            };
        }

        private static List<Id> randomShare(List<Id> packs, double pct) {
            int n = (int) (packs.size() * (pct / 100.0));
            if (!packs.isEmpty() && n < 1) n = 1;
            List<Id> shuffled = new ArrayList<>(packs);
            Collections.shuffle(shuffled, new java.util.Random());
            List<Id> chosen = new ArrayList<>(shuffled.subList(0, Math.min(n, shuffled.size())));
            Collections.sort(chosen);
            return chosen;
        }
    }

    /** A tree still to check: its ID, printable path, depth in folders, and the snapshot it was reached from. */
    private record PendingTree(Id tree, String path, int depth, Snapshot snapshot) {}

    /**
     * Checks every snapshot's trees once, iteratively (no recursion, whatever the depth): each
     * must be indexed, decode, follow {@link TreeRules} and nest at most
     * {@link TreeRules#MAX_DEPTH} folders deep; every data blob a file needs must be indexed.
     * Errors name the tree, the path and the snapshot, and the check goes on with the rest.
     */
    private long checkTrees(List<Snapshot> snaps, Set<BlobKey> missingBlobs) throws java.io.InterruptedIOException {
        Set<Id> seen = new HashSet<>();
        long count = 0;
        for (Snapshot s : snaps) {
            Deque<PendingTree> stack = new ArrayDeque<>();
            stack.push(new PendingTree(s.tree(), "/", 0, s));
            while (!stack.isEmpty()) {
                cancel.check();
                PendingTree pt = stack.pop();
                Id t = pt.tree();
                if (!seen.add(t)) continue;
                count++;
                String where = "tree " + t.shortHex() + " (" + pt.path() + " in snapshot " + s.id().shortHex() + ")";
                if (!repo.hasBlob(BlobType.TREE, t)) {
                    errors.add(where + " is not in the index");
                    notIndexed = true;
                    missingBlobs.add(BlobKey.tree(t));
                    continue;
                }
                Tree tree;
                try {
                    byte[] raw = repo.loadBlob(BlobType.TREE, t);
                    Repository.transientBytes(3L * raw.length); // the raw tree and its decoded nodes
                    tree = TreeCodec.decode(raw);
                } catch (IOException e) {
                    errors.add(where + ": " + e.getMessage());
                    // A tree that cannot be read loses its folder: BlobUsers names it with its snapshot.
                    missingBlobs.add(BlobKey.tree(t));
                    continue;
                }
                for (String problem : TreeRules.problems(tree)) errors.add(where + ": " + problem);
                for (Node n : tree.nodes()) {
                    String path = (pt.path().equals("/") ? "" : pt.path()) + "/" + TreeWalker.shownName(n.name());
                    String typeProblem = TreeRules.typeProblem(n); // as restic's check: an error, the rest of the tree checked
                    if (typeProblem != null) errors.add(where + ": " + typeProblem);
                    if (n.type() == NodeType.DIR) {
                        if (n.subtree() == null) {
                            errors.add(where + ": folder " + path + " has no subtree");
                        } else if (pt.depth() + 1 > TreeRules.MAX_DEPTH) {
                            errors.add(where + ": " + new TreeWalker.TooDeepException(path).getMessage());
                        } else {
                            stack.push(new PendingTree(n.subtree(), path, pt.depth() + 1, s));
                        }
                    } else if (n.type() == NodeType.FILE && n.content() != null) {
                        for (Id b : n.content()) {
                            if (!repo.hasBlob(BlobType.DATA, b) && missingBlobs.add(BlobKey.data(b))) {
                                errors.add(where + ": file " + path + " needs data blob " + b.shortHex()
                                        + ", which is not in the index");
                                notIndexed = true;
                            }
                        }
                    }
                }
            }
        }
        return count;
    }

    /** Blobs whose index entries a batch of {@link #readPacks} holds as objects at most (one pack may exceed it). */
    static final long READ_BATCH_BLOBS = 250_000;

    /**
     * Reads the chosen packs whole, one request each, in batches of about
     * {@link #READ_BATCH_BLOBS} blobs: the index entries of one batch's packs are made into
     * objects by one pass over the index, so memory does not hold every blob's entry at once.
     */
    private void readPacks(List<Id> packs, Map<Id, long[]> packStats, Set<BlobKey> damaged) throws IOException {
        int from = 0;
        while (from < packs.size()) {
            int to = from;
            long blobs = 0;
            while (to < packs.size() && (to == from || blobs + packStats.get(packs.get(to))[0] <= READ_BATCH_BLOBS)) {
                blobs += packStats.get(packs.get(to))[0];
                to++;
            }
            List<Id> batch = packs.subList(from, to);
            Map<Id, List<PackedBlob>> byPack = new HashMap<>();
            repo.forEachIndexEntry(new HashSet<>(batch), (b, n) -> byPack.computeIfAbsent(b.pack(), k -> new ArrayList<>()).add(b));
            for (List<PackedBlob> l : byPack.values()) l.sort((a, b) -> Long.compare(a.offset(), b.offset()));
            readBatch(batch, byPack, damaged);
            from = to;
        }
    }

    /**
     * Reads packs whole, one request each, with a pool sized from the backend's connections; each
     * worker owns one pack buffer (reused, so memory is the workers' buffers).
     */
    private void readBatch(List<Id> packs, Map<Id, List<PackedBlob>> byPack, Set<BlobKey> damaged) throws IOException {
        int workers = Math.max(1, Math.min(repo.connections(), packs.size()));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "check-reader");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                fs.add(pool.submit(() -> {
                    Repository.ReadBuffer buffer = new Repository.ReadBuffer();
                    for (int i = next.getAndIncrement(); i < packs.size(); i = next.getAndIncrement()) {
                        cancel.check();
                        if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("check interrupted");
                        Id p = packs.get(i);
                        checkPack(p, byPack.getOrDefault(p, List.of()), damaged, buffer);
                        packsDone.increment();
                        // a pack far above the usual size is not kept for the next one
                        if (buffer.bytes().length > 2 * Repository.DEFAULT_PACK_SIZE) buffer.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof java.io.InterruptedIOException ie) throw ie;
                    throw new IOException(e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("check interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void checkPack(Id pack, List<PackedBlob> indexed, Set<BlobKey> damaged, Repository.ReadBuffer buffer) throws IOException {
        byte[] data;
        int size;
        try {
            size = repo.readPack(pack, buffer, cancel);
            data = buffer.bytes();
        } catch (java.io.InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            errors.add("pack " + pack.shortHex() + ": cannot read: " + e.getMessage());
            brokenPacks.add(pack);
            markAll(indexed, damaged);
            return;
        }
        MessageDigest md = Id.sha256();
        md.update(data, 0, size);
        if (!Id.of(md.digest()).equals(pack)) {
            errors.add("pack " + pack.hex() + ": its content does not match its name (damaged)");
            brokenPacks.add(pack);
        }
        List<Pack.Entry> header = null;
        if (size >= 4) {
            int hlen = (data[size - 4] & 0xff) | (data[size - 3] & 0xff) << 8
                    | (data[size - 2] & 0xff) << 16 | (data[size - 1] & 0xff) << 24;
            if (hlen > 0 && hlen <= size - 4) {
                try {
                    header = repo.decodePackHeader(pack, java.util.Arrays.copyOfRange(data, size - 4 - hlen, size - 4));
                } catch (RepositoryException e) {
                    errors.add(e.getMessage()); // it names the pack
                }
            } else {
                errors.add("pack " + pack.shortHex() + " has " + Repository.invalidHeaderLength(hlen, size));
            }
        }
        if (header != null) compareHeader(pack, header, indexed);
        for (PackedBlob b : indexed) {
            if (b.offset() < 0 || b.offset() + b.length() > size) {
                errors.add("pack " + pack.shortHex() + ": " + b.type().json() + " blob " + b.id().shortHex()
                        + " lies outside the pack");
                damaged.add(new BlobKey(b.type(), b.id()));
                brokenPacks.add(pack);
                continue;
            }
            try {
                repo.decodeBlob(b, data, (int) b.offset(), size);
            } catch (RepositoryException e) {
                errors.add("pack " + pack.shortHex() + ": " + e.getMessage());
                damaged.add(new BlobKey(b.type(), b.id()));
                brokenPacks.add(pack);
            }
        }
    }

    private void compareHeader(Id pack, List<Pack.Entry> header, List<PackedBlob> indexed) {
        Map<Long, PackedBlob> byOffset = new HashMap<>();
        for (PackedBlob b : indexed) byOffset.put(b.offset(), b);
        long off = 0;
        for (Pack.Entry e : header) {
            PackedBlob b = byOffset.get(off);
            if (b != null && (!b.id().equals(e.id()) || b.length() != e.length() || b.type() != e.type())) {
                errors.add("pack " + pack.shortHex() + ": header and index disagree about the blob at offset " + off);
            }
            off += e.length();
        }
        for (PackedBlob b : indexed) {
            if (b.offset() + b.length() > off) {
                errors.add("pack " + pack.shortHex() + ": index lists blob " + b.id().shortHex() + " beyond the pack's header");
            }
        }
    }

    private static void markAll(List<PackedBlob> blobs, Set<BlobKey> damaged) {
        for (PackedBlob b : blobs) damaged.add(new BlobKey(b.type(), b.id()));
    }
}
