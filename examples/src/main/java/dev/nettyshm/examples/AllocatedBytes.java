package dev.nettyshm.examples;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bytes a file system has allocated to a file — unlike its size, which counts holes too. Java's file attributes
 * do not carry it, so this asks Linux's {@code statx(2)} through the FFM API; {@code struct statx} is laid out the
 * same on every Linux architecture, unlike {@code struct stat}.
 */
final class AllocatedBytes {

    private static final int AT_FDCWD = -100;
    private static final int STATX_BLOCKS = 0x400;
    /** {@code statx} counts in 512-byte units whatever the file system's block size. */
    private static final long UNIT = 512;
    private static final long STX_MASK = 0;
    private static final long STX_BLOCKS = 48;
    private static final long STATX_SIZE = 256;
    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(
            MemoryLayout.PathElement.groupElement("errno"));
    private static final Optional<MethodHandle> STATX = Linker.nativeLinker().defaultLookup().find("statx")
            .map(AllocatedBytes::statx);

    private AllocatedBytes() {
    }

    /** A handle on the C library's {@code statx}; restricted: the example runs with native access granted. */
    @SuppressWarnings("restricted")
    private static MethodHandle statx(MemorySegment address) {
        return Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS), Linker.Option.captureCallState("errno"));
    }

    /**
     * The allocated bytes of {@code path}; empty where {@code statx} is not available (not Linux, or a C library
     * older than glibc 2.28) or the file system does not report them.
     *
     * @throws IOException naming the file and the {@code errno} when {@code statx} fails
     */
    static OptionalLong of(Path path) throws IOException {
        if (STATX.isEmpty()) {
            return OptionalLong.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment captured = arena.allocate(CAPTURED);
            MemorySegment statx = arena.allocate(STATX_SIZE, 8);
            int result = (int) STATX.get().invokeExact(captured, AT_FDCWD,
                    arena.allocateFrom(path.toAbsolutePath().toString()), 0, STATX_BLOCKS, statx);
            if (result != 0) {
                throw new IOException(path + ": statx failed with errno " + (int) ERRNO.get(captured, 0L));
            }
            if ((statx.get(ValueLayout.JAVA_INT, STX_MASK) & STATX_BLOCKS) == 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(statx.get(ValueLayout.JAVA_LONG, STX_BLOCKS) * UNIT);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable unexpected) {
            throw new IllegalStateException("statx downcall failed", unexpected);
        }
    }
}
