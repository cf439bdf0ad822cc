package org.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The compact blob table behind {@link MasterIndex}: collisions, duplicates, and its memory bound. */
class MasterIndexTest {
    /** An ID whose first 16 bytes (all the hash uses) are the same for every n: every one collides. */
    static Id colliding(int n) {
        byte[] b = new byte[Id.LENGTH];
        java.util.Arrays.fill(b, 0, 16, (byte) 0x5A);
        b[31] = (byte) n;
        b[30] = (byte) (n >>> 8);
        b[20] = (byte) (n >>> 16);
        return Id.of(b);
    }

    static Id id(String s) {
        return Id.hash(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void collidingIdsAreAllFoundWithTheirOwnLocations() {
        MasterIndex idx = new MasterIndex();
        Id pack = id("pack");
        for (int i = 0; i < 3000; i++) idx.add(new PackedBlob(colliding(i), BlobType.DATA, pack, 100L * i, 40 + i, i));
        assertThat(idx.size()).isEqualTo(3000);
        for (int i = 0; i < 3000; i++) {
            PackedBlob b = idx.lookup(BlobType.DATA, colliding(i));
            assertThat(b).isEqualTo(new PackedBlob(colliding(i), BlobType.DATA, pack, 100L * i, 40 + i, i));
        }
        assertThat(idx.has(BlobType.DATA, colliding(3000))).isFalse();
        assertThat(idx.has(BlobType.TREE, colliding(1))).isFalse();
        assertThat(idx.lookup(BlobType.TREE, colliding(1))).isNull();
        assertThat(idx.blobs(BlobType.DATA)).hasSize(3000).contains(idx.lookup(BlobType.DATA, colliding(2999)));
    }

    @Test
    void aBlobStoredInTwoPacksKeepsTheFirstForReadingAndListsBoth() {
        MasterIndex idx = new MasterIndex();
        Id x = id("x"), packA = id("A"), packB = id("B"), indexA = id("index A"), indexB = id("index B");
        PackedBlob inA = new PackedBlob(x, BlobType.DATA, packA, 0, 100, 0);
        PackedBlob inB = new PackedBlob(x, BlobType.DATA, packB, 64, 100, 0);
        idx.add(inA, indexA);
        idx.add(inA, indexB); // the same location named twice is no duplicate
        idx.add(inB, indexB);
        idx.add(new PackedBlob(x, BlobType.TREE, packB, 300, 50, 90), indexB); // same ID, other type
        assertThat(idx.lookup(BlobType.DATA, x)).isEqualTo(inA);
        assertThat(idx.lookupAll(BlobType.DATA, x)).containsExactly(inA, inB);
        assertThat(idx.lookupAll(BlobType.TREE, x)).containsExactly(new PackedBlob(x, BlobType.TREE, packB, 300, 50, 90));
        assertThat(idx.size()).isEqualTo(2);
        assertThat(idx.allEntries()).hasSize(3).contains(inA, inB);
        assertThat(idx.byPack().get(packB)).extracting(PackedBlob::offset).containsExactly(64L, 300L);
        assertThat(idx.packs()).containsExactlyInAnyOrder(packA, packB);
        assertThat(idx.sourceOf(packA)).isEqualTo(indexA);
        assertThat(idx.sourceOf(packB)).isEqualTo(indexB);
        assertThat(idx.sourceOf(id("C"))).isNull();
        idx.add(new PackedBlob(id("y"), BlobType.DATA, id("session pack"), 0, 40, 0));
        assertThat(idx.sourceOf(id("session pack"))).isNull();
    }

    @Test
    void manyThreadsAddAndLookUpTogether() throws Exception {
        MasterIndex idx = new MasterIndex();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 4; t++) {
            int base = t * 50_000;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    Id pack = id("pack " + base);
                    for (int i = base; i < base + 50_000; i++) {
                        Id b = id("blob " + i);
                        idx.add(new PackedBlob(b, BlobType.DATA, pack, i, 40, 0));
                        if (!idx.has(BlobType.DATA, b)) throw new AssertionError("lost " + i);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(errors).isEmpty();
        assertThat(idx.size()).isEqualTo(200_000);
        assertThat(idx.lookup(BlobType.DATA, id("blob 123456")).offset()).isEqualTo(123456L);
    }

    /**
     * Two million blobs fit in a 160 MiB heap (a map of records needed ~150 bytes per blob: 300 MB).
     * Run in its own JVM so that the heap bound is real.
     */
    @Test
    void twoMillionBlobsFitInA160MiBHeap() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx160m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), MasterIndexTest.class.getName(), "2000000")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("ok 2000000");
        assertThat(p.exitValue()).isZero();
    }

    /** The child of {@link #twoMillionBlobsFitInA160MiBHeap}: fills an index with N blobs, checks a sample. */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        MasterIndex idx = new MasterIndex();
        Id[] packs = new Id[n / 1000 + 1];
        for (int i = 0; i < packs.length; i++) packs[i] = id("pack " + i);
        byte[] b = new byte[Id.LENGTH];
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            r.nextBytes(b);
            idx.add(new PackedBlob(Id.of(b), i % 50 == 0 ? BlobType.TREE : BlobType.DATA, packs[i / 1000], i * 1000L, 1000, 3000), packs[0]);
        }
        r = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            r.nextBytes(b);
            PackedBlob pb = idx.lookup(i % 50 == 0 ? BlobType.TREE : BlobType.DATA, Id.of(b));
            if (pb == null || pb.offset() != i * 1000L || !pb.pack().equals(packs[i / 1000])) {
                System.out.println("wrong entry " + i + ": " + pb);
                System.exit(2);
            }
        }
        System.out.println("ok " + idx.size());
    }
}
