package org.lifeboat.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.lifeboat.apps.Exec;
import org.lifeboat.backend.Cancel;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;
import org.lifeboat.repository.tree.TreeWalker;
import org.lifeboat.restore.RestoreOptions;
import org.lifeboat.restore.RestoreResult;
import org.lifeboat.restore.Restorer;
import org.lifeboat.rewrite.SnapshotTags;

/**
 * Scans a snapshot for malware before it is trusted (issue 14): the snapshot (or a folder of it)
 * is restored into a private sandbox folder (mode 0700, removed afterwards), ClamAV's
 * {@code clamscan} and/or YARA's {@code yara} run over it, and the verdict is recorded on the
 * snapshot as a tag: {@code scan=clean}, or {@code scan=infected} together with {@code suspicious},
 * so that {@code recover --clean} passes an infected snapshot over. Nothing restored is ever run.
 */
public final class SnapshotScan {
    /** The tag of a snapshot a scan found clean. */
    public static final String CLEAN = "scan=clean";
    /** The tag of a snapshot a scan found malware in. */
    public static final String INFECTED = "scan=infected";
    /** How long one scanner may run over one snapshot. */
    static final Duration TIMEOUT = Duration.ofHours(12);
    /** At most this many findings are kept (a tree full of one sample says the same thing 10,000 times). */
    static final int MAX_FINDINGS = 1000;

    private SnapshotScan() {}

    /**
     * What to scan with: ClamAV (its own databases, or {@code clamavDatabase}: a file or folder
     * passed as {@code clamscan -d}), and the YARA rule files in {@code yaraRules}.
     */
    public record Scanners(boolean clamav, Path clamavDatabase, List<Path> yaraRules) {
        public Scanners {
            yaraRules = List.copyOf(yaraRules);
        }

        /** The scanners' names, for people. */
        public String describe() {
            List<String> s = new ArrayList<>();
            if (clamav) s.add("ClamAV");
            if (!yaraRules.isEmpty()) s.add("YARA (" + yaraRules.size() + " rule file" + (yaraRules.size() == 1 ? "" : "s") + ")");
            return String.join(" and ", s);
        }
    }

    /**
     * One thing a scanner found.
     *
     * @param path the file's path in the snapshot
     * @param scanner {@code clamav} or {@code yara}
     * @param name the signature or rule that matched
     */
    public record Finding(String path, String scanner, String name) {}

    /**
     * A verdict.
     *
     * @param findings what was found, at most {@link #MAX_FINDINGS}; empty when clean
     * @param files files restored and scanned
     * @param bytes their bytes
     */
    public record Result(List<Finding> findings, long files, long bytes) {
        public Result {
            findings = List.copyOf(findings);
        }

        public boolean infected() {
            return !findings.isEmpty();
        }
    }

    /**
     * Restores {@code snap}'s {@code path} ("/" for all) under a new folder in {@code workRoot},
     * scans it, and removes the folder.
     *
     * @throws RecoveryException when no scanner is asked for, a scanner is missing or fails (its
     *     exit code and message), or files could not be restored (a partial scan proves nothing)
     * @throws IOException when the repository cannot be read or the sandbox cannot be made
     */
    public static Result scan(Repository repo, Snapshot snap, String path, Path workRoot, Scanners scanners, Cancel cancel)
            throws IOException, RecoveryException {
        if (!scanners.clamav() && scanners.yaraRules().isEmpty()) throw new RecoveryException("no scanner asked for: use --clamav or --yara RULES");
        for (Path r : scanners.yaraRules()) {
            if (!Files.isRegularFile(r)) throw new RecoveryException("the YARA rules file " + r + " does not exist or is not a file");
        }
        if (scanners.clamavDatabase() != null && !Files.exists(scanners.clamavDatabase())) {
            throw new RecoveryException("the ClamAV database " + scanners.clamavDatabase() + " does not exist");
        }
        Files.createDirectories(workRoot);
        Path sandbox = Files.createTempDirectory(workRoot, "lifeboat-scan-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        try {
            Id tree = TreeWalker.subtree(repo, snap.tree(), path);
            Path into = sandbox.resolve("snapshot");
            Files.createDirectories(into);
            Restorer r = new Restorer(repo, new RestoreOptions(into, List.of(), List.of(), RestoreOptions.Overwrite.ALWAYS, false, 0),
                    "snapshot " + snap.id().shortHex(), cancel);
            RestoreResult res = r.run(tree, path.equals("/") ? "" : path);
            if (!res.ok()) {
                List<String> bad = new ArrayList<>(res.damaged());
                bad.addAll(res.failed());
                throw new RecoveryException(bad.size() + " file" + (bad.size() == 1 ? "" : "s") + " of snapshot " + snap.id().shortHex()
                        + " could not be restored for the scan, so it proves nothing: "
                        + String.join("; ", bad.subList(0, Math.min(3, bad.size()))));
            }
            long[] counted = onlyFilesAndFolders(into);
            List<Finding> found = new ArrayList<>();
            String prefix = path.equals("/") ? "" : path;
            if (scanners.clamav()) clamav(into, prefix, scanners.clamavDatabase(), found, cancel);
            for (Path rules : scanners.yaraRules()) yara(into, prefix, rules, found, cancel);
            return new Result(found.size() > MAX_FINDINGS ? found.subList(0, MAX_FINDINGS) : found, counted[0], counted[1]);
        } finally {
            removeTree(sandbox);
        }
    }

