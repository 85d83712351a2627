package dev.nettyshm.internal.pool;

import dev.nettyshm.internal.SharedWords;

/**
 * The memory layout of a buffer pool: the shared memory one side of a connection allocates its outgoing buffers
 * from, and the other side reads them in. A pool of size {@code P} — a power of two, at least
 * {@value #MIN_POOL_SIZE} — is a table of slot states followed by the slots of seven size classes, {@code P} bytes
 * of buffers in all:
 *
 * <pre>
 *  0                 S
 *  +-----------------+----------------+---------------+--------------+-----+-----+-----+-----+
 *  | used counts,    | 1 MiB slots    | 256 KiB slots | 64 KiB slots | 16K | 4K  | 1K  | 256 |
 *  | slot states     | (P/2 of bytes) | (P/4)         | (P/8)        | each P/32 of bytes    |
 *  +-----------------+----------------+---------------+--------------+-----+-----+-----+-----+
 *  S = statesLength(P): 64 bytes of used-slot counts (an int per class), then an int per slot; rounded up to
 *  a page
 *
 *  a slot:  +---------------+--------------------------------------+
 *           | HEADROOM (64) | buffer: the class's size             |
 *           +---------------+--------------------------------------+
 * </pre>
 *
 * The headroom takes a codec's header — a length prefix, an HTTP/2 frame header — written as a buffer of its own
 * just before the pooled payload it frames: the sender copies it there, and the two cross in one descriptor, so
 * that the peer's decoder receives the whole frame in one buffer and slices it instead of copying it together.
 *
 * <p>A slot's state counts its holds: 0 is free; the sender's allocation takes the first hold (a compare-and-set from
 * 0), each descriptor of the slot it sends adds one, and each release — the sender's buffer reaching reference
 * count 0, the receiver's buffer reaching it — gives one back. Whoever returns the last hold frees the slot; only
 * the sender allocates. The counts are atomic operations on shared memory, so either process may release from
 * any thread. Taking a free slot adds one to its class's used count and freeing it takes one away: the sender
 * reads those counts to hold its writers back before a class runs dry.
 *
 * <p>A descriptor, sent as a ring message, names the bytes of one slot:
 *
 * <pre>
 *  0                       8               12              16
 *  +-----------------------+---------------+---------------+
 *  | pool offset (long)    | length (int)  | reserved (0)  |
 *  +-----------------------+---------------+---------------+
 *  pool offset: from the start of the slots, where the bytes begin
 * </pre>
 */
public final class PoolLayout {

    /** Smallest pool: one slot of the largest class. */
    public static final int MIN_POOL_SIZE = 2 << 20;
    /** Largest pool. */
    public static final int MAX_POOL_SIZE = 1 << 30;
    /** Slot sizes, largest first, in the order of their regions. */
    static final int[] SLOT_SIZES = {1 << 20, 256 << 10, 64 << 10, 16 << 10, 4 << 10, 1 << 10, 256};
    /** The largest buffer a pool serves. */
    public static final int MAX_SLOT_SIZE = 1 << 20;
    /** Bytes in front of each slot's buffer, for the header that frames it. */
    public static final int HEADROOM = SharedWords.CACHE_LINE_LENGTH;

    /** Offset of the pool offset in a descriptor. */
    public static final int DESCRIPTOR_OFFSET_OFFSET = 0;
    /** Offset of the length in a descriptor. */
    public static final int DESCRIPTOR_LENGTH_OFFSET = 8;
    /** Length of a descriptor. */
    public static final int DESCRIPTOR_LENGTH = 16;

    /**
     * Offset of the state table, after the used-slot counts of the classes: an int each, on a cache line of their
     * own, since the allocations and releases of both sides write them.
     */
    static final int STATES_OFFSET = SharedWords.CACHE_LINE_LENGTH;
    private static final int STATE_LENGTH = Integer.BYTES;
    private static final int PAGE = 4096;

    private PoolLayout() {
    }

    /** Slots of class {@code sizeClass} in a pool of {@code poolSize}: its share of the buffer bytes. */
    static int slotsOf(int poolSize, int sizeClass) {
        int share = switch (sizeClass) {
            case 0 -> poolSize / 2;
            case 1 -> poolSize / 4;
            case 2 -> poolSize / 8;
            default -> poolSize / 32;
        };
        return share / SLOT_SIZES[sizeClass];
    }

    /** Bytes from one slot of class {@code sizeClass} to the next: headroom and buffer. */
    static int strideOf(int sizeClass) {
        return HEADROOM + SLOT_SIZES[sizeClass];
    }

    /** Bytes of class {@code sizeClass}'s region in a pool of {@code poolSize}. */
    static int regionLength(int poolSize, int sizeClass) {
        return slotsOf(poolSize, sizeClass) * strideOf(sizeClass);
    }

    /** Bytes of all the slots of a pool of {@code poolSize}. */
    static long slotsLength(int poolSize) {
        long length = 0;
        for (int c = 0; c < SLOT_SIZES.length; c++) {
            length += regionLength(poolSize, c);
        }
        return length;
    }

    /** Slots of all classes in a pool of {@code poolSize}. */
    static int slotCount(int poolSize) {
        int slots = 0;
        for (int c = 0; c < SLOT_SIZES.length; c++) {
            slots += slotsOf(poolSize, c);
        }
        return slots;
    }

    /** Bytes of the state table. */
    public static int statesLength(int poolSize) {
        return (STATES_OFFSET + slotCount(poolSize) * STATE_LENGTH + PAGE - 1) & -PAGE;
    }

    /** Bytes a pool of {@code poolSize} occupies: state table and slots. */
    public static long poolLength(int poolSize) {
        return statesLength(checkPoolSize(poolSize)) + slotsLength(poolSize);
    }

    /**
     * Checks that {@code poolSize} is a power of two between {@value #MIN_POOL_SIZE} and {@value #MAX_POOL_SIZE}.
     *
     * @throws IllegalArgumentException naming the rule it breaks
     */
    public static int checkPoolSize(int poolSize) {
        if (Integer.bitCount(poolSize) != 1 || poolSize < MIN_POOL_SIZE || poolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("pool size " + poolSize + " is not a power of two in ["
                    + MIN_POOL_SIZE + ", " + MAX_POOL_SIZE + "]");
        }
        return poolSize;
    }
}
