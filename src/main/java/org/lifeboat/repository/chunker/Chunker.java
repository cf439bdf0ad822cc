package org.lifeboat.repository.chunker;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content-defined chunker with restic's Rabin fingerprint over a 64-byte window; its cut points are identical to
 * restic/chunker's, so that identical content yields identical blobs.
 *
 * <p>Streaming use: feed a file's bytes in any slices with {@link #next}; a non-negative result ends the current
 * chunk that many bytes into the slice and starts the next one. At end of file the caller closes the last chunk
 * if {@link #currentChunkLength()} is non-zero. Call {@link #reset()} before each file. Not thread-safe.
 */
public final class Chunker {
    public static final int MIN_SIZE = 512 * 1024;
    public static final int MAX_SIZE = 8 * 1024 * 1024;

    static final int WINDOW_SIZE = 64;
    static final int AVERAGE_BITS = 20; // about 1 MiB per chunk
    // Lane lengths for hashing four stretches at once: long enough that the 64 bytes each lane hashes first
    // cost little, short enough that the exact re-scan after a match in a later lane stays cheap.
    private static final int MIN_LANE = 256;
    private static final int MAX_LANE = 4096;

    // Tables are a pure function of the polynomial and take ~16k reductions to build; a repository has one
    // polynomial, so the cache stays tiny (4 KiB per entry).
    private static final ConcurrentHashMap<Long, Tables> TABLES = new ConcurrentHashMap<>();

    private final Tables tables;
    private final int polShift;
    private final int minSize;
    private final int maxSize;
    private final long splitMask;

    private final byte[] window = new byte[WINDOW_SIZE]; // ring of the last 64 hashed bytes
    private int wpos;
    private long digest;
    private int count; // bytes of the current chunk consumed so far
    private long lastCut; // fingerprint at the last cut, restic's Chunk.Cut; only for tests

    public Chunker(Polynomial pol) {
        this(pol, MIN_SIZE, MAX_SIZE, AVERAGE_BITS);
    }

    /** Non-default boundaries, like restic's WithBoundaries / WithAverageBits; for tests. */
    Chunker(Polynomial pol, int minSize, int maxSize, int averageBits) {
        int k = pol.deg();
        // The digest needs 8 free bits above the degree; below 8 there is no byte to index the tables with.
        if (k < 8 || k > 53) {
            throw new IllegalArgumentException("chunker polynomial must have degree 8..53: " + pol);
        }
        // Hashing starts minSize - 64 bytes into a chunk, so the window is full when a cut becomes possible.
        if (minSize < WINDOW_SIZE || maxSize < minSize || averageBits < 1 || averageBits > k) {
            throw new IllegalArgumentException(
                    "bad chunker bounds: min " + minSize + ", max " + maxSize + ", bits " + averageBits);
        }
        this.tables = TABLES.computeIfAbsent(pol.value(), Tables::build);
        this.polShift = k - 8;
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.splitMask = (1L << averageBits) - 1;
        reset();
    }

    /** Starts a new chunk from scratch, e.g. at the beginning of a file. */
    public void reset() {
        Arrays.fill(window, (byte) 0);
        count = 0;
        // restic slides a single byte 1 into the empty window, so the digest starts non-zero.
        window[0] = 1;
        long d = tables.out[0];
        digest = ((d << 8) | 1) ^ tables.mod[(int) (d >>> polShift)];
        wpos = 1;
    }

    /** Bytes consumed into the current, unfinished chunk. */
    public long currentChunkLength() {
        return count;
    }

    /** Rabin fingerprint at the last cut by fingerprint or by maxSize (restic's Chunk.Cut). */
    long lastCutFingerprint() {
        return lastCut;
    }

    /**
     * Feeds {@code buf[off, off+len)}. Returns the number of bytes consumed up to and including a cut point, or -1
     * if all {@code len} bytes were consumed without a cut (the current chunk continues). After a cut the chunker
     * is ready for the next chunk; the rest of the slice has not been consumed.
     */
    public int next(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        final int end = off + len;
        int pos = off;
        int cnt = count;

        // restic does not hash the start of a chunk: no cut can fall there and the window is refilled anyway.
        int skip = minSize - WINDOW_SIZE - cnt;
        if (skip > 0) {
            if (skip >= len) {
                count = cnt + len;
                return -1;
            }
            pos += skip;
            cnt += skip;
        }

        final long[] out = tables.out;
        final long[] mod = tables.mod;
        final int shift = polShift;
        final long mask = splitMask;
        long d = digest;

        // Until 64 bytes of this slice are hashed, the bytes to slide out come from the ring.
        final int hashStart = pos;
        final byte[] win = window;
        int wp = wpos;
        for (int ringEnd = Math.min(end, hashStart + WINDOW_SIZE); pos < ringEnd; ) {
            int b = buf[pos++] & 0xff;
            int o = win[wp] & 0xff;
            win[wp] = (byte) b;
            wp = (wp + 1) & (WINDOW_SIZE - 1);
            d ^= out[o];
            d = ((d << 8) | b) ^ mod[(int) (d >>> shift)];
            cnt++;
            if (cnt >= minSize && ((d & mask) == 0 || cnt >= maxSize)) {
                return cut(pos - off, d);
            }
        }
        if (pos == end) {
            digest = d;
            wpos = wp;
            count = cnt;
            return -1;
        }

        // From here the byte leaving the window is buf[pos - 64], and cnt >= minSize: every byte may end a chunk.
        // The digest does not match the split mask here (else the ring loop had cut), so below a matching digest
        // means a cut at pos. lanes() and scan() work on the digest field.
        digest = d;
        final int directStart = pos;
        final int limit = pos + Math.min(end - pos, maxSize - cnt);
        while (limit - pos >= 4 * MIN_LANE) {
            int n = Math.min(MAX_LANE, (limit - pos) >>> 2);
            int stop = lanes(buf, pos, n);
            boolean matched = stop < pos + 4 * n;
            pos = stop;
            if (matched) {
                break;
            }
        }
        if ((digest & mask) != 0) {
            pos = scan(buf, pos, limit);
        }
        if ((digest & mask) == 0) {
            return cut(pos - off, digest);
        }
        cnt += pos - directStart;
        if (cnt >= maxSize) {
            return cut(pos - off, digest);
        }
        // The ring is stale; the last 64 bytes of the slice are the window now, oldest first.
        System.arraycopy(buf, end - WINDOW_SIZE, win, 0, WINDOW_SIZE);
        wpos = 0;
        count = cnt;
        return -1;
    }

    /**
     * Hashes buf[s0, s0 + 4n) as four lanes of n bytes, interleaved: a fingerprint depends on the last 64 bytes
     * only, and four independent chains of table lookups hide each other's latency, which bounds a single chain
     * (about 2x faster). Lane 0 continues the digest; lanes 1..3 first hash the 64 bytes before their start.
     * Returns s0 + 4n with the digest of the last byte if no fingerprint matched. Otherwise stops at the first
     * match in any lane and returns the position after lane 0's last byte, with lane 0's digest: the cut if that
     * matches, else a cut lies between there and the later lane's match, for scan() to find.
     */
    private int lanes(byte[] buf, final int s0, final int n) {
        final long[] out = tables.out;
        final long[] mod = tables.mod;
        final int shift = polShift;
        final long mask = splitMask;
        final int s1 = s0 + n;
        final int s2 = s1 + n;
        final int s3 = s2 + n;
        long d1 = 0;
        long d2 = 0;
        long d3 = 0;
        for (int i = -WINDOW_SIZE; i < 0; i++) {
            d1 = ((d1 << 8) | (buf[s1 + i] & 0xff)) ^ mod[(int) (d1 >>> shift)];
            d2 = ((d2 << 8) | (buf[s2 + i] & 0xff)) ^ mod[(int) (d2 >>> shift)];
            d3 = ((d3 << 8) | (buf[s3 + i] & 0xff)) ^ mod[(int) (d3 >>> shift)];
        }
        long d0 = digest;
        for (int i = 0; i < n; i++) {
            d0 ^= out[buf[s0 + i - WINDOW_SIZE] & 0xff];
            d1 ^= out[buf[s1 + i - WINDOW_SIZE] & 0xff];
            d2 ^= out[buf[s2 + i - WINDOW_SIZE] & 0xff];
            d3 ^= out[buf[s3 + i - WINDOW_SIZE] & 0xff];
            d0 = ((d0 << 8) | (buf[s0 + i] & 0xff)) ^ mod[(int) (d0 >>> shift)];
            d1 = ((d1 << 8) | (buf[s1 + i] & 0xff)) ^ mod[(int) (d1 >>> shift)];
            d2 = ((d2 << 8) | (buf[s2 + i] & 0xff)) ^ mod[(int) (d2 >>> shift)];
            d3 = ((d3 << 8) | (buf[s3 + i] & 0xff)) ^ mod[(int) (d3 >>> shift)];
            if (((d0 & mask) == 0) | ((d1 & mask) == 0) | ((d2 & mask) == 0) | ((d3 & mask) == 0)) {
                digest = d0;
                return s0 + i + 1;
            }
        }
        digest = d3;
        return s3 + n;
    }

    /**
     * Rolls the digest one byte at a time over buf[pos, limit), where the byte leaving the window is 64 before.
     * Stops after the first byte whose digest matches the split mask. Like lanes(), kept out of next(): C2
     * compiles these loops much better on their own (measured).
     */
    private int scan(byte[] buf, int pos, int limit) {
        final long[] out = tables.out;
        final long[] mod = tables.mod;
        final int shift = polShift;
        final long mask = splitMask;
        long d = digest;
        for (int i = pos; i < limit; i++) {
            d ^= out[buf[i - WINDOW_SIZE] & 0xff];
            d = ((d << 8) | (buf[i] & 0xff)) ^ mod[(int) (d >>> shift)];
            if ((d & mask) == 0) {
                digest = d;
                return i + 1;
            }
        }
        digest = d;
        return limit;
    }

    private int cut(int consumed, long cutDigest) {
        lastCut = cutDigest;
        reset();
        return consumed;
    }

    /** Chunk lengths of a whole stream, in order; an empty stream has none. */
    public static List<Integer> chunkLengths(Polynomial pol, InputStream in) throws IOException {
        Chunker chunker = new Chunker(pol);
        List<Integer> lengths = new ArrayList<>();
        byte[] buf = new byte[1 << 20];
        for (int r; (r = in.read(buf)) >= 0; ) {
            int off = 0;
            while (off < r) {
                long before = chunker.currentChunkLength();
                int n = chunker.next(buf, off, r - off);
                if (n < 0) {
                    break;
                }
                lengths.add(Math.toIntExact(before + n));
                off += n;
            }
        }
        if (chunker.currentChunkLength() > 0) {
            lengths.add(Math.toIntExact(chunker.currentChunkLength()));
        }
        return lengths;
    }

    /**
     * out[b]: fingerprint of b followed by 63 zero bytes, XORed in to slide b out of the window. mod[b]:
     * (b x^k mod P) | b x^k, so that one XOR cancels the byte shifted above degree k and adds its remainder.
     */
    private record Tables(long[] out, long[] mod) {
        static Tables build(long pol) {
            int k = Polynomial.deg(pol);
            long[] out = new long[256];
            long[] mod = new long[256];
            for (int b = 0; b < 256; b++) {
                long h = Polynomial.mod(b, pol);
                for (int i = 0; i < WINDOW_SIZE - 1; i++) {
                    h = Polynomial.mod(h << 8, pol);
                }
                out[b] = h;
                long high = (long) b << k;
                mod[b] = Polynomial.mod(high, pol) | high;
            }
            return new Tables(out, mod);
        }
    }
}
