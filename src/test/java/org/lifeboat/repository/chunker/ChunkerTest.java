package org.lifeboat.repository.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lifeboat.repository.Id;

/**
 * restic/chunker's vectors that do not depend on Go's math/rand, a slow reference chunker built from the
 * definition, feeding-pattern independence, and a cross-check against the restic binary.
 */
final class ChunkerTest {
    private static final Polynomial TEST_POL = new Polynomial(0x3DA3358B4DC173L); // restic's test polynomial
    private static final int MIB = 1024 * 1024;

    /** Deterministic test data: random runs, zero runs and constant runs, so all three kinds of cut occur. */
    private static byte[] mixedData(long seed, int size) {
        byte[] data = new byte[size];
        Random rnd = new Random(seed);
        rnd.nextBytes(data);
        // Zeros: a cut every MIN_SIZE. A constant non-zero byte: no fingerprint match, cuts at MAX_SIZE.
        int zeros = 3 * MIB + 12345;
        Arrays.fill(data, Math.min(size, zeros), Math.min(size, zeros + 2 * MIB + 99), (byte) 0);
        int constant = zeros + 5 * MIB;
        Arrays.fill(data, Math.min(size, constant), Math.min(size, constant + 17 * MIB + 7), (byte) 0x5a);
        return data;
    }

    /** Lengths of the chunks when data is fed in slices of the sizes slice(i) for the i-th call. */
    private static List<Integer> chunkLengths(Chunker chunker, byte[] data, IntUnaryOperator slice) {
        List<Integer> lengths = new ArrayList<>();
        int off = 0;
        for (int call = 0; off < data.length; call++) {
            int len = Math.min(slice.applyAsInt(call), data.length - off);
            while (true) {
                long before = chunker.currentChunkLength();
                int n = chunker.next(data, off, len);
                if (n < 0) {
                    off += len;
                    break;
                }
                assertThat(n).isBetween(0, len);
                lengths.add(Math.toIntExact(before + n));
                assertThat(chunker.currentChunkLength()).isZero();
                off += n;
                len -= n;
            }
        }
        if (chunker.currentChunkLength() > 0) {
            lengths.add(Math.toIntExact(chunker.currentChunkLength()));
        }
        return lengths;
    }

    private static List<Integer> wholeLengths(Polynomial pol, byte[] data) {
        return chunkLengths(new Chunker(pol), data, call -> data.length);
    }

    private static List<String> chunkIds(byte[] data, List<Integer> lengths) {
        List<String> ids = new ArrayList<>();
        int off = 0;
        for (int len : lengths) {
            ids.add(Id.hash(data, off, len).hex());
            off += len;
        }
        assertThat(off).isEqualTo(data.length);
        return ids;
    }

    @Test
    void zeroBlocksAreCutAtMinSize() {
        // restic's chunks2: a zero window has fingerprint 0, which matches the split mask.
        byte[] data = new byte[4 * Chunker.MIN_SIZE];
        Chunker chunker = new Chunker(TEST_POL);
        int off = 0;
        for (int i = 0; i < 4; i++) {
            // Also the last block: it ends exactly at a cut point, so restic cuts there too.
            assertThat(chunker.next(data, off, data.length - off)).isEqualTo(Chunker.MIN_SIZE);
            assertThat(chunker.lastCutFingerprint()).isZero();
            off += Chunker.MIN_SIZE;
        }
        assertThat(chunker.currentChunkLength()).isZero();
        assertThat(Id.hash(data, 0, Chunker.MIN_SIZE).hex())
                .isEqualTo("07854d2fef297a06ba81685e660c332de36d5d18d546927d30daad6d7fda1541");
        assertThat(wholeLengths(TEST_POL, data)).containsExactly(
                Chunker.MIN_SIZE, Chunker.MIN_SIZE, Chunker.MIN_SIZE, Chunker.MIN_SIZE);
    }

    @Test
    void constantNonZeroBytesAreCutAtMaxSize() {
        byte[] window = new byte[Chunker.WINDOW_SIZE];
        Arrays.fill(window, (byte) 0x5a);
        // Precondition of this test: this window's fingerprint does not match the split mask.
        assertThat(fingerprint(TEST_POL.value(), window, 0, window.length) & ((1 << 20) - 1)).isNotZero();

        byte[] data = new byte[2 * Chunker.MAX_SIZE + 1000];
        Arrays.fill(data, (byte) 0x5a);
        Chunker chunker = new Chunker(TEST_POL);
        assertThat(chunkLengths(chunker, data, call -> 1 << 16))
                .containsExactly(Chunker.MAX_SIZE, Chunker.MAX_SIZE, 1000);
    }

