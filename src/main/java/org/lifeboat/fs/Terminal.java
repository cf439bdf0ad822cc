package org.lifeboat.fs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The size of the terminal a file descriptor is connected to (the JDK has no call for it). */
public final class Terminal {
    private Terminal() {}

    /** TIOCGWINSZ on Linux x86_64 and aarch64 (asm-generic ioctls). */
    private static final long TIOCGWINSZ = 0x5413;

    // int ioctl(int fd, unsigned long request, ...): variadic from the third argument on.
    private static final MethodHandle IOCTL = Libc.withErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));

    /**
     * The number of columns of the terminal on {@code fd} (ioctl TIOCGWINSZ), asked anew on every
     * call so that a resized window is followed.
     *
     * @param fd a file descriptor, e.g. 1 for standard output
     * @return the width in columns, or -1 when fd is not a terminal, reports no size (0), or the
     *         call is not available (not Linux, native access denied); never throws
     */
    public static int columns(int fd) {
        if (IOCTL == null) return -1;
        try (Arena arena = Arena.ofConfined()) {
            // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
            MemorySegment ws = arena.allocate(8, 2);
            int rc = (int) IOCTL.invokeExact(Libc.scratch().errno, fd, TIOCGWINSZ, ws);
            if (rc != 0) return -1;
            int cols = Short.toUnsignedInt(ws.get(JAVA_SHORT, 2));
            return cols > 0 ? cols : -1;
        } catch (Throwable t) {
            return -1;
        }
    }
}
