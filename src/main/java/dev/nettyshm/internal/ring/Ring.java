package dev.nettyshm.internal.ring;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** What both ends of a ring share: its memory, its geometry and the handles that access it. */
abstract sealed class Ring permits RingProducer, RingConsumer {

    // Exact: an int offset would make each access adapt its arguments, which C2 compiled as calls on the data path.
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

    final String name;
    final MemorySegment header;
    final MemorySegment data;
    final int capacity;
    final int mask;

    /**
     * @param memory exactly {@link RingDescriptor#ringLength(int)} bytes, 8-byte aligned
     * @param name   what error messages call the ring
     */
    Ring(MemorySegment memory, int capacity, String name) {
        RingDescriptor.checkCapacity(capacity);
        if (memory.byteSize() != RingDescriptor.ringLength(capacity)) {
            throw new IllegalArgumentException(name + ": ring memory is " + memory.byteSize() + " bytes, a ring of "
                    + capacity + " needs " + RingDescriptor.ringLength(capacity));
        }
        if (memory.address() % Long.BYTES != 0) {
            throw new IllegalArgumentException(name + ": ring memory is not 8-byte aligned");
        }
        this.name = name;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.header = memory.asSlice(0, RingDescriptor.HEADER_LENGTH);
        this.data = memory.asSlice(RingDescriptor.HEADER_LENGTH, capacity);
    }

    /** The ring's capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /**
     * Takes the waiting flag at {@code offset} of the other side, if set, and wakes that side as the flag asks: a
     * futex sleeper here; a selector sleeper by the caller.
     *
     * @return 0 if the other side was not asleep; {@link RingDescriptor#WAKE_BY_FUTEX} if it slept on its futex and
     *         is woken; {@link RingDescriptor#WAKE_BY_DOORBELL} if the caller must ring its doorbell
     */
    final int wakeWaiter(long offset) {
        int how = getIntVolatile(offset);
        if (how == 0 || !INT.compareAndSet(header, offset, how, 0)) {
            return 0;
        }
        if (how == RingDescriptor.WAKE_BY_FUTEX && Futex.AVAILABLE) {
            Futex.wake(header.asSlice(offset, Integer.BYTES));
            return RingDescriptor.WAKE_BY_FUTEX;
        }
        // A doorbell, or a value no correct peer writes: a spare doorbell wakes nobody it should not.
        return RingDescriptor.WAKE_BY_DOORBELL;
    }

    // Accesses to the header, named for their memory ordering.

    final long getLongVolatile(long offset) {
        return (long) LONG.getVolatile(header, offset);
    }

    final void putLongRelease(long offset, long value) {
        LONG.setRelease(header, offset, value);
    }

    final int getIntVolatile(long offset) {
        return (int) INT.getVolatile(header, offset);
    }

    final void putIntVolatile(long offset, int value) {
        INT.setVolatile(header, offset, value);
    }

    final void putIntRelease(long offset, int value) {
        INT.setRelease(header, offset, value);
    }

    static int checkWake(int how) {
        if (how != RingDescriptor.WAKE_BY_DOORBELL && how != RingDescriptor.WAKE_BY_FUTEX) {
            throw new IllegalArgumentException("no such way to wake: " + how);
        }
        return how;
    }

    /** Checks a position pair read from shared memory; the one that was read is {@code field}. */
    final void checkPositions(long head, long tail, String field, long value) throws RingCorruptedException {
        long used = tail - head;
        if (used < 0 || used > capacity || (value & (RingDescriptor.RECORD_ALIGNMENT - 1)) != 0) {
            throw new RingCorruptedException(name + ": " + field + " " + value + " is impossible (head " + head
                    + ", tail " + tail + ", capacity " + capacity + ")");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", capacity " + capacity + "]";
    }
}
