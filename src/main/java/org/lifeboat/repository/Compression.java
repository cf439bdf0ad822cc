package org.lifeboat.repository;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/** zstd as restic v2 uses it: plain frames, no dictionary. */
public final class Compression {
    /** How data blobs are compressed: auto (default), off, or max. */
    public enum Mode {
        AUTO(3), OFF(0), MAX(19);

        final int level;

        Mode(int level) {
            this.level = level;
        }

        public static Mode parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "auto" -> AUTO;
                case "off" -> OFF;
                case "max" -> MAX;
                default -> throw new IllegalArgumentException("compression must be auto, off or max, not '" + s + "'");
            };
        }
    }

    /** Trees and unpacked files: small, compressed at zstd's default. */
    static final int TREE_LEVEL = 3;

    private Compression() {}

    /**
     * One native context per thread and level: a fresh context per blob costs an allocation of
     * native memory each time, which fragments malloc's arenas and inflates RSS.
     */
    private static final ThreadLocal<java.util.Map<Integer, com.github.luben.zstd.ZstdCompressCtx>> COMPRESSORS =
            ThreadLocal.withInitial(java.util.HashMap::new);
    private static final ThreadLocal<com.github.luben.zstd.ZstdDecompressCtx> DECOMPRESSORS =
            ThreadLocal.withInitial(com.github.luben.zstd.ZstdDecompressCtx::new);

    private static com.github.luben.zstd.ZstdCompressCtx compressor(int level) {
        return COMPRESSORS.get().computeIfAbsent(level, l -> new com.github.luben.zstd.ZstdCompressCtx().setLevel(l));
    }

    static int bound(int len) {
        return (int) Zstd.compressBound(len);
    }

    /** Compresses into dst (at least bound(len) long); returns the compressed length. */
    static int compressInto(byte[] src, int off, int len, byte[] dst, int level) {
        return compressor(level).compressByteArray(dst, 0, dst.length, src, off, len);
    }

    static byte[] compress(byte[] src, int off, int len, int level) {
        byte[] dst = new byte[bound(len)];
        return java.util.Arrays.copyOf(dst, compressInto(src, off, len, dst, level));
    }

    /** Decompresses a frame whose content size is known (from the index). */
    static byte[] decompress(byte[] src, int off, int len, int expected) throws RepositoryException {
        if (expected < 0) throw new RepositoryException("impossible uncompressed length " + expected);
        byte[] dst = new byte[expected];
        int n;
        try {
            n = DECOMPRESSORS.get().decompressByteArray(dst, 0, expected, src, off, len);
        } catch (com.github.luben.zstd.ZstdException e) {
            throw new RepositoryException("zstd: " + e.getMessage());
        }
        if (n != expected) throw new RepositoryException("decompressed " + n + " bytes, expected " + expected);
        return dst;
    }

    /**
     * Decompresses a frame (or concatenated frames) of unknown content size by streaming, refusing
     * to produce more than {@code max} bytes: a small file must not expand into gigabytes
     * (a "zstd bomb"). RepositoryException when the data is not zstd or decompresses to more.
     */
    static byte[] decompressStream(byte[] src, int off, int len, int max) throws RepositoryException {
        try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(src, off, len))) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(max, Math.max(1024, 4 * len)));
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + (long) n > max) throw new TooLargeException(max);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (TooLargeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException("zstd: " + e.getMessage(), e);
        }
    }

    /** The decompressed data would exceed the allowed size. */
    static final class TooLargeException extends RepositoryException {
        TooLargeException(long max) {
            super("decompresses to more than " + sizeText(max));
        }
    }

    /** A byte count for messages: "16 MiB", "1 GiB", or bytes. */
    static String sizeText(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30) + " GiB";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return (bytes >> 20) + " MiB";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10) + " KiB";
        return bytes + " bytes";
    }
}
