package org.lifeboat.mount;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.linux.amd64.extr.fuse3.stat;

/**
 * Sets {@code st_blocks}, which jfuse 0.7.3's {@link Stat} has no setter for (it has mode, uid,
 * gid, nlink, size and the times): without it every file counts 0 blocks and {@code du} shows 0.
 * The Linux x86_64 binding's Stat is a record over the native {@code struct stat}, and its
 * generated layout class {@code extr.fuse3.stat} writes the field; both are reached here once.
 * When the binding is not that one (another jfuse version), nothing is set and du keeps showing 0,
 * as before. A self-check guards the layout: the size jfuse wrote must read back at the layout's
 * own offset, or nothing is written.
 */
final class StatBlocks {
    private StatBlocks() {}

    /** StatImpl::segment, accessible; null when jfuse is not the 0.7.3 Linux x86_64 binding. */
    private static final Method SEGMENT = segmentAccessor();

    private static Method segmentAccessor() {
        try {
            Class<?> impl = Class.forName("org.cryptomator.jfuse.linux.amd64.StatImpl");
            Method m = impl.getDeclaredMethod("segment");
            if (m.getReturnType() != MemorySegment.class) return null;
            m.setAccessible(true);
            stat.sizeof(); // the layout class is there too
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #set} can set st_blocks with this jfuse. */
    static boolean available() {
        return SEGMENT != null;
    }

    /**
     * Sets st_blocks to the 512-byte blocks {@code size} bytes take (rounded up), after
     * {@code st.setSize(size)}; does nothing when jfuse does not allow it.
     */
    static void set(Stat st, long size) {
        if (SEGMENT == null || !SEGMENT.getDeclaringClass().isInstance(st)) return;
        try {
            MemorySegment seg = (MemorySegment) SEGMENT.invoke(st);
            if (seg.byteSize() < stat.sizeof() || stat.st_size(seg) != st.getSize()) return;
            stat.st_blocks(seg, blocks(size));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not the layout expected: leave st_blocks at 0 rather than write somewhere wrong
        }
    }

    /** ceil(size / 512): what du counts (a sparse file would count fewer; the mount has none). */
    static long blocks(long size) {
        return size <= 0 ? 0 : (size - 1) / 512 + 1;
    }
}
