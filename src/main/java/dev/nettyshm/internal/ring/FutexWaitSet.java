package dev.nettyshm.internal.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The words one thread sleeps on together, with the value each must still hold for the sleep to begin: the
 * argument of {@code futex_waitv}. Each entry is the kernel's {@code struct futex_waitv}:
 *
 * <pre>
 *  0                   8                   16              20              24
 *  +-------------------+-------------------+---------------+---------------+
 *  | expected value    | word address      | flags         | reserved (0)  |
 *  +-------------------+-------------------+---------------+---------------+
 * </pre>
 *
 * followed, after the last entry, by the deadline as a {@code struct timespec} on the monotonic clock, which is
 * {@link System#nanoTime()}'s on Linux.
 *
 * <p>Not thread-safe: one thread fills it and sleeps on it. Needs {@link Futex#AVAILABLE}.
 */
public final class FutexWaitSet {

    /** The most words the kernel waits on at once. */
    public static final int MAX_WORDS = 128;

    static final int WAITER_LENGTH = 24;
    private static final int VALUE_OFFSET = 0;
    private static final int ADDRESS_OFFSET = 8;
    private static final int FLAGS_OFFSET = 16;
    private static final int TIMESPEC_LENGTH = 16;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    // Freed by the collector once the set is unreachable.
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment waiters = arena.allocate((long) MAX_WORDS * WAITER_LENGTH, 8);
    private final MemorySegment deadline = arena.allocate(TIMESPEC_LENGTH, 8);
    private int count;

    /** An empty set. */
    public FutexWaitSet() {
        if (!Futex.AVAILABLE) {
            throw new IllegalStateException("futexes are not available here");
        }
    }

    /** Empties the set. */
    public void clear() {
        count = 0;
    }

    /**
     * Adds {@code word}, four bytes of a shared mapping, that the sleep waits on while it holds {@code expected}.
     *
     * @throws IllegalStateException if the set holds {@value #MAX_WORDS} words already
     */
    public void add(MemorySegment word, int expected) {
        add(word, expected, 0);
    }

    /**
     * Adds a word of this process alone, that {@link Futex#wakePrivate} wakes.
     *
     * @throws IllegalStateException if the set holds {@value #MAX_WORDS} words already
     */
    public void addPrivate(MemorySegment word, int expected) {
        add(word, expected, Futex.FUTEX_PRIVATE_FLAG);
    }

    private void add(MemorySegment word, int expected, int flags) {
        if (count == MAX_WORDS) {
            throw new IllegalStateException("a futex wait set holds at most " + MAX_WORDS + " words");
        }
        putWaiter(waiters, count++, word, expected, flags);
    }

    /**
     * Sleeps until a word of the set is woken, a word no longer holds its expected value, {@code timeoutNanos}
     * pass or a signal arrives — the caller looks at its words again in any case.
     */
    public void await(long timeoutNanos) {
        if (count == 0) {
            throw new IllegalStateException("nothing to wait on");
        }
        long at = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        deadline.set(ValueLayout.JAVA_LONG, 0, at / NANOS_PER_SECOND);
        deadline.set(ValueLayout.JAVA_LONG, 8, at % NANOS_PER_SECOND);
        // The result does not matter: woken, EAGAIN (a word changed first), ETIMEDOUT and EINTR all mean "look".
        Futex.waitv(waiters, count, deadline);
    }

    static void putWaiter(MemorySegment waiters, int index, MemorySegment word, int expected, int flags) {
        long at = (long) index * WAITER_LENGTH;
        waiters.set(ValueLayout.JAVA_LONG, at + VALUE_OFFSET, expected & 0xFFFF_FFFFL);
        waiters.set(ValueLayout.JAVA_LONG, at + ADDRESS_OFFSET, word.address());
        waiters.set(ValueLayout.JAVA_INT, at + FLAGS_OFFSET, Futex.FUTEX2_SIZE_U32 | flags);
        waiters.set(ValueLayout.JAVA_INT, at + FLAGS_OFFSET + 4, 0);
    }
}