    @Test
    void emptyAndShortInputs() throws IOException {
        assertThat(Chunker.chunkLengths(TEST_POL, InputStream.nullInputStream())).isEmpty();
        assertThat(Chunker.chunkLengths(TEST_POL, new ByteArrayInputStream(new byte[1]))).containsExactly(1);
        byte[] min = new byte[Chunker.MIN_SIZE - 1];
        new Random(5).nextBytes(min);
        assertThat(Chunker.chunkLengths(TEST_POL, new ByteArrayInputStream(min)))
                .containsExactly(Chunker.MIN_SIZE - 1);

        Chunker chunker = new Chunker(TEST_POL);
        assertThat(chunker.next(min, 0, 0)).isEqualTo(-1);
        assertThat(chunker.currentChunkLength()).isZero();
        assertThat(chunker.next(min, 10, 100)).isEqualTo(-1);
        assertThat(chunker.currentChunkLength()).isEqualTo(100);
    }

    @Test
    void feedingPatternDoesNotMatter() {
        byte[] data = mixedData(7, 40 * MIB);
        List<Integer> whole = wholeLengths(TEST_POL, data);

        assertThat(whole.stream().mapToLong(Integer::longValue).sum()).isEqualTo(data.length);
        assertThat(whole).contains(Chunker.MIN_SIZE, Chunker.MAX_SIZE); // zero and constant runs
        assertThat(whole.size()).isGreaterThan(20);

        SplittableRandom rnd = new SplittableRandom(11);
        int[] randomSizes = rnd.ints(200_000, 0, 300_000).toArray();
        Map<String, IntUnaryOperator> patterns = new LinkedHashMap<>();
        patterns.put("1 byte", call -> 1);
        patterns.put("7 bytes", call -> 7);
        patterns.put("63 bytes", call -> 63);
        patterns.put("4096 bytes", call -> 4096);
        patterns.put("65537 bytes", call -> 65537);
        patterns.put("MIN_SIZE - 64", call -> Chunker.MIN_SIZE - 64);
        patterns.put("MAX_SIZE", call -> Chunker.MAX_SIZE);
        patterns.put("random, with empty slices", call -> randomSizes[call % randomSizes.length]);
        for (Map.Entry<String, IntUnaryOperator> p : patterns.entrySet()) {
            assertThat(chunkLengths(new Chunker(TEST_POL), data, p.getValue())).as(p.getKey()).isEqualTo(whole);
        }
    }

    @Test
    void chunksRespectBounds() throws IOException {
        byte[] data = mixedData(8, 48 * MIB);
        for (Polynomial pol : List.of(TEST_POL, new Polynomial(0x2482734cacca49L))) {
            List<Integer> lengths = Chunker.chunkLengths(pol, new ByteArrayInputStream(data));
            assertThat(lengths).isEqualTo(wholeLengths(pol, data));
            assertThat(lengths.subList(0, lengths.size() - 1))
                    .allSatisfy(n -> assertThat(n).isBetween(Chunker.MIN_SIZE, Chunker.MAX_SIZE));
            assertThat(lengths.getLast()).isBetween(1, Chunker.MAX_SIZE);
            assertThat(lengths.stream().mapToLong(Integer::longValue).sum()).isEqualTo(data.length);
        }
    }

    @Test
    void polynomialChangesCutPoints() {
        byte[] data = mixedData(9, 12 * MIB);
        Arrays.fill(data, 3 * MIB, data.length, (byte) 1); // only the random start matters
        assertThat(wholeLengths(TEST_POL, data)).isNotEqualTo(wholeLengths(new Polynomial(0x2482734cacca49L), data));
    }

