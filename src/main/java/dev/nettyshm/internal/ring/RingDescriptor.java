package dev.nettyshm.internal.ring;

/**
 * The memory layout of a single-producer/single-consumer byte ring. A ring is a header of three cache-line pairs
 * followed by its data, {@code capacity} bytes, a power of two:
 *
 * <pre>
 *  0                   128                 256                 384
 *  +-------------------+-------------------+----------------------+------------------------------+
 *  | TAIL (long)       | HEAD (long)       | CONSUMER_WAITING int | data: capacity bytes, records |
 *  | producer writes   | consumer writes   | PRODUCER_WAITING int |                              |
 *  +-------------------+-------------------+----------------------+------------------------------+
 * </pre>
 *
 * TAIL and HEAD are byte positions that only grow; {@code position & (capacity - 1)} is the index in the data.
 * Each sits alone on 128 bytes — two cache lines, because adjacent-line prefetch pairs them — so the two sides
 * never write the same line on the data path. The waiting flags are touched only around sleeps: a consumer about
 * to sleep on an empty ring sets CONSUMER_WAITING to how it wants to be woken, and the producer's next publication
 * clears it and wakes the consumer that way — a byte on the connection's socket for {@link #WAKE_BY_DOORBELL}, a
 * {@link Futex} wake of the flag's own word for {@link #WAKE_BY_FUTEX}; PRODUCER_WAITING does the same for a
 * producer waiting for space.
 *
 * <p>The data holds records, each 8-byte aligned:
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
 */
public final class RingDescriptor {

    /** Offset of the producer's position. */
    public static final int TAIL_OFFSET = 0;
    /** Offset of the consumer's position, 128 bytes after the producer's. */
    public static final int HEAD_OFFSET = 128;
    /** Offset of the consumer's "asleep until data arrives" flag. */
    public static final int CONSUMER_WAITING_OFFSET = 256;
    /** Offset of the producer's "asleep until space frees" flag. */
    public static final int PRODUCER_WAITING_OFFSET = 264;
    /** Waiting flag: the side sleeps in a selector; write a byte to its socket. */
    public static final int WAKE_BY_DOORBELL = 1;
    /** Waiting flag: the side sleeps on the flag's word; wake it with {@link Futex#wake}. */
    public static final int WAKE_BY_FUTEX = 2;

    /** Length of the header; the data starts here. */
    public static final int HEADER_LENGTH = 384;

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
