package org.lifeboat.testutil;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.lifeboat.backend.LocalBackend;
import org.lifeboat.repository.BlobType;
import org.lifeboat.repository.Id;
import org.lifeboat.repository.Json;
import org.lifeboat.repository.Repository;
import org.lifeboat.repository.Snapshot;

/**
 * Writes hand-crafted (possibly hostile) repositories in restic's format for tests: tree blobs
 * are raw JSON, not built by Lifeboat's tree encoder, so names may be duplicated, unsorted,
 * empty, {@code ..}, hold '/' or NUL, and nodes may point anywhere. Blobs are encrypted, packed
 * and indexed by the real repository code, so only the content is hostile.
 *
 * <pre>
 * try (RawRepo r = RawRepo.create(dir)) {
 *     Id x = r.data("secret");
 *     Id sub = r.tree(r.file("x", x, 6));
 *     Id root = r.tree(r.dir("a", sub), r.symlink("a", "/etc"));
 *     r.snapshot(root);
 * }
 * </pre>
 */
public final class RawRepo implements AutoCloseable {
    public static final String PASSWORD = "pw";
    private static final long POLY = 0x3DA3358B4DC173L;
    private static final String TIME = "2024-01-02T03:04:05.000000006Z";

    private final Repository repo;
    private final Path dir;

    private RawRepo(Repository repo, Path dir) {
        this.repo = repo;
        this.dir = dir;
    }

    /** A new version 2 repository at {@code dir} with password {@link #PASSWORD}. */
    public static RawRepo create(Path dir) throws IOException {
        return new RawRepo(Repository.init(new LocalBackend(dir), PASSWORD, 2, POLY), dir);
    }

    /** An existing repository (for instance one a plan backed up into), to add hand-crafted snapshots. */
    public static RawRepo open(Path dir, String password) throws Exception {
        Repository r = Repository.open(new LocalBackend(dir), password);
        r.loadIndex();
        return new RawRepo(r, dir);
    }

    public Path dir() {
        return dir;
    }

    public Repository repository() {
        return repo;
    }

    /** Stores a data blob and returns its ID. */
    public Id data(byte[] content) throws IOException {
        Id id = Id.hash(content);
        repo.saveBlob(BlobType.DATA, id, content, 0, content.length);
        return id;
    }

    public Id data(String content) throws IOException {
        return data(content.getBytes(StandardCharsets.UTF_8));
    }

    /** Stores raw bytes as a tree blob (any JSON, valid or not) and returns its ID. */
    public Id rawTree(byte[] json) throws IOException {
        Id id = Id.hash(json);
        repo.saveBlob(BlobType.TREE, id, json, 0, json.length);
        return id;
    }

    /** A tree holding these nodes in exactly this order (no sorting, no duplicate check). */
    public Id tree(ObjectNode... nodes) throws IOException {
        ObjectNode t = Json.MAPPER.createObjectNode();
        ArrayNode arr = t.putArray("nodes");
        for (ObjectNode n : nodes) arr.add(n);
        return rawTree((Json.MAPPER.writeValueAsString(t) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode base(String name, String type, long mode) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("name", name);
        n.put("type", type);
        n.put("mode", mode);
        n.put("mtime", TIME);
        n.put("atime", TIME);
        n.put("ctime", TIME);
        n.put("uid", 0);
        n.put("gid", 0);
        return n;
    }

    /** A folder node (mode 0755) whose content is {@code subtree}. */
    public static ObjectNode dir(String name, Id subtree) {
        ObjectNode n = base(name, "dir", 0x80000000L | 0755);
        n.put("subtree", subtree.hex());
        return n;
    }

    /** A regular file node (mode 0644) made of these data blobs, {@code size} bytes long. */
    public static ObjectNode file(String name, long size, Id... content) {
        ObjectNode n = base(name, "file", 0644);
        n.put("size", size);
        ArrayNode c = n.putArray("content");
        for (Id id : content) c.add(id.hex());
        return n;
    }

    /** A symlink node pointing at {@code target}. */
    public static ObjectNode symlink(String name, String target) {
        ObjectNode n = base(name, "symlink", 0x8000000L | 0777);
        n.put("linktarget", target);
        return n;
    }

    /** A regular file node that is one name of a hard-linked inode ({@code links} names, same inode). */
    public static ObjectNode hardLink(String name, long inode, long links, long size, Id... content) {
        ObjectNode n = file(name, size, content);
        n.put("inode", inode);
        n.put("links", links);
        n.put("device_id", 2049);
        return n;
    }

    /**
     * Wraps {@code tree} in folders so that it lies at {@code absolutePath} ("/a/b") of a
     * snapshot; returns the root tree.
     */
    public Id nest(String absolutePath, Id tree) throws IOException {
        String[] parts = absolutePath.replaceAll("^/+|/+$", "").split("/");
        Id cur = tree;
        for (int i = parts.length - 1; i >= 0; i--) {
            if (parts[i].isEmpty()) continue;
            cur = tree(dir(parts[i], cur));
        }
        return cur;
    }

    /** Saves a snapshot of {@code tree} with these tags (e.g. a plan system's "system=NAME"). */
    public Id snapshot(Id tree, List<String> tags, String... paths) throws IOException {
        repo.flush();
        Snapshot s = new Snapshot(null, OffsetDateTime.now(ZoneOffset.UTC), null, tree,
                List.of(paths.length == 0 ? new String[] {"/data"} : paths), Repository.hostname(), "user", 0, 0,
                List.of(), List.copyOf(tags), null, "lifeboat-test", null);
        return repo.saveSnapshot(s).id();
    }

    /**
     * Encrypts {@code plain} with the master key and stores it unchanged as an unpacked file (for
     * hostile snapshots, indexes, locks): {@code plain} is the stored encoding, JSON or, in
     * format 2, the byte 2 followed by zstd frames. Returns the file's ID (the hash of what is stored).
     */
    public Id rawUnpacked(org.lifeboat.backend.FileType type, byte[] plain) throws IOException {
        byte[] stored = repo.crypto().encrypt(plain);
        Id id = Id.hash(stored);
        repo.backend().save(new org.lifeboat.backend.Handle(type, id.hex()), stored);
        return id;
    }

    /** A command line for this repository, with a password file (in {@code dir}) holding {@link #PASSWORD}. */
    public Cli cli(Path passwordDir) throws IOException {
        Path pw = passwordDir.resolve("rawrepo-password");
        java.nio.file.Files.writeString(pw, PASSWORD + "\n");
        return new Cli(dir, pw);
    }

    /** Saves a snapshot of {@code tree} (after flushing packs and index) and returns its ID. */
    public Id snapshot(Id tree, String... paths) throws IOException {
        repo.flush();
        Snapshot s = new Snapshot(null, OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), null, tree,
                List.of(paths.length == 0 ? new String[] {"/data"} : paths), "host", "user", 0, 0, List.of(),
                List.of(), null, "lifeboat-test", null);
        return repo.saveSnapshot(s).id();
    }

    @Override
    public void close() throws IOException {
        repo.flush();
        repo.close();
    }
}
