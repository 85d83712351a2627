package dev.nettyshm.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Accesses to mapped memory made so that a fault in them is thrown where the caller can catch it.
 *
 * <p>Touching a mapped page past the end of its file raises {@code SIGBUS}; the JVM turns that into an
 * {@link InternalError}, but delivers it <em>asynchronously</em>, at the thread's next safepoint poll with
 * asynchronous exceptions enabled — often a loop back-edge or method return frames above the access, outside any
 * {@code try} around it. A real (not inlined) call has a poll on its return, so each access here runs behind a
 * {@link MethodHandle} kept in a non-final field: the JIT cannot constant-fold it, so cannot inline the target, and
 * the error surfaces at this call site. The price is one indirect call (about 2 ns), paid once per bulk copy. See
 * {@code docs/decisions/001-truncated-mappings.md}.
 */
final class FaultBarrier {

    // Deliberately not final: a constant handle would be inlined, and the return poll with it.
    private static MethodHandle copy;
    private static MethodHandle getByte;
    private static MethodHandle setByte;

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            copy = lookup.findStatic(FaultBarrier.class, "copyTarget", MethodType.methodType(void.class,
                    MemorySegment.class, long.class, MemorySegment.class, long.class, long.class));
            getByte = lookup.findStatic(FaultBarrier.class, "getByteTarget",
                    MethodType.methodType(byte.class, MemorySegment.class, long.class));
            setByte = lookup.findStatic(FaultBarrier.class, "setByteTarget",
                    MethodType.methodType(void.class, MemorySegment.class, long.class, byte.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private FaultBarrier() {
    }

    /** {@link MemorySegment#copy(MemorySegment, long, MemorySegment, long, long)}, behind the barrier. */
    static void copy(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long length) {
        try {
            copy.invokeExact(src, srcOffset, dst, dstOffset, length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static byte getByte(MemorySegment segment, long offset) {
        try {
            return (byte) getByte.invokeExact(segment, offset);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void setByte(MemorySegment segment, long offset, byte value) {
        try {
            setByte.invokeExact(segment, offset, value);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void copyTarget(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset,
            long length) {
        MemorySegment.copy(src, srcOffset, dst, dstOffset, length);
    }

    private static byte getByteTarget(MemorySegment segment, long offset) {
        return segment.get(ValueLayout.JAVA_BYTE, offset);
    }

    private static void setByteTarget(MemorySegment segment, long offset, byte value) {
        segment.set(ValueLayout.JAVA_BYTE, offset, value);
    }
}
