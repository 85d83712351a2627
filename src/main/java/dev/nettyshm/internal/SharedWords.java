package dev.nettyshm.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Atomic accesses to the {@code int} and {@code long} words of memory segments — shared memory, most of them, that
 * another process reads and writes at the same time. Each method is named for its memory ordering, so that the
 * ordering a protocol relies on shows where the word is touched.
 *
 * <p>Thread-safe: stateless.
 */
public final class SharedWords {

    /**
     * The cache line the shared layouts are padded to: 64 bytes on x86-64 and on most arm64 cores. A word one side
     * writes on the data path gets a line of its own — two, where adjacent-line prefetch pairs them — so that the
     * other side's writes do not steal it.
     */
    public static final int CACHE_LINE_LENGTH = 64;

    // Exact: an int offset would make each access adapt its arguments, which C2 compiled as calls on the data path.
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();

    private SharedWords() {
    }

    public static int getIntVolatile(MemorySegment memory, long offset) {
        return (int) INT.getVolatile(memory, offset);
    }

    public static int getIntAcquire(MemorySegment memory, long offset) {
        return (int) INT.getAcquire(memory, offset);
    }

    public static void putIntVolatile(MemorySegment memory, long offset, int value) {
        INT.setVolatile(memory, offset, value);
    }

    public static void putIntRelease(MemorySegment memory, long offset, int value) {
        INT.setRelease(memory, offset, value);
    }

    public static boolean compareAndSetInt(MemorySegment memory, long offset, int expected, int value) {
        return (boolean) INT.compareAndSet(memory, offset, expected, value);
    }

    /** Adds {@code delta}, volatile; returns the value before. */
    public static int getAndAddInt(MemorySegment memory, long offset, int delta) {
        return (int) INT.getAndAdd(memory, offset, delta);
    }

    /** Adds {@code delta} with release semantics; returns the value before. */
    public static int getAndAddIntRelease(MemorySegment memory, long offset, int delta) {
        return (int) INT.getAndAddRelease(memory, offset, delta);
    }

    public static long getLongVolatile(MemorySegment memory, long offset) {
        return (long) LONG.getVolatile(memory, offset);
    }

    public static void putLongRelease(MemorySegment memory, long offset, long value) {
        LONG.setRelease(memory, offset, value);
    }
}
