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
 * p = 6, and every command opens a key, so this is start-up latency users feel.
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
        int blockLen = 128 * r;
        byte[] b = pbkdf2(password, salt, p * blockLen);
        // lanes in parallel, each with a V of its own, as long as all of them fit in the limit
        int threads = (int) Math.min(Math.min(p, Runtime.getRuntime().availableProcessors()), Math.max(1, KeyFile.MAX_MEMORY / vBytes));
        if (threads <= 1) {
            lanes(b, 0, 1, p, r, n);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads, t -> {
                Thread th = new Thread(t, "scrypt");
                th.setDaemon(true);
                return th;
            });
            try {
                List<Future<?>> fs = new ArrayList<>();
                // Each worker takes lanes t, t+threads, …, reusing one V array (N·128·r bytes).
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    fs.add(pool.submit(() -> lanes(b, first, threads, p, r, n)));
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
        return pbkdf2(password, b, dkLen);
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
     * ROMix on lanes first, first + step, … of b (in place), with one V of N·128·r bytes (32 MiB
     * for restic's usual N = 2^15, r = 8) outside the Java heap, freed when they are done: V in
     * the heap would be a dead array in the old generation for the rest of the command, keeping
     * the heap (and the process's memory) that much larger, as a collector that is not short of
     * room does not look at the old generation again.
     */
    private static void lanes(byte[] b, int first, int step, int p, int r, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(128L * r * n, 64);
            for (int i = first; i < p; i += step) smix(b, i * 128 * r, r, n, v);
        }
    }

    /** ROMix on one lane of b (in place). */
    private static void smix(byte[] b, int off, int r, int n, MemorySegment v) {
        int words = 32 * r;
        int[] x = new int[words];
        int[] y = new int[words];
        int[] t = new int[16];
        for (int i = 0; i < words; i++) {
            int j = off + 4 * i;
            x[i] = (b[j] & 0xff) | (b[j + 1] & 0xff) << 8 | (b[j + 2] & 0xff) << 16 | (b[j + 3] & 0xff) << 24;
        }
        long blockBytes = 4L * words;
        int[] vj = new int[words];
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(x, 0, v, ValueLayout.JAVA_INT, i * blockBytes, words);
            blockMix(x, y, t, r);
            int[] s = x;
            x = y;
            y = s;
        }
        int last = (2 * r - 1) * 16;
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(v, ValueLayout.JAVA_INT, (x[last] & (n - 1)) * blockBytes, vj, 0, words);
            for (int k = 0; k < words; k++) x[k] ^= vj[k];
            blockMix(x, y, t, r);
            int[] s = x;
            x = y;
            y = s;
        }
        for (int i = 0; i < words; i++) {
            int j = off + 4 * i;
            b[j] = (byte) x[i];
            b[j + 1] = (byte) (x[i] >>> 8);
            b[j + 2] = (byte) (x[i] >>> 16);
            b[j + 3] = (byte) (x[i] >>> 24);
        }
    }

    /** BlockMix_salsa20/8: out gets the even blocks first, then the odd ones. */
    private static void blockMix(int[] in, int[] out, int[] t, int r) {
        System.arraycopy(in, (2 * r - 1) * 16, t, 0, 16);
        for (int i = 0; i < 2 * r; i++) {
            for (int k = 0; k < 16; k++) t[k] ^= in[i * 16 + k];
            salsa8(t);
            int dst = ((i & 1) == 0 ? i / 2 : r + i / 2) * 16;
            System.arraycopy(t, 0, out, dst, 16);
        }
    }

    private static void salsa8(int[] b) {
        int x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7];
        int x8 = b[8], x9 = b[9], x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15];
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
        b[0] += x0; b[1] += x1; b[2] += x2; b[3] += x3; b[4] += x4; b[5] += x5; b[6] += x6; b[7] += x7;
        b[8] += x8; b[9] += x9; b[10] += x10; b[11] += x11; b[12] += x12; b[13] += x13; b[14] += x14; b[15] += x15;
    }
}
