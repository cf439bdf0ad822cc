package org.lifeboat.repository;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * scrypt (RFC 7914). Its p lanes are independent, so they run on all cores: restic's key files use
 * p = 6, and every command opens a key, so this is start-up latency users feel. Salsa20/8 works on
 * int words and reads its input from where BlockMix left it (no copies, no temporary blocks).
 */
public final class Scrypt {
    private Scrypt() {}

    /**
     * Derives {@code dkLen} bytes. IllegalArgumentException for parameters RFC 7914 forbids or
     * that need more than {@link KeyFile#MAX_MEMORY} bytes (check {@link KeyFile#paramsProblem} first).
     */
    public static byte[] derive(byte[] password, byte[] salt, int n, int r, int p, int dkLen) {
        if (n < 2 || (n & (n - 1)) != 0) throw new IllegalArgumentException("scrypt N must be a power of 2 > 1");
        if (r < 1 || p < 1 || (long) r * p >= 1 << 30) throw new IllegalArgumentException("bad scrypt r/p");
        // V holds 128·r·N bytes, B 128·r·p; beyond 1 GiB each callers must have refused them
        long vBytes = 128L * r * n;
        if (vBytes > KeyFile.MAX_MEMORY || 128L * r * p > KeyFile.MAX_MEMORY) {
            throw new IllegalArgumentException("scrypt N·r or r·p needs more than 1 GiB");
        }
        // Lanes in parallel, each with a V of its own, as long as all of them fit in the limit.
        // With two or more, each V keeps every other block only (the others are recomputed: 25 %
        // more work on each lane), so that all of them together need no more memory than Go's
        // scrypt (restic's) does for its one V: 2 × 16 MiB for restic's keys, not 2 × 32 MiB,
        // which was most of a short command's peak memory.
        int threads = (int) Math.min(Math.min(p, Runtime.getRuntime().availableProcessors()), Math.max(1, KeyFile.MAX_MEMORY / vBytes));
        int stride = threads > 1 ? 2 : 1;
        return derive(password, salt, n, r, p, dkLen, threads, stride);
    }

    /**
     * scrypt on {@code threads} threads (at most p), each V holding every {@code stride}-th
     * block (a power of two ≤ N); the parameters are valid (the public method checks them).
     */
    static byte[] derive(byte[] password, byte[] salt, int n, int r, int p, int dkLen, int threads, int stride) {
        byte[] b = pbkdf2(password, salt, p * 128 * r);
        if (threads <= 1) {
            lanes(b, 0, 1, p, r, n, stride);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads, t -> {
                Thread th = new Thread(t, "scrypt");
                th.setDaemon(true);
                return th;
            });
            try {
                List<Future<?>> fs = new ArrayList<>();
                // Each worker takes lanes t, t+threads, …, reusing one V (N·128·r / stride bytes).
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    fs.add(pool.submit(() -> lanes(b, first, threads, p, r, n, stride)));
                }
                for (Future<?> f : fs) f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while deriving a key", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("scrypt failed", e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        byte[] key = pbkdf2(password, b, dkLen);
        java.util.Arrays.fill(b, (byte) 0);
        return key;
    }

