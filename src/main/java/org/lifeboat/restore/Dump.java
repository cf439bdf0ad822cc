package org.lifeboat.restore;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.tree.Node;
import org.lifeboat.repository.tree.NodeType;
import org.lifeboat.repository.tree.TreeRules;
import org.lifeboat.repository.tree.TreeWalker;

/**
 * A folder of a snapshot written as a tar or zip archive as it is read (restic's {@code dump}):
 * memory bounded by the folder depth, every tree checked against {@link TreeRules}, and a name that
 * is not safe (.., a slash, NUL) never becomes a member. Used by {@code dump} and the dashboard's
 * downloads.
 */
public final class Dump {
    private Dump() {}

    /** The archive formats: tar (POSIX pax) and zip. */
    public enum Format {
        TAR, ZIP;

        /**
         * tar or zip.
         *
         * @throws IllegalArgumentException for anything else
         */
        public static Format parse(String s) {
            return switch (s) {
                case "tar" -> TAR;
                case "zip" -> ZIP;
                default -> throw new IllegalArgumentException("the archive format must be tar or zip, not '" + s + "'");
            };
        }
    }

    /** What was left out of an archive and why; paths are member names ("a/x"). */
    public interface Problems {
        /** A node whose name breaks {@link TreeRules#nameProblem}: left out. */
        void unsafeName(String member, String problem);

        /** A name the format cannot hold safely: left out. */
        void unsafeMember(String member);

        /** A file whose recorded size is not its content's length: its member keeps the recorded size. */
        void sizeDiffers(String member, long size, long content);

        /** A folder whose tree breaks {@link TreeRules}: its content left out. */
        void damaged(String shown, Id tree, List<String> problems);
    }

    /**
     * Writes a file's content blobs to {@code out}.
     *
     * @return how many bytes they held (compare with {@link Node#size()})
     * @throws IOException when a blob cannot be read or {@code out} fails
     */
    public static long file(BlobWindow blobs, Node n, OutputStream out) throws IOException {
        return blobs.write(n.content(), out);
    }

    /**
     * Writes folder {@code folder} (null for the snapshot's root, whose tree is {@code tree}) and
     * everything below it as an archive to {@code out}, members named below the folder's own name.
     *
     * @return how many things were left out or differ (0: the archive is complete)
     * @throws IOException when the repository cannot be read or {@code out} fails
     */
    public static int archive(Repository repo, BlobWindow blobs, Id tree, Node folder, Format format, OutputStream out,
                              Problems problems) throws IOException {
        int[] skipped = {0};
        try (ArchiveWriter w = format == Format.ZIP ? new ZipWriter(out) : new TarWriter(out)) {
            String base = folder == null ? "" : folder.name();
            if (folder != null) w.entry(base, folder, 0, null);
            TreeWalker.walk(repo, tree, base, (q, shown, node) -> {
                String problem = TreeRules.nameProblem(node.name());
                if (problem != null) {
                    problems.unsafeName(q, problem);
                    skipped[0]++;
                    return false;
                }
                long size = node.type() == NodeType.FILE ? node.size() : 0;
                long[] read = {0};
                TarWriter.Outcome written = w.entry(q, node, size,
                        node.type() == NodeType.FILE ? o -> read[0] = file(blobs, node, o) : null);
                if (written == TarWriter.Outcome.UNSAFE_NAME) {
                    problems.unsafeMember(q);
                    skipped[0]++;
                    return false;
                }
                if (written == TarWriter.Outcome.SIZE_DIFFERS) {
                    problems.sizeDiffers(q, size, read[0]);
                    skipped[0]++;
                }
                return true;
            }, (shown, id, damaged) -> {
                // Duplicate or unsorted names would give two members for one path (a symlink "a"
                // then "a/x" lets a permissive extractor write through the link).
                problems.damaged(shown, id, damaged);
                skipped[0]++;
            });
        }
        return skipped[0];
    }
}