    private static void clamav(Path dir, String prefix, Path db, List<Finding> found, Cancel cancel) throws IOException, RecoveryException {
        List<String> cmd = new ArrayList<>(List.of("clamscan", "--recursive", "--infected", "--no-summary", "--stdout",
                "--follow-dir-symlinks=0", "--follow-file-symlinks=0"));
        if (db != null) cmd.addAll(List.of("--database", db.toString()));
        cmd.add(dir.toString());
        Exec.Result r = run(cmd, "clamscan (Debian package clamav)", cancel);
        // clamscan: 0 clean, 1 something found, 2 an error (no database, unreadable files)
        if (r.exitCode() != 0 && r.exitCode() != 1) {
            throw new RecoveryException("clamscan failed (exit " + r.exitCode() + "): " + firstLine(r.stderr(), r.stdout())
                    + (r.stderr().contains("database") ? " (no virus database: run freshclam, or give --clamav-db FILE)" : ""));
        }
        String root = dir + "/";
        for (String line : r.stdout().split("\n")) {
            // "/sandbox/snapshot/path/file: Signature.Name FOUND"
            if (!line.endsWith(" FOUND") || !line.startsWith(root)) continue;
            int colon = line.lastIndexOf(": ");
            if (colon < root.length()) continue;
            found.add(new Finding(prefix + "/" + line.substring(root.length(), colon), "clamav",
                    line.substring(colon + 2, line.length() - " FOUND".length())));
        }
        if (r.exitCode() == 1 && found.isEmpty()) found.add(new Finding(prefix.isEmpty() ? "/" : prefix, "clamav", "(unnamed finding)"));
    }

    private static void yara(Path dir, String prefix, Path rules, List<Finding> found, Cancel cancel) throws IOException, RecoveryException {
        Exec.Result r = run(List.of("yara", "--recursive", "--no-follow-symlinks", rules.toString(), dir.toString()), "yara (Debian package yara)", cancel);
        if (r.exitCode() != 0) throw new RecoveryException("yara failed (exit " + r.exitCode() + "): " + firstLine(r.stderr(), r.stdout()));
        String root = dir + "/";
        for (String line : r.stdout().split("\n")) {
            // "RuleName /sandbox/snapshot/path/file"
            int at = line.indexOf(' ' + root);
            if (at <= 0) continue;
            found.add(new Finding(prefix + "/" + line.substring(at + 1 + root.length()), "yara", line.substring(0, at)));
        }
    }

    private static Exec.Result run(List<String> cmd, String what, Cancel cancel) throws IOException, RecoveryException {
        try {
            return Exec.run(cmd, Map.of(), null, TIMEOUT, cancel);
        } catch (org.lifeboat.apps.AppException e) {
            throw new RecoveryException(what + " could not run: " + e.getMessage());
        }
    }

    private static String firstLine(String... texts) {
        for (String t : texts) {
            for (String l : t.split("\n")) if (!l.isBlank()) return l.strip();
        }
        return "no message";
    }

    /**
     * Records {@code r} on {@code snap} as tags (the old scan verdict replaced; {@code suspicious}
     * added when infected, never removed). The caller holds the repository's exclusive lock.
     *
     * @return the snapshot with its new tags (a new ID), or {@code snap} when the tags were already so
     * @throws IOException when the new snapshot cannot be saved or the old one removed
     */
    public static Snapshot record(Repository repo, Snapshot snap, Result r) throws IOException {
        List<String> add = r.infected() ? List.of(INFECTED, Anomalies.TAG) : List.of(CLEAN);
        List<String> remove = r.infected() ? List.of(CLEAN) : List.of(INFECTED);
        Snapshot changed = new SnapshotTags(List.of(), add, remove, false).change(repo, snap);
        return changed == null ? snap : changed;
    }

    /**
     * Removes what a scanner must not open from a restored tree: links (to anywhere on this
     * machine), FIFOs (a read blocks for ever), devices (a hostile snapshot's block device would
     * have the scanner read a disk) and sockets. Their names cannot hide malware; their content is none.
     *
     * @return the regular files left and their bytes
     */
    private static long[] onlyFilesAndFolders(Path root) throws IOException {
        writable(root);
        long files = 0, bytes = 0;
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile()) {
                    files++;
                    bytes += a.size();
                } else if (!a.isDirectory()) {
                    Files.delete(p);
                }
            }
        }
        return new long[] {files, bytes};
    }

    /** Makes every folder under {@code root} writable by its owner, so what is in it can be removed. */
    private static void writable(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    p.toFile().setWritable(true, true);
                    p.toFile().setExecutable(true, true);
                    p.toFile().setReadable(true, true);
                }
            }
        }
    }

    private static void removeTree(Path root) {
        try {
            writable(root);
        } catch (IOException e) {
            // removed as far as it goes below
        }
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // left behind inside the private (0700) folder
                }
            }
        } catch (IOException e) {
            // nothing to remove
        }
    }
}