    /** PBKDF2-HMAC-SHA256 with one iteration, as scrypt uses it. */
    static byte[] pbkdf2(byte[] password, byte[] salt, int len) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // HMAC accepts an empty key per RFC 2104; the JDK refuses an empty SecretKeySpec.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA256"));
            if (password.length == 0) mac = emptyKeyMac();
            byte[] out = new byte[len];
            int blocks = (len + 31) / 32;
            for (int i = 1; i <= blocks; i++) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
                byte[] u = mac.doFinal();
                System.arraycopy(u, 0, out, (i - 1) * 32, Math.min(32, len - (i - 1) * 32));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA256", e);
        }
    }

    private static Mac emptyKeyMac() throws GeneralSecurityException {
        // An empty HMAC key is zero-padded to the block size: the same as a single zero byte.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[64], "HmacSHA256"));
        return mac;
    }

    /**
     * ROMix on lanes first, first + step, … of b (in place), with one V outside the Java heap,
     * freed when they are done: V in the heap would be a dead array in the old generation for the
     * rest of the command, keeping the heap (and the process's memory) that much larger, as a
     * collector that is not short of room does not look at the old generation again. V holds
     * every {@code stride}-th block (N·128·r / stride bytes: 32 MiB / stride for restic's usual
     * N = 2^15, r = 8); a block in between is recomputed from the one stored before it.
     */
    private static void lanes(byte[] b, int first, int step, int p, int r, int n, int stride) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(128L * r * (n / stride), 64);
            int[] x = new int[32 * r];
            for (int i = first; i < p; i += step) {
                int off = i * 128 * r;
                for (int k = 0; k < x.length; k++) {
                    int j = off + 4 * k;
                    x[k] = (b[j] & 0xff) | (b[j + 1] & 0xff) << 8 | (b[j + 2] & 0xff) << 16 | (b[j + 3] & 0xff) << 24;
                }
                smix(x, r, n, v, stride);
                for (int k = 0; k < x.length; k++) {
                    int j = off + 4 * k;
                    b[j] = (byte) x[k];
                    b[j + 1] = (byte) (x[k] >>> 8);
                    b[j + 2] = (byte) (x[k] >>> 16);
                    b[j + 3] = (byte) (x[k] >>> 24);
                }
                java.util.Arrays.fill(x, 0);
            }
        }
    }

    /** ROMix (RFC 7914 section 5) on one lane x of 32·r words, in place. */
    static void smix(int[] lane, int r, int n, MemorySegment v, int stride) {
        int words = 32 * r;
        int[] x = lane;
        long blockBytes = 4L * words;
        int[] y = new int[words];
        int[] vj = new int[words];
        int[] t = new int[words];
        int mask = stride - 1;
        int shift = Integer.numberOfTrailingZeros(stride);
        for (int i = 0; i < n; i++) {
            if ((i & mask) == 0) MemorySegment.copy(x, 0, v, ValueLayout.JAVA_INT, (i >>> shift) * blockBytes, words);
            blockMix(x, y, r);
            int[] s = x;
            x = y;
            y = s;
        }
        int last = (2 * r - 1) * 16;
        for (int i = 0; i < n; i++) {
            int j = x[last] & (n - 1);
            MemorySegment.copy(v, ValueLayout.JAVA_INT, (j >>> shift) * blockBytes, vj, 0, words);
            for (int d = j & mask; d > 0; d--) {
                blockMix(vj, t, r);
                int[] s = vj;
                vj = t;
                t = s;
            }
            for (int k = 0; k < words; k++) x[k] ^= vj[k];
            blockMix(x, y, r);
            int[] s = x;
            x = y;
            y = s;
        }
        if (x != lane) System.arraycopy(x, 0, lane, 0, words);
        java.util.Arrays.fill(y, 0);
        java.util.Arrays.fill(vj, 0);
        java.util.Arrays.fill(t, 0);
    }

    /**
     * BlockMix_salsa20/8 of in into out (distinct arrays): X = B[2r-1], then X = Salsa(X ^ B[i])
     * for each block, the even results first, then the odd ones. Each X is read back from where
     * it was written, so no copy is made.
     */
    private static void blockMix(int[] in, int[] out, int r) {
        salsa(in, (2 * r - 1) * 16, in, 0, out, 0);
        int prev = 0;
        for (int i = 1; i < 2 * r; i++) {
            int dst = ((i & 1) == 0 ? i >> 1 : r + (i >> 1)) * 16;
            salsa(out, prev, in, i * 16, out, dst);
            prev = dst;
        }
    }

    /**
     * Salsa20/8 of the 16 words a[ao..] ^ b[bo..] into out[o..]; out's block may be neither of
     * the two (the input is read again at the end, which keeps 16 fewer values in registers).
     */
    private static void salsa(int[] a, int ao, int[] b, int bo, int[] out, int o) {
        int x0 = a[ao + 0] ^ b[bo + 0];
        int x1 = a[ao + 1] ^ b[bo + 1];
        int x2 = a[ao + 2] ^ b[bo + 2];
        int x3 = a[ao + 3] ^ b[bo + 3];
        int x4 = a[ao + 4] ^ b[bo + 4];
        int x5 = a[ao + 5] ^ b[bo + 5];
        int x6 = a[ao + 6] ^ b[bo + 6];
        int x7 = a[ao + 7] ^ b[bo + 7];
        int x8 = a[ao + 8] ^ b[bo + 8];
        int x9 = a[ao + 9] ^ b[bo + 9];
        int x10 = a[ao + 10] ^ b[bo + 10];
        int x11 = a[ao + 11] ^ b[bo + 11];
        int x12 = a[ao + 12] ^ b[bo + 12];
        int x13 = a[ao + 13] ^ b[bo + 13];
        int x14 = a[ao + 14] ^ b[bo + 14];
        int x15 = a[ao + 15] ^ b[bo + 15];
        for (int i = 0; i < 4; i++) {
            x4 ^= Integer.rotateLeft(x0 + x12, 7);
            x8 ^= Integer.rotateLeft(x4 + x0, 9);
            x12 ^= Integer.rotateLeft(x8 + x4, 13);
            x0 ^= Integer.rotateLeft(x12 + x8, 18);
            x9 ^= Integer.rotateLeft(x5 + x1, 7);
            x13 ^= Integer.rotateLeft(x9 + x5, 9);
            x1 ^= Integer.rotateLeft(x13 + x9, 13);
            x5 ^= Integer.rotateLeft(x1 + x13, 18);
            x14 ^= Integer.rotateLeft(x10 + x6, 7);
            x2 ^= Integer.rotateLeft(x14 + x10, 9);
            x6 ^= Integer.rotateLeft(x2 + x14, 13);
            x10 ^= Integer.rotateLeft(x6 + x2, 18);
            x3 ^= Integer.rotateLeft(x15 + x11, 7);
            x7 ^= Integer.rotateLeft(x3 + x15, 9);
            x11 ^= Integer.rotateLeft(x7 + x3, 13);
            x15 ^= Integer.rotateLeft(x11 + x7, 18);
            x1 ^= Integer.rotateLeft(x0 + x3, 7);
            x2 ^= Integer.rotateLeft(x1 + x0, 9);
            x3 ^= Integer.rotateLeft(x2 + x1, 13);
            x0 ^= Integer.rotateLeft(x3 + x2, 18);
            x6 ^= Integer.rotateLeft(x5 + x4, 7);
            x7 ^= Integer.rotateLeft(x6 + x5, 9);
            x4 ^= Integer.rotateLeft(x7 + x6, 13);
            x5 ^= Integer.rotateLeft(x4 + x7, 18);
            x11 ^= Integer.rotateLeft(x10 + x9, 7);
            x8 ^= Integer.rotateLeft(x11 + x10, 9);
            x9 ^= Integer.rotateLeft(x8 + x11, 13);
            x10 ^= Integer.rotateLeft(x9 + x8, 18);
            x12 ^= Integer.rotateLeft(x15 + x14, 7);
            x13 ^= Integer.rotateLeft(x12 + x15, 9);
            x14 ^= Integer.rotateLeft(x13 + x12, 13);
            x15 ^= Integer.rotateLeft(x14 + x13, 18);
        }
        out[o + 0] = x0 + (a[ao + 0] ^ b[bo + 0]);
        out[o + 1] = x1 + (a[ao + 1] ^ b[bo + 1]);
        out[o + 2] = x2 + (a[ao + 2] ^ b[bo + 2]);
        out[o + 3] = x3 + (a[ao + 3] ^ b[bo + 3]);
        out[o + 4] = x4 + (a[ao + 4] ^ b[bo + 4]);
        out[o + 5] = x5 + (a[ao + 5] ^ b[bo + 5]);
        out[o + 6] = x6 + (a[ao + 6] ^ b[bo + 6]);
        out[o + 7] = x7 + (a[ao + 7] ^ b[bo + 7]);
        out[o + 8] = x8 + (a[ao + 8] ^ b[bo + 8]);
        out[o + 9] = x9 + (a[ao + 9] ^ b[bo + 9]);
        out[o + 10] = x10 + (a[ao + 10] ^ b[bo + 10]);
        out[o + 11] = x11 + (a[ao + 11] ^ b[bo + 11]);
        out[o + 12] = x12 + (a[ao + 12] ^ b[bo + 12]);
        out[o + 13] = x13 + (a[ao + 13] ^ b[bo + 13]);
        out[o + 14] = x14 + (a[ao + 14] ^ b[bo + 14]);
        out[o + 15] = x15 + (a[ao + 15] ^ b[bo + 15]);
    }
}
