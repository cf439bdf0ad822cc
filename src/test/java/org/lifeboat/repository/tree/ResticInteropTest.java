package org.lifeboat.repository.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lifeboat.fs.FileKind;
import org.lifeboat.fs.FileMeta;
import org.lifeboat.fs.Posix;
import org.lifeboat.fs.RawNames;
import org.lifeboat.fs.TestDirs;
import org.lifeboat.fs.UserGroupNames;
import org.lifeboat.fs.Xattr;
import org.lifeboat.repository.Id;

/**
 * restic 0.14 is the judge: it backs up a directory with every kind of entry, and the trees it
 * stores must (a) survive our decode/encode byte for byte and (b) be exactly what we build
 * from lstat of the same files.
 */
@Tag("restic")
@Tag("slow")
class ResticInteropTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> ODD_NAMES = List.of("with space", "new\nline", "ünïcödé", "we ird<&>",
            "q\"uote", "back\\slash", "tab\there", "ls\u2028x", "\u00a0nbsp", "😀", "\uFF5E", "ctl\u0001", "\u007f",
            "\uE000", "\u0870new-in-unicode-14", "a\u0301");

    private Path work;
    private Path data;
    /** Symlinks with a non-UTF-8 target met by compare (the badlink of each backup). */
    private int rawTargets;
    private Path repo;
    private String restic;

    @BeforeEach
    void setUp() throws IOException {
        restic = findRestic();
        work = TestDirs.create("restic-interop");
        data = Files.createDirectory(work.resolve("data"));
        repo = work.resolve("repo");
    }

    @AfterEach
    void tearDown() {
        TestDirs.delete(work);
    }

    private static String findRestic() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "restic");
            if (Files.isExecutable(p)) return p.toString();
        }
        if (Files.isExecutable(Path.of("/usr/bin/restic"))) return "/usr/bin/restic";
        fail("restic is not installed (looked in PATH and /usr/bin): this interop test needs restic 0.14.0");
        return null;
    }

    @Test
    void resticTreesMatchOurs() throws Exception {
        String version = run(Map.of(), "version");
        assertThat(version).as("restic version").startsWith("restic 0.14.");
        boolean root = TestDirs.isRoot();
        populate(root);

        run(Map.of(), "init");
        ZoneId local = ZoneId.systemDefault();
        ZoneId stJohns = ZoneId.of("America/St_Johns");
        String plain = backup(Map.of());
        String withAtime = backup(Map.of(), "--with-atime");
        String otherZone = backup(Map.of("TZ", "America/St_Johns"));

        int trees = compare(treeOf(plain), data, false, local);
        compare(treeOf(withAtime), data, true, local);
        compare(treeOf(otherZone), data, false, stJohns);
        assertThat(trees).isGreaterThanOrEqualTo(5);
        assertThat(rawTargets).as("badlink compared in each backup").isEqualTo(3);
    }

    /** Creates the test files, then fixes times so that reading them changes nothing. */
    private void populate(boolean root) throws Exception {
        Files.writeString(data.resolve("a.txt"), "hello\n");
        Files.writeString(data.resolve("empty"), "");
        Files.createLink(data.resolve("hard"), data.resolve("a.txt"));
        Files.createSymbolicLink(data.resolve("link"), Path.of("a.txt"));
        Files.createSymbolicLink(data.resolve("dangling"), Path.of("no/such/é"));
        TestDirs.run(data, "sh", "-c", "ln -s \"$(printf 'tgt\\377')\" badlink");
        Posix.mkfifo(data.resolve("fifo"), 0644);
        Path sub = Files.createDirectory(data.resolve("sub"));
        Files.writeString(sub.resolve("inner.txt"), "inner\n");
        Files.createDirectory(sub.resolve("emptydir"));
        Path x = data.resolve("xattr.txt");
        Files.writeString(x, "x");
        Posix.setXattr(x, "user.comment", "hi".getBytes(StandardCharsets.UTF_8));
        Posix.setXattr(x, "user.bin", new byte[] {0, 1, (byte) 0xff});
        Posix.setXattr(x, "user.empty", new byte[0]);
        Posix.setXattr(sub, "user.dir", "d".getBytes(StandardCharsets.UTF_8));
        for (String n : ODD_NAMES) Files.writeString(data.resolve(n), n);
        Path suid = data.resolve("suid");
        Files.writeString(suid, "#!/bin/sh\n");
        Posix.chmod(suid, 04755);
        Path sticky = Files.createDirectory(data.resolve("sticky"));
        Posix.chmod(sticky, 01777);
        Path sgid = Files.createDirectory(data.resolve("sgid"));
        Files.writeString(sgid.resolve("f"), "");
        Posix.chmod(sgid, 02750);
        Files.writeString(data.resolve("zero-ns"), "z");
        // restic 0.14 skips sockets; keep one to prove the builder must skip them as well
        try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(data.resolve("sock")));
        }
        if (root) {
            Posix.setXattr(x, "trusted.t", "t".getBytes(StandardCharsets.UTF_8));
            Posix.mknod(data.resolve("blk"), FileKind.S_IFBLK | 0640, (8 << 8) | 1);
            Posix.mknod(data.resolve("chr"), FileKind.S_IFCHR | 0666, (1 << 8) | 3);
            Path nouser = data.resolve("nouser");
            Files.writeString(nouser, "n");
            Posix.lchown(nouser, 12345, 54321);
            Posix.lchown(data.resolve("link"), 12345, 0);
        }

        // mtime days ago; atime in the future: relatime then never updates it, because it is
        // newer than both mtime and the ctime our own utimensat sets (an atime in the past
        // hour would be older than that ctime and get updated on the first read)
        long now = Instant.now().getEpochSecond();
        List<Path> all;
        try (Stream<Path> s = Files.walk(data)) {
            all = new ArrayList<>(s.filter(p -> !p.equals(data)).toList());
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed()); // children before parents
        int i = 0;
        for (Path p : all) {
            i++;
            long mtime = now - 3 * 86_400 - i * 3_600L;
            int mns = p.getFileName().toString().equals("zero-ns") ? 0 : (int) ((i * 123_456_789L) % 1_000_000_000);
            Posix.setTimes(p, now + 1_800, (int) ((i * 7_777_777L) % 1_000_000_000), mtime, mns, true);
        }
    }

    private String backup(Map<String, String> env, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "."));
        args.addAll(List.of(extra));
        String out = run(env, args.toArray(String[]::new));
        String id = null;
        for (String line : out.lines().toList()) {
            if (!line.startsWith("{")) continue;
            JsonNode j = MAPPER.readTree(line);
            if ("summary".equals(j.path("message_type").asText())) id = j.get("snapshot_id").asText();
        }
        assertThat(id).as("snapshot id in: " + out).isNotNull();
        return id;
    }

    private Id treeOf(String snapshot) throws Exception {
        JsonNode sn = MAPPER.readTree(run(Map.of(), "cat", "snapshot", snapshot));
        return Id.parse(sn.get("tree").asText());
    }

    /** Compares one stored tree with ours for the same directory, then recurses; returns the trees seen. */
    private int compare(Id treeId, Path dir, boolean withAtime, ZoneId zone) throws Exception {
        byte[] stored = runBytes(Map.of(), "cat", "blob", treeId.hex());
        assertThat(Id.hash(stored)).as("blob id of " + dir).isEqualTo(treeId);
        String storedText = new String(stored, StandardCharsets.UTF_8);

        // (a) decode -> encode is the identity on restic's bytes
        Tree theirs = TreeCodec.decode(stored);
        assertThat(new String(TreeCodec.encode(theirs), StandardCharsets.UTF_8)).as("re-encoded " + dir).isEqualTo(storedText);

        // (b) our own tree from lstat, with restic's content and subtree IDs
        List<Node> nodes = new ArrayList<>();
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.toList();
        }
        for (Path p : entries) {
            FileMeta meta = Posix.lstat(p);
            if (meta.kind() == FileKind.SOCKET) continue;
            String name = p.getFileName().toString();
            String target = meta.kind() == FileKind.SYMLINK ? Posix.readlink(p) : null;
            Node ours = Nodes.fromFileMeta(name, meta, target, UserGroupNames.system(), Posix.listXattrs(p),
                    withAtime, zone);
            Node stored1 = theirs.find(name);
            assertThat(stored1).as("restic has " + name + " in " + dir).isNotNull();
            if (ours.type() == NodeType.FILE) ours = ours.withContent(stored1.content());
            if (ours.type() == NodeType.DIR) ours = ours.withSubtree(stored1.subtree());
            nodes.add(ours);
        }
        Tree mine = Tree.sorted(nodes);
        // Byte for byte restic 0.14's tree, except that a symlink whose target is not UTF-8 also
        // carries linktarget_raw (as restic 0.17+ writes it), right after linktarget and nothing else.
        String expected = storedText;
        for (Node n : mine.nodes()) {
            if (n.type() != NodeType.SYMLINK || !n.linkTarget().chars().anyMatch(c -> RawNames.isEscapedByte((char) c))) {
                continue;
            }
            String lost = n.linkTarget().replaceAll("[\\uDC80-\\uDCFF]", String.valueOf(RawNames.REPLACED_BYTE));
            String v014 = new String(TreeCodec.encodeNode(n.withLinkTarget(lost)), StandardCharsets.UTF_8);
            String ours = new String(TreeCodec.encodeNode(n), StandardCharsets.UTF_8);
            String added = ",\"linktarget_raw\":\"" + Base64.getEncoder().encodeToString(RawNames.encode(n.linkTarget())) + "\"";
            // the field sits right after linktarget (restic's struct order)
            int lt = v014.indexOf(",\"linktarget\":");
            int ltEnd = v014.indexOf('"', v014.indexOf('"', lt + 14) + 1) + 1;
            assertThat(ours).as(n.name()).isEqualTo(v014.substring(0, ltEnd) + added + v014.substring(ltEnd));
            assertThat(ours.replace(added, "")).as("only linktarget_raw added for " + n.name()).isEqualTo(v014);
            assertThat(storedText).contains(v014);
            expected = expected.replace(v014, ours);
            rawTargets++;
        }
        assertThat(new String(TreeCodec.encode(mine), StandardCharsets.UTF_8)).as("our tree for " + dir).isEqualTo(expected);

        int count = 1;
        for (Node n : theirs.nodes()) {
            if (n.type() == NodeType.DIR) {
                count += compare(n.subtree(), dir.resolve(n.name()), withAtime, zone);
            }
        }
        return count;
    }

    private String run(Map<String, String> env, String... args) throws Exception {
        return new String(runBytes(env, args), StandardCharsets.UTF_8);
    }

    private byte[] runBytes(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(restic, "-r", repo.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(data.toFile());
        Map<String, String> e = pb.environment();
        e.put("RESTIC_PASSWORD", "x");
        e.put("RESTIC_CACHE_DIR", work.resolve("cache").toString());
        e.putAll(env);
        Path err = work.resolve("stderr");
        pb.redirectError(err.toFile());
        Process proc = pb.start();
        byte[] out = proc.getInputStream().readAllBytes();
        int rc = proc.waitFor();
        if (rc != 0) {
            fail(String.join(" ", cmd) + " exited " + rc + ": " + Files.readString(err));
        }
        return out;
    }
}
