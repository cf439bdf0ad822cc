package org.lifeboat.repository;

/**
 * Poly1305 (RFC 8439 §2.5) with five 26-bit limbs in longs. BouncyCastle's is several times slower,
 * and the MAC covers every stored byte. The caller supplies r (masked here) and s.
 */
final class Poly1305 {
    private static final long M26 = 0x3ffffff;

    private Poly1305() {}

    /** Little-endian 32-bit reads as one load each (byte by byte, the MAC loop did four times the loads). */
    private static final java.lang.invoke.VarHandle LE_INT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static long le32(byte[] b, int i) {
        return (int) LE_INT.get(b, i) & 0xffffffffL;
    }

    static void mac(byte[] r, byte[] s, byte[] m, int off, int len, byte[] out, int outOff) {
        // Clamping folded into the limb masks.
        long r0 = le32(r, 0) & 0x3ffffff;
        long r1 = (le32(r, 3) >>> 2) & 0x3ffff03;
        long r2 = (le32(r, 6) >>> 4) & 0x3ffc0ff;
        long r3 = (le32(r, 9) >>> 6) & 0x3f03fff;
        long r4 = (le32(r, 12) >>> 8) & 0x00fffff;
        long s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5;
        long h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0;
        int end = off + len;
        int full = off + (len & ~15);
        byte[] last = null;
        for (int i = off; i < end; i += 16) {
            byte[] blk = m;
            int p = i;
            long hibit = 1L << 24;
            if (i >= full) {
                // Final partial block: the message bytes, a 1, then zeros; no high bit.
                last = new byte[16];
                System.arraycopy(m, i, last, 0, end - i);
                last[end - i] = 1;
                blk = last;
                p = 0;
                hibit = 0;
            }
            h0 += le32(blk, p) & M26;
            h1 += (le32(blk, p + 3) >>> 2) & M26;
            h2 += (le32(blk, p + 6) >>> 4) & M26;
            h3 += (le32(blk, p + 9) >>> 6) & M26;
            h4 += (le32(blk, p + 12) >>> 8) | hibit;
            long d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
            long d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
            long d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
            long d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
            long d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
            long c = d0 >>> 26;
            h0 = d0 & M26;
            d1 += c;
            c = d1 >>> 26;
            h1 = d1 & M26;
            d2 += c;
            c = d2 >>> 26;
            h2 = d2 & M26;
            d3 += c;
            c = d3 >>> 26;
            h3 = d3 & M26;
            d4 += c;
            c = d4 >>> 26;
            h4 = d4 & M26;
            h0 += c * 5;
            c = h0 >>> 26;
            h0 &= M26;
            h1 += c;
        }
        long c = h1 >>> 26;
        h1 &= M26;
        h2 += c;
        c = h2 >>> 26;
        h2 &= M26;
        h3 += c;
        c = h3 >>> 26;
        h3 &= M26;
        h4 += c;
        c = h4 >>> 26;
        h4 &= M26;
        h0 += c * 5;
        c = h0 >>> 26;
        h0 &= M26;
        h1 += c;
        // h mod p: subtract p = 2^130 - 5 when h >= p.
        long g0 = h0 + 5;
        c = g0 >>> 26;
        g0 &= M26;
        long g1 = h1 + c;
        c = g1 >>> 26;
        g1 &= M26;
        long g2 = h2 + c;
        c = g2 >>> 26;
        g2 &= M26;
        long g3 = h3 + c;
        c = g3 >>> 26;
        g3 &= M26;
        long g4 = h4 + c - (1L << 26);
        if (g4 >= 0) {
            h0 = g0;
            h1 = g1;
            h2 = g2;
            h3 = g3;
            h4 = g4;
        }
        long f0 = (h0 | h1 << 26) & 0xffffffffL;
        long f1 = (h1 >>> 6 | h2 << 20) & 0xffffffffL;
        long f2 = (h2 >>> 12 | h3 << 14) & 0xffffffffL;
        long f3 = (h3 >>> 18 | h4 << 8) & 0xffffffffL;
        f0 += le32(s, 0);
        f1 += le32(s, 4) + (f0 >>> 32);
        f2 += le32(s, 8) + (f1 >>> 32);
        f3 += le32(s, 12) + (f2 >>> 32);
        put32(out, outOff, f0);
        put32(out, outOff + 4, f1);
        put32(out, outOff + 8, f2);
        put32(out, outOff + 12, f3);
    }

    private static void put32(byte[] b, int i, long v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }
}