    @Test
    void resetStartsAFreshChunk() {
        byte[] data = mixedData(10, 20 * MIB);
        List<Integer> expected = wholeLengths(TEST_POL, data);

        Chunker chunker = new Chunker(TEST_POL);
        byte[] other = mixedData(99, 3 * MIB + 555);
        chunkLengths(chunker, other, call -> 100_000);
        assertThat(chunker.currentChunkLength()).isPositive();
        chunker.reset();
        assertThat(chunker.currentChunkLength()).isZero();
        assertThat(chunkLengths(chunker, data, call -> 1 << 20)).isEqualTo(expected);

        // A reset in the middle of the hashed part, too.
        chunker.next(other, 0, Chunker.MIN_SIZE - 10);
        chunker.reset();
        assertThat(chunkLengths(chunker, data, call -> 12345)).isEqualTo(expected);
    }

    @Test
    void sameResultsAsReferenceImplementation() {
        // Small bounds give many cuts on little data, so the slow reference stays quick.
        SplittableRandom rnd = new SplittableRandom(12);
        List<Polynomial> pols = new ArrayList<>(List.of(TEST_POL, new Polynomial(0x2482734cacca49L),
                Polynomial.random(rnd), Polynomial.random(rnd)));
        // Low degrees: the table index and the shifts depend on it.
        for (int degree : new int[] {8, 13, 31}) {
            long f;
            do {
                f = (rnd.nextLong() & ((1L << degree) - 1)) | (1L << degree) | 1;
            } while (!Polynomial.irreducible(f));
            pols.add(new Polynomial(f));
        }
        int[][] bounds = {{64, 512, 4}, {200, 1000, 7}, {1000, 1100, 8}, {128, 4096, 16}, {64, 65536, 12}};
        for (Polynomial pol : pols) {
            for (int[] b : bounds) {
                int bits = Math.min(b[2], pol.deg());
                byte[] data = mixedSmallData(rnd, 200_000);
                List<long[]> expected = referenceChunks(pol.value(), data, b[0], b[1], bits);
                Chunker chunker = new Chunker(pol, b[0], b[1], bits);
                List<long[]> actual = new ArrayList<>();
                int off = 0;
                while (off < data.length) {
                    int len = Math.min(rnd.nextInt(1, 3000), data.length - off);
                    int n = chunker.next(data, off, len);
                    if (n < 0) {
                        off += len;
                    } else {
                        off += n;
                        actual.add(new long[] {off, chunker.lastCutFingerprint()});
                    }
                }
                assertThat(actual).as("%s %s", pol, Arrays.toString(b)).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    assertThat(actual.get(i)).as("%s %s chunk %d", pol, Arrays.toString(b), i)
                            .containsExactly(expected.get(i));
                }
            }
        }
    }

    private static byte[] mixedSmallData(SplittableRandom rnd, int size) {
        byte[] data = new byte[size];
        rnd.nextBytes(data);
        Arrays.fill(data, size / 3, size / 3 + 5000, (byte) 0);
        Arrays.fill(data, size / 2, size / 2 + 9000, (byte) 0x77);
        return data;
    }

    /**
     * Cut points {end offset, fingerprint} from the definition: once a chunk holds at least minSize bytes, cut
     * after the first byte where the fingerprint of the last 64 bytes, (sum b_i x^(8(63-i))) mod P, has its low
     * bits clear, or at maxSize. The incomplete last chunk is not listed.
     */
    private static List<long[]> referenceChunks(long pol, byte[] data, int minSize, int maxSize, int bits) {
        long mask = (1L << bits) - 1;
        List<long[]> cuts = new ArrayList<>();
        int start = 0;
        outer:
        while (true) {
            for (int len = minSize; len <= maxSize; len++) {
                int end = start + len;
                if (end > data.length) {
                    break outer;
                }
                long fp = fingerprint(pol, data, end - Chunker.WINDOW_SIZE, Chunker.WINDOW_SIZE);
                if ((fp & mask) == 0 || len == maxSize) {
                    cuts.add(new long[] {end, fp});
                    start = end;
                    continue outer;
                }
            }
        }
        return cuts;
    }

    private static long fingerprint(long pol, byte[] data, int off, int len) {
        long h = 0;
        for (int i = off; i < off + len; i++) {
            h = Polynomial.mod((h << 8) | (data[i] & 0xff), pol);
        }
        return h;
    }

    @Test
    void rejectsUnusablePolynomialsAndBounds() {
        assertThatThrownBy(() -> new Chunker(new Polynomial(0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(new Polynomial(0x83))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(new Polynomial(1L << 54 | 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(TEST_POL, 63, 1000, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(TEST_POL, 1000, 999, 10)).isInstanceOf(IllegalArgumentException.class);
        Chunker chunker = new Chunker(TEST_POL);
        assertThatThrownBy(() -> chunker.next(new byte[10], 5, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> chunker.next(new byte[10], -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ---- cross-check against the restic binary ----

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Tag("restic")
    @Tag("slow")
    void sameChunksAsResticBinary(@TempDir Path tmp) throws Exception {
        Path repo = tmp.resolve("repo");
        Path dir = Files.createDirectories(tmp.resolve("data"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        byte[] random = new byte[40 * MIB + 4321];
        new Random(20240611L).nextBytes(random);
        files.put("random.bin", random);
        files.put("mixed.bin", mixedData(4242, 36 * MIB));
        files.put("zeros.bin", new byte[3 * Chunker.MIN_SIZE + 1]);
        files.put("small.bin", Arrays.copyOf(random, 1000));
        files.put("empty.bin", new byte[0]);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }

        restic(tmp, "-r", repo.toString(), "init");
        JsonNode config = JSON.readTree(restic(tmp, "-r", repo.toString(), "cat", "config"));
        Polynomial pol = Polynomial.parseHex(config.path("chunker_polynomial").asText());
        assertThat(pol.deg()).isEqualTo(53);
        assertThat(pol.irreducible()).isTrue();

        restic(dir, "-r", repo.toString(), "backup", ".");
        JsonNode snapshots = JSON.readTree(restic(tmp, "-r", repo.toString(), "snapshots", "--json"));
        assertThat(snapshots).hasSize(1);
        Map<String, List<String>> contents = new LinkedHashMap<>();
        collectFileContents(tmp, repo, snapshots.get(0).path("tree").asText(), contents);

        assertThat(contents.keySet()).containsExactlyInAnyOrderElementsOf(files.keySet());
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] data = f.getValue();
            List<String> ours = chunkIds(data, Chunker.chunkLengths(pol, new ByteArrayInputStream(data)));
            assertThat(ours).as("%s with polynomial %s", f.getKey(), pol).isEqualTo(contents.get(f.getKey()));
        }
        assertThat(contents.get("random.bin").size()).isGreaterThan(10);
    }

    /** Walks the snapshot's trees and records every file's list of data blob IDs by name. */
    private static void collectFileContents(Path cwd, Path repo, String treeId, Map<String, List<String>> out)
            throws Exception {
        JsonNode tree = JSON.readTree(restic(cwd, "-r", repo.toString(), "cat", "blob", treeId));
        for (JsonNode node : tree.path("nodes")) {
            switch (node.path("type").asText()) {
                case "dir" -> collectFileContents(cwd, repo, node.path("subtree").asText(), out);
                case "file" -> {
                    List<String> ids = new ArrayList<>();
                    node.path("content").forEach(id -> ids.add(id.asText()));
                    out.put(node.path("name").asText(), ids);
                }
                default -> fail("unexpected node in restic's tree: " + node);
            }
        }
    }

    private static String restic(Path cwd, String... args) throws Exception {
        String exe = findOnPath("restic");
        if (exe == null) {
            fail("restic binary not found on PATH; this test needs restic 0.14 (Debian package 'restic')");
        }
        List<String> cmd = new ArrayList<>(List.of(exe, "--no-cache"));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("restic", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(err.toFile());
            pb.environment().put("RESTIC_PASSWORD", "x");
            Process proc = pb.start();
            byte[] stdout = proc.getInputStream().readAllBytes();
            if (!proc.waitFor(5, TimeUnit.MINUTES)) {
                proc.destroyForcibly();
                fail("restic timed out: " + cmd);
            }
            if (proc.exitValue() != 0) {
                fail("restic failed (exit " + proc.exitValue() + "): " + cmd + "\n" + Files.readString(err));
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    private static String findOnPath(String name) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin" : path).split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    @Test
    void chunkIdsAreSha256OfChunks() throws Exception {
        // Sanity of the helper the restic cross-check relies on.
        byte[] data = mixedData(3, 2 * MIB);
        List<Integer> lengths = wholeLengths(TEST_POL, data);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(data, 0, lengths.getFirst());
        assertThat(chunkIds(data, lengths).getFirst()).isEqualTo(HexFormat.of().formatHex(md.digest()));
    }
}
