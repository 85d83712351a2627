package dev.nettyshm.internal.ring;

import static dev.nettyshm.internal.ring.RingDescriptor.CONSUMER_WAITING_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.DATA;
import static dev.nettyshm.internal.ring.RingDescriptor.END_OF_STREAM;
import static dev.nettyshm.internal.ring.RingDescriptor.HEAD_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.MESSAGE;
import static dev.nettyshm.internal.ring.RingDescriptor.PADDING;
import static dev.nettyshm.internal.ring.RingDescriptor.PRODUCER_WAITING_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_HEADER_LENGTH;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_LENGTH_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_TYPE_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.TAIL_OFFSET;

import dev.nettyshm.internal.Backing;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * The writing end of a ring ({@link RingDescriptor}). Writes are invisible to the consumer until {@link #publish()},
 * which makes everything written since the last publication visible with one release store.
 *
 * <p>Not thread-safe: one thread writes, as the ring's name says. The consumer's position is read from shared
 * memory only when the ring looks full, and is checked before use.
 */
public final class RingProducer extends Ring {

    /** Payload below which a record at the end of the data is not worth it: pad and wrap instead. */
    private static final int MIN_SPLIT = 64;

    /** How long a window that could not be backed waits before it tries to grow again. */
    private static final long GROWTH_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private long tail;
    private long published;
    private long headCache;
    private boolean ended;
    /** Payload bytes of the record {@link #claim} opened; 0 if none is open. */
    private int claimed;
    /** The start of the data that records go into; see {@link RingDescriptor}, "Windows". */
    private int window;
    private final Backing backing;
    /** {@link System#nanoTime()} before which the window does not try to grow again, after its backing failed. */
    private long growthRetry;
    private boolean growthFailed;

    /**
     * A producer that writes into all of the ring's data, which is backed already.
     *
     * @param memory the ring's memory, zeroed or left empty by an earlier pair
     * @param name   what error messages call the ring
     */
    public RingProducer(MemorySegment memory, int capacity, String name) {
        this(memory, capacity, name, capacity, Backing.NONE);
    }

    /**
     * A producer that writes into the first {@code window} bytes of the data, and doubles that, up to the capacity,
     * each time it finds the ring full — backing the bytes it adds first, and staying as it is for a second if they
     * cannot be backed.
     *
     * @param memory  the ring's memory, zeroed or left empty by an earlier pair
     * @param window  a power of two, at most {@code capacity}: the data's first
     *                {@link RingDescriptor#backedLength backedLength(window, capacity)} bytes must be backed
     * @param backing backs bytes of the data, at offsets from its start
     * @param name    what error messages call the ring
     */
    public RingProducer(MemorySegment memory, int capacity, String name, int window, Backing backing) {
        super(memory, capacity, name, PRODUCER_WAITING_OFFSET);
        if (window > capacity || RingDescriptor.checkCapacity(window) != window) {
            throw new IllegalArgumentException(name + ": window " + window + " is larger than the capacity "
                    + capacity);
        }
        this.window = window;
        this.backing = backing;
    }

    /** The bytes at the start of the data that records go into now. */
    public int window() {
        return window;
    }

    /**
     * Writes up to {@code length} bytes of {@code src} from {@code offset} as one record: as many as fit.
     *
     * @return the number written; 0 when the ring is full
     * @throws RingCorruptedException if the consumer's position in shared memory is impossible
     * @throws IllegalStateException  after {@link #offerEndOfStream()}
     */
    public int offer(MemorySegment src, long offset, int length) throws RingCorruptedException {
        int payload = claim(length);
        if (payload > 0) {
            put(0, src, offset, payload);
            commit(payload);
        }
        return payload;
    }

    /**
     * Opens a record at the tail for up to {@code length} bytes, which {@link #put} fills from several sources and
     * {@link #commit} closes: a whole flush of small buffers gathered into one record, as {@code writev} gathers
     * them into one send. Until {@code commit}, nothing else may be written.
     *
     * @return the bytes the record can hold, at most {@code length}; 0 when the ring is full
     * @throws RingCorruptedException if the consumer's position in shared memory is impossible
     * @throws IllegalStateException  after {@link #offerEndOfStream()}
     */
    public int claim(int length) throws RingCorruptedException {
        claimed = reserve(length);
        return claimed;
    }

    /**
     * Copies {@code length} bytes of {@code src} from {@code offset} into the {@link #claim claimed} record, at
     * {@code at} bytes into its payload.
     *
     * @throws IndexOutOfBoundsException if they reach past what was claimed: they would overwrite unread records
     */
    public void put(int at, MemorySegment src, long offset, int length) {
        if (at < 0 || length < 0 || at + length > claimed) {
            throw new IndexOutOfBoundsException(name + ": " + length + " bytes at " + at + " of a record of "
                    + claimed);
        }
        MemorySegment.copy(src, offset, data, (tail & mask) + RECORD_HEADER_LENGTH + at, length);
    }

    /**
     * Closes the {@link #claim claimed} record with the first {@code payload} bytes {@link #put} wrote; with 0,
     * writes no record.
     */
    public void commit(int payload) {
        if (payload < 0 || payload > claimed) {
            throw new IndexOutOfBoundsException(name + ": committing " + payload + " bytes of a record of " + claimed);
        }
        claimed = 0;
        if (payload > 0) {
            putHeader((int) (tail & mask), payload, DATA);
            tail += RingDescriptor.recordLength(payload);
        }
    }

    /**
     * Writes up to {@code length} bytes as one record, as many as fit, and lets {@code writer} put them into the
     * record in place: for sources that are not memory, such as a file the kernel reads straight into the ring, and
     * whose reads may fail. A writer that throws leaves the record unwritten.
     *
     * @return the number written; 0 when the ring is full
     * @throws IOException           what {@code writer} threw, or {@link RingCorruptedException} if the consumer's
     *                               position in shared memory is impossible
     * @throws IllegalStateException after {@link #offerEndOfStream()}
     */
    public int offer(int length, PayloadWriter writer) throws IOException {
        int payload = claim(length);
        if (payload > 0) {
            writer.write(data.asSlice((tail & mask) + RECORD_HEADER_LENGTH, payload));
            commit(payload);
        }
        return payload;
    }

    /**
     * Makes room for a record of up to {@code length} bytes at the tail, padding to the end of the data first when too
     * little is left there.
     *
     * @return the payload the record takes; 0 when the ring is full
     */
    private int reserve(int length) throws RingCorruptedException {
        if (ended) {
            throw new IllegalStateException(name + ": end of stream already written");
        }
        if (length <= 0) {
            return 0;
        }
        int smallest = RingDescriptor.recordLength(Math.min(length, MIN_SPLIT));
        long free = wrapFor(smallest);
        if (free < 0) {
            return 0;
        }
        int toEnd = window - (int) (tail & mask);
        // Positions and lengths are multiples of the alignment, so the record is too.
        int largest = RingDescriptor.recordLength(Math.min(length, window - RECORD_HEADER_LENGTH));
        int record = (int) Math.min(Math.min(toEnd, free), largest);
        return Math.min(length, record - RECORD_HEADER_LENGTH);
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code offset} as one {@link RingDescriptor#MESSAGE} record:
     * all of them or nothing.
     *
     * @return whether it was written; {@code false} when the ring has no room for it now
     * @throws IllegalArgumentException if {@code length} is not in [1, {@value RingDescriptor#MAX_MESSAGE_LENGTH}]
     * @throws RingCorruptedException   if the consumer's position in shared memory is impossible
     * @throws IllegalStateException    after {@link #offerEndOfStream()}
     */
    public boolean offerMessage(MemorySegment src, long offset, int length) throws RingCorruptedException {
        if (ended) {
            throw new IllegalStateException(name + ": end of stream already written");
        }
        if (length <= 0 || length > RingDescriptor.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException(name + ": message length " + length + " is outside [1, "
                    + RingDescriptor.MAX_MESSAGE_LENGTH + "]");
        }
        int record = RingDescriptor.recordLength(length);
        if (wrapFor(record) < 0) {
            return false;
        }
        int index = (int) (tail & mask);
        MemorySegment.copy(src, offset, data, index + RECORD_HEADER_LENGTH, length);
        putHeader(index, length, MESSAGE);
        tail += record;
        return true;
    }

    /**
     * Whether a {@link #offerMessage message} of {@code length} bytes fits now: if so, it fits until this side writes
     * something else, since the consumer only frees space.
     *
     * @throws RingCorruptedException if the consumer's position in shared memory is impossible
     */
    public boolean fitsMessage(int length) throws RingCorruptedException {
        int record = RingDescriptor.recordLength(length);
        // A message is never split: one that does not fit before the end pads it and starts at index 0.
        return free(paddingFor(record) + record) >= 0;
    }

    /**
     * Writes the record that tells the consumer no more bytes follow.
     *
     * @return whether it was written; {@code false} when the ring is full (try again after space frees)
     */
    public boolean offerEndOfStream() throws RingCorruptedException {
        if (ended) {
            return true;
        }
        int index = (int) (tail & mask);
        if (free(RECORD_HEADER_LENGTH) < 0) {
            return false;
        }
        putHeader(index, 0, END_OF_STREAM);
        tail += RECORD_HEADER_LENGTH;
        ended = true;
        return true;
    }

    /**
     * Makes every record written since the last call visible to the consumer, and wakes the consumer if it sleeps
     * on a futex.
     *
     * @return {@link Wakeup#NONE} if the consumer is awake; {@link Wakeup#FUTEX} if it slept on futexes and is
     *         woken; {@link Wakeup#DOORBELL} if it sleeps in a selector: the caller rings its doorbell
     */
    public Wakeup publish() {
        if (published == tail) {
            return Wakeup.NONE;
        }
        published = tail;
        putLongRelease(TAIL_OFFSET, tail);
        // StoreLoad: the consumer sets its flag, then reads TAIL; we write TAIL, then read the flag.
        VarHandle.fullFence();
        return wakeWaiter(CONSUMER_WAITING_OFFSET);
    }

    /**
     * Wakes a consumer that sleeps on a futex, without publishing: this side is closing, and the consumer should look
     * at the ring and the connection once more.
     */
    public void wakeConsumer() {
        wakeWaiter(CONSUMER_WAITING_OFFSET);
    }

    /** Whether records were written and not yet published. */
    public boolean hasUnpublished() {
        return published != tail;
    }

    /**
     * Whether the consumer has read everything written, by its position now.
     *
     * @throws RingCorruptedException if that position is impossible
     */
    public boolean consumedAll() throws RingCorruptedException {
        return readHead() == tail;
    }

    /** Bytes not yet consumed, by the last consumer position seen. */
    public long pendingBytes() {
        return tail - headCache;
    }

    /**
     * Before sleeping on a full ring: asks the consumer to wake this side when it frees space.
     *
     * @param how {@link Wakeup#DOORBELL} or {@link Wakeup#FUTEX}
     * @return {@code true} to sleep; {@code false} if space freed meanwhile (the word is withdrawn)
     * @throws IllegalArgumentException if {@code how} is {@link Wakeup#NONE}
     */
    public boolean prepareToWaitForSpace(Wakeup how) throws RingCorruptedException {
        announceSleep(how);
        long seen = headCache;
        if (readHead() != seen) {
            cancelSleep();
            return false;
        }
        return true;
    }

    /**
     * Makes room at the tail for {@code record} bytes in one piece: when fewer are left before the end of the data,
     * pads them and wraps to index 0, if the ring has room for the padding and the record; otherwise writes nothing.
     *
     * @return the free bytes at the tail, after the padding; -1 if fewer than {@code record}
     */
    private long wrapFor(int record) throws RingCorruptedException {
        int padding = paddingFor(record);
        long free = free(padding + record);
        if (free < 0 || padding == 0) {
            return free;
        }
        putHeader((int) (tail & mask), padding - RECORD_HEADER_LENGTH, PADDING);
        tail += padding;
        return free - padding;
    }

    /**
     * The padding a record of {@code record} bytes needs before it: if too little of the window is left, all that is
     * left of the data, to its end.
     */
    private int paddingFor(int record) {
        int index = (int) (tail & mask);
        return window - index < record ? capacity - index : 0;
    }

    /**
     * Free bytes, reading the consumer's position only when the cached one leaves less than {@code needed}. A ring
     * found full widens its window, for the laps after this one.
     *
     * @return the free bytes, or -1 if fewer than {@code needed} are free
     */
    private long free(int needed) throws RingCorruptedException {
        long free = capacity - (tail - headCache);
        if (free < needed) {
            free = capacity - (tail - readHead());
            if (free < needed) {
                grow();
                return -1;
            }
        }
        return free;
    }

    /** Doubles the window, up to the capacity, if the bytes it adds can be backed; otherwise not for a second. */
    private void grow() {
        if (window == capacity || growthFailed && System.nanoTime() - growthRetry < 0) {
            return;
        }
        int wider = window * 2;
        long from = RingDescriptor.backedLength(window, capacity);
        try {
            backing.reserve(from, RingDescriptor.backedLength(wider, capacity) - from);
            window = wider;
            growthFailed = false;
        } catch (IOException noRoom) {
            // Only speed is lost: the ring goes on in the window it has.
            growthFailed = true;
            growthRetry = System.nanoTime() + GROWTH_RETRY_NANOS;
        }
    }

    /** Reads and checks the consumer's position, and caches it. */
    private long readHead() throws RingCorruptedException {
        long head = getLongVolatile(HEAD_OFFSET);
        checkOtherPosition("consumer position", head, headCache, head, tail);
        headCache = head;
        return head;
    }

    private void putHeader(int index, int length, int type) {
        data.set(ValueLayout.JAVA_INT, index + RECORD_LENGTH_OFFSET, length);
        data.set(ValueLayout.JAVA_INT, index + RECORD_TYPE_OFFSET, type);
    }
}
