package org.lifeboat.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.PackedBlob;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * Compares restored files with a snapshot folder: every entry exists with its type, every file
 * has its size, and the content of a sample of files (all when {@code sample} is 1) hashes to the
 * snapshot's blobs. The sample is chosen by path, so the same files are read each time.
 */
public final class Verifier {
    /** What was compared and what differs; at most 50 problems are listed. */
    public record Report(long files, long dirs, long others, long contentChecked, long bytesChecked, long problemCount,
                         List<String> problems) {
        public boolean ok() {
            return problemCount == 0;
        }
    }

    private static final int MAX_LISTED = 50;
    private final Repository repo;
    private final double sample;
    private long files, dirs, others, contentChecked, bytesChecked, problemCount;
    private final List<String> problems = new ArrayList<>();

    private final org.lifeboat.repository.PathPatterns includes;
    private final org.lifeboat.repository.PathPatterns excludes;

    private Verifier(Repository repo, double sample, List<String> includes, List<String> excludes) {
        this.repo = repo;
        this.sample = sample;
        this.includes = new org.lifeboat.repository.PathPatterns(includes);
        this.excludes = new org.lifeboat.repository.PathPatterns(excludes);
    }

    public static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample) throws IOException {
        return verify(repo, tree, snapshotPrefix, target, sample, List.of(), List.of());
    }

    /** As a restore with these include/exclude patterns would have left it: only what it restores is expected. */
    public static Report verify(Repository repo, Id tree, String snapshotPrefix, Path target, double sample,
                                List<String> includes, List<String> excludes) throws IOException {
        Verifier v = new Verifier(repo, sample, includes, excludes);
        v.walk(tree, snapshotPrefix, target, v.includes.isEmpty());
        return new Report(v.files, v.dirs, v.others, v.contentChecked, v.bytesChecked, v.problemCount, List.copyOf(v.problems));
    }

    private void problem(String s) {
        problemCount++;
        if (problems.size() < MAX_LISTED) problems.add(s);
    }

    private void walk(Id tree, String sn, Path dir, boolean parentIncluded) throws IOException {
        for (Node n : TreeWalker.load(repo, tree)) {
            Path p = dir.resolve(n.name());
            String snPath = sn + "/" + n.name();
            if (!excludes.isEmpty() && excludes.matches(snPath)) continue;
            boolean included = parentIncluded || includes.matches(snPath);
            boolean exists = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
            if (!included) {
                // Restored only if something inside is included: look inside, expect nothing here.
                if (n.type() == NodeType.DIR && n.subtree() != null) walk(n.subtree(), snPath, p, false);
                continue;
            }
            if (!exists) {
                problem(p + " is missing (" + snPath + " in the snapshot)");
                continue;
            }
            switch (n.type()) {
                case DIR -> {
                    dirs++;
                    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) problem(p + " is not a folder");
                    else if (n.subtree() != null) walk(n.subtree(), snPath, p, true);
                }
                case FILE -> {
                    files++;
                    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        problem(p + " is not a regular file");
                    } else if (Files.size(p) != n.size()) {
                        problem(p + " has " + Files.size(p) + " bytes, the snapshot " + n.size());
                    } else if (chosen(snPath)) {
                        String err = compareContent(p, n);
                        contentChecked++;
                        if (err != null) problem(p + ": " + err);
                    }
                }
                case SYMLINK -> {
                    others++;
                    if (!Files.isSymbolicLink(p)) problem(p + " is not a symbolic link");
                    else if (!Files.readSymbolicLink(p).toString().equals(n.linkTarget())) problem(p + " points elsewhere than in the snapshot");
                }
                default -> others++;
            }
        }
    }

    private boolean chosen(String snPath) throws IOException {
        if (sample >= 1.0) return true;
        byte[] h = Id.sha256().digest(snPath.getBytes(StandardCharsets.UTF_8));
        long v = ((h[0] & 0xffL) << 16) | ((h[1] & 0xffL) << 8) | (h[2] & 0xffL);
        return v < sample * (1 << 24);
    }

    private String compareContent(Path p, Node n) throws IOException {
        String err = compare(repo, p, n.content() == null ? List.of() : n.content());
        if (err == null) bytesChecked += n.size();
        return err;
    }

    /**
     * Null when the file's bytes hash, blob by blob, to the snapshot's content and nothing follows;
     * otherwise what differs. Shared with {@code restore --verify}.
     */
    static String compare(Repository repo, Path p, List<Id> content) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long pos = 0;
            for (Id id : content) {
                PackedBlob pb = repo.index().lookup(BlobType.DATA, id);
                if (pb == null) return "blob " + id.shortHex() + " is not in the repository's index";
                ByteBuffer b = ByteBuffer.allocate(pb.plainLength());
                while (b.hasRemaining()) {
                    if (ch.read(b, pos + b.position()) < 0) return "shorter than in the snapshot";
                }
                MessageDigest md = Id.sha256();
                md.update(b.array());
                if (!Id.of(md.digest()).equals(id)) return "content differs from the snapshot at offset " + pos;
                pos += pb.plainLength();
            }
            if (ch.size() != pos) return "size " + ch.size() + " differs from the snapshot's " + pos;
        }
        return null;
    }
}
