package dev.nettyshm.internal.ring;

import dev.nettyshm.internal.SharedWords;
import java.lang.foreign.MemorySegment;

/**
 * What both ends of a ring share: its memory, its geometry, the accesses to its header, and this end's waiting word
 * of the wake protocol ({@link RingDescriptor}).
 */
public abstract sealed class Ring permits RingProducer, RingConsumer {

    final String name;
    final MemorySegment header;
    final MemorySegment data;
    final int capacity;
    final int mask;
    /** The offset of this end's waiting word. */
    private final long waitingOffset;
    private final MemorySegment waitingWord;

    /**
     * @param memory        exactly {@link RingDescriptor#ringLength(int)} bytes, 8-byte aligned
     * @param name          what error messages call the ring
     * @param waitingOffset where this end's waiting word lies in the header
     */
    Ring(MemorySegment memory, int capacity, String name, long waitingOffset) {
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
        this.waitingOffset = waitingOffset;
        this.waitingWord = header.asSlice(waitingOffset, Integer.BYTES);
    }

    /** This end's waiting word: the word to sleep on after asking, by {@link Wakeup#FUTEX}, to be woken. */
    public final MemorySegment waitingWord() {
        return waitingWord;
    }

    /** Withdraws this end's request to be woken: it woke for another reason, or found work before sleeping. */
    public final void cancelSleep() {
        putIntRelease(waitingOffset, RingDescriptor.NOT_WAITING);
    }

    /** The ring's capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /**
     * Takes the other side's waiting word at {@code offset}, if set, and wakes that side as the word asks: a futex
     * sleeper here; a selector sleeper by the caller. See {@link RingDescriptor}'s wake protocol.
     *
     * @return {@link Wakeup#NONE} if the other side was not asleep; {@link Wakeup#FUTEX} if it slept on futexes
     *         and is woken; {@link Wakeup#DOORBELL} if the caller must ring its doorbell
     */
    final Wakeup wakeWaiter(long offset) {
        int how = getIntVolatile(offset);
        if (how == RingDescriptor.NOT_WAITING
                || !SharedWords.compareAndSetInt(header, offset, how, RingDescriptor.NOT_WAITING)) {
            return Wakeup.NONE;
        }
        if (how == RingDescriptor.WAKE_BY_FUTEX && Futex.AVAILABLE) {
            Futex.wake(header.asSlice(offset, Integer.BYTES));
            return Wakeup.FUTEX;
        }
        // A doorbell, or a value no correct peer writes: a spare doorbell wakes nobody it should not.
        return Wakeup.DOORBELL;
    }

    /** Sets this end's waiting word to {@code how}, before the look at the other side that decides the sleep. */
    final void announceSleep(Wakeup how) {
        if (how == Wakeup.NONE) {
            throw new IllegalArgumentException(name + ": a sleep must say how it is woken");
        }
        // Volatile: the StoreLoad before the caller's look at the other side's position.
        putIntVolatile(waitingOffset, how.word);
    }

    // Accesses to the header, named for their memory ordering.

    final long getLongVolatile(long offset) {
        return SharedWords.getLongVolatile(header, offset);
    }

    final void putLongRelease(long offset, long value) {
        SharedWords.putLongRelease(header, offset, value);
    }

    final int getIntVolatile(long offset) {
        return SharedWords.getIntVolatile(header, offset);
    }

    final void putIntVolatile(long offset, int value) {
        SharedWords.putIntVolatile(header, offset, value);
    }

    final void putIntRelease(long offset, int value) {
        SharedWords.putIntRelease(header, offset, value);
    }

    /**
     * Checks the other end's position {@code value}, just read from shared memory as {@code field}: it never goes back
     * from the one seen before, {@code seen}, and with this end's own it makes a possible pair ({@code head},
     * {@code tail}): aligned, and at most a capacity apart.
     */
    final void checkOtherPosition(String field, long value, long seen, long head, long tail)
            throws RingCorruptedException {
        if (value < seen) {
            throw new RingCorruptedException(name + ": " + field + " went back from " + seen + " to " + value);
        }
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
