package dev.nettyshm.internal.ring;

import dev.nettyshm.internal.SharedWords;

/**
 * The memory layout of a single-producer/single-consumer byte ring. A ring is a header of three padded words
 * followed by its data, {@code capacity} bytes, a power of two:
 *
 * <pre>
 *  0                   128                 256                    384
 *  +-------------------+-------------------+----------------------+------------------------------+
 *  | TAIL (long)       | HEAD (long)       | CONSUMER_WAITING int | data: capacity bytes, records |
 *  | producer writes   | consumer writes   | PRODUCER_WAITING int |                              |
 *  +-------------------+-------------------+----------------------+------------------------------+
 * </pre>
 *
 * TAIL and HEAD are byte positions that only grow; {@code position & (capacity - 1)} is the index in the data.
 * Each sits alone on {@link #PADDED_LENGTH} bytes — two cache lines, because adjacent-line prefetch pairs them — so
 * the two sides never write the same line on the data path.
 *
 * <h2>The wake protocol</h2>
 * The waiting words are touched only around sleeps. Each holds a {@link Wakeup}'s value: {@link #NOT_WAITING}, or
 * how its side sleeps — {@link #WAKE_BY_DOORBELL} in a selector, {@link #WAKE_BY_FUTEX} on futexes, this word
 * among them.
 *
 * <pre>
 *  word              set to DOORBELL or FUTEX by          taken back to NOT_WAITING by
 *  ----------------  -----------------------------------  ----------------------------------------------------
 *  CONSUMER_WAITING  the consumer, about to sleep on an   the producer, whose publish() takes it (compare-and-
 *                    empty ring: RingConsumer             set) and wakes the consumer as it says; or the
 *                    .prepareToSleep                      consumer, withdrawing: data came, or it woke anyway
 *  PRODUCER_WAITING  the producer, about to sleep on a    the consumer, whose takeProducerWakeup() after a
 *                    full ring: RingProducer              read takes it and wakes the producer; or the
 *                    .prepareToWaitForSpace               producer, withdrawing
 * </pre>
 *
 * A sleeper stores its word, then reads the other side's position; the other side stores its position, then reads
 * the word. Each store is ordered before the load after it (StoreLoad: a volatile store, or a full fence), so at
 * least one of them sees the other's store: the sleeper finds the data (or space) and does not sleep, or the other side finds the word and wakes it.
 * Taking the word by compare-and-set makes each sleep cost one wake-up at most. A futex wake the ring makes itself;
 * a doorbell — a byte on the connection's socket — its caller rings. The event loop's own sleeping word, private to
 * its process, holds the same values and is taken the same way by {@code ShmIoHandler.wakeup()}.
 *
 * <h2>Records</h2>
 * The data holds records, each 8-byte aligned:
 *
 * <pre>
 *  0               4               8
 *  +---------------+---------------+----------------------------+---------+
 *  | length (int)  | type (int)    | payload: length bytes      | padding |
 *  +---------------+---------------+----------------------------+---------+
 *  |&lt;------------------- align(8 + length, 8) --------------------------&gt;|
 * </pre>
 *
 * A {@link #PADDING} record fills the space before the end of the data when the next record does not fit there;
 * {@link #END_OF_STREAM} says the producer will write no more. A {@link #MESSAGE} record is not part of the byte
 * stream: it is handed to the layer above whole, in its place between the stream's bytes (the transport sends
 * descriptors of shared buffers in them).
 *
 * <h2>Windows</h2>
 * A producer may write its records into the first bytes of the data only — its window — and pad from wherever a
 * record would cross the window's end to the end of the data:
 *
 * <pre>
 *  0                                    window                                               capacity
 *  +------------------------------------+-+---------------------------------------------------+
 *  | records                            |P| padding payload: never written, nor read          |
 *  +------------------------------------+-+---------------------------------------------------+
 *                                        P: the padding's header, on the bytes just past the window
 * </pre>
 *
 * The consumer follows records and never knows the window. The data's pages outside the window and past that header
 * are never touched: the memory under a sparse file needs storage for {@link #backedLength} bytes only. A producer
 * that finds the ring full doubles its window, up to the capacity, after backing the bytes it adds.
 */
