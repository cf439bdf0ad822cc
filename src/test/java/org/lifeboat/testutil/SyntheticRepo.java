package org.lifeboat.testutil;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lifeboat.repository.Id;

/**
 * Writes a repository whose index names a given number of small data blobs, all used by one
 * snapshot, for measuring what {@code check} and {@code prune} cost per blob (bench/prune). Each
 * blob holds 16 bytes (its number in hex), so the repository is mostly index and pack headers; a
 * file holds {@value #BLOBS_PER_FILE} blobs and a folder {@value #FILES_PER_DIR} files, so no tree
 * is large. Index files are written every {@value #BLOBS_PER_INDEX} blobs, as a backup writes them.
 *
 * <pre>java -cp TEST_CLASSPATH org.lifeboat.testutil.SyntheticRepo DIR BLOBS</pre>
 * The password is {@link RawRepo#PASSWORD}; {@code DIR} must not exist.
 */
public final class SyntheticRepo {
    static final int BLOBS_PER_FILE = 1000;
    static final int FILES_PER_DIR = 100;
    static final int BLOBS_PER_INDEX = 100_000;

    private SyntheticRepo() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SyntheticRepo DIR BLOBS");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long blobs = Long.parseLong(args[1]);
        if (Files.exists(dir)) {
            System.err.println("SyntheticRepo: " + dir + " exists");
            System.exit(2);
        }
        try (RawRepo r = RawRepo.create(dir)) {
            r.repository().setCompression(org.lifeboat.repository.Compression.Mode.OFF);
            List<ObjectNode> dirs = new ArrayList<>();
            List<ObjectNode> files = new ArrayList<>();
            long n = 0;
            while (n < blobs) {
                int count = (int) Math.min(BLOBS_PER_FILE, blobs - n);
                Id[] content = new Id[count];
                for (int i = 0; i < count; i++, n++) {
                    content[i] = r.data(String.format("%016x", n).getBytes(StandardCharsets.US_ASCII));
                    if ((n + 1) % BLOBS_PER_INDEX == 0) r.repository().flush();
                }
                files.add(RawRepo.file(String.format("f%06d", files.size()), 16L * count, content));
                if (files.size() == FILES_PER_DIR || n == blobs) {
                    dirs.add(RawRepo.dir(String.format("d%06d", dirs.size()), r.tree(files.toArray(ObjectNode[]::new))));
                    files.clear();
                }
            }
            Id root = r.tree(dirs.toArray(ObjectNode[]::new));
            r.snapshot(root, "/synthetic");
        }
        System.out.println("wrote " + blobs + " data blobs to " + dir);
    }
}