public final class RingDescriptor {

    /** Room of a word written by one side only: two cache lines, which adjacent-line prefetch fetches as a pair. */
    public static final int PADDED_LENGTH = 2 * SharedWords.CACHE_LINE_LENGTH;

    /** Offset of the producer's position. */
    public static final int TAIL_OFFSET = 0;
    /** Offset of the consumer's position, on the padded room after the producer's. */
    public static final int HEAD_OFFSET = TAIL_OFFSET + PADDED_LENGTH;
    /** Offset of the consumer's "asleep until data arrives" word. */
    public static final int CONSUMER_WAITING_OFFSET = HEAD_OFFSET + PADDED_LENGTH;
    /** Offset of the producer's "asleep until space frees" word, on the same line: both change only around sleeps. */
    public static final int PRODUCER_WAITING_OFFSET = CONSUMER_WAITING_OFFSET + Long.BYTES;
    /** Length of the header; the data starts here. */
    public static final int HEADER_LENGTH = CONSUMER_WAITING_OFFSET + PADDED_LENGTH;

    /** Waiting word: the side is awake; nobody is to be woken. */
    public static final int NOT_WAITING = 0;
    /** Waiting word: the side sleeps in a selector; write a byte to its socket. */
    public static final int WAKE_BY_DOORBELL = 1;
    /** Waiting word: the side sleeps on futexes, the word among them; wake it with {@link Futex#wake}. */
    public static final int WAKE_BY_FUTEX = 2;

    /** Offset of a record's payload length within the record. */
    public static final int RECORD_LENGTH_OFFSET = 0;
    /** Offset of a record's type within the record. */
    public static final int RECORD_TYPE_OFFSET = 4;
    /** Length of a record header; records are aligned to it. */
    public static final int RECORD_HEADER_LENGTH = 8;
    /** Alignment of records. */
    public static final int RECORD_ALIGNMENT = 8;

    /** Record type: bytes of the stream. */
    public static final int DATA = 1;
    /** Record type: filler up to the end of the data; the next record starts at index 0. */
    public static final int PADDING = 2;
    /** Record type: the producer shut its output; nothing follows. */
    public static final int END_OF_STREAM = 3;
    /** Record type: a message for the layer above, delivered whole and never as stream bytes. */
    public static final int MESSAGE = 4;
    /** Largest payload of a {@link #MESSAGE} record. */
    public static final int MAX_MESSAGE_LENGTH = 256;

    /** Smallest capacity: a page. */
    public static final int MIN_CAPACITY = 4096;
    /** Largest capacity: 1 GiB, so that positions and lengths stay far from overflow. */
    public static final int MAX_CAPACITY = 1 << 30;

    private RingDescriptor() {
    }

    /** Bytes a ring of {@code capacity} occupies: header and data. */
    public static long ringLength(int capacity) {
        return HEADER_LENGTH + (long) checkCapacity(capacity);
    }

    /**
     * Bytes at the start of the data that a producer writing into a window of {@code window} bytes touches: the
     * window, and the header of a padding or end-of-stream record just past it.
     */
    public static long backedLength(int window, int capacity) {
        return Math.min(capacity, (long) window + RECORD_HEADER_LENGTH);
    }

    /** The space a record with {@code payload} bytes occupies. */
    public static int recordLength(int payload) {
        return align(RECORD_HEADER_LENGTH + payload);
    }

    /**
     * Checks that {@code capacity} is a power of two between {@value #MIN_CAPACITY} and {@value #MAX_CAPACITY}.
     *
     * @throws IllegalArgumentException naming the rule it breaks
     */
    public static int checkCapacity(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity " + capacity + " is not a power of two");
        }
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("ring capacity " + capacity + " is outside [" + MIN_CAPACITY + ", "
                    + MAX_CAPACITY + "]");
        }
        return capacity;
    }

    static int align(int length) {
        return (length + RECORD_ALIGNMENT - 1) & -RECORD_ALIGNMENT;
    }
}
