package dev.nettyshm.internal.pool;

import dev.nettyshm.internal.Backing;
import dev.nettyshm.internal.SharedWords;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction's buffer pool of a connection, laid out as {@link PoolLayout} says: the sending side allocates
 * from it and sends descriptors; the receiving side checks each descriptor and reads the bytes where they are.
 * Used by the transport; an application sees only the {@link dev.nettyshm.buffer.ShmByteBufAllocator} and the buffers.
 *
 * <p>Thread-safe: allocation and release are atomic operations on the state table.
 */
public final class ShmPool {

    private static final System.Logger LOG = System.getLogger(ShmPool.class.getName());
    /** After backing a slot failed, allocation tries new slots no sooner than this: the directory is full. */
    private static final long BACKING_RETRY_NANOS = 1_000_000_000L;
    private static final long WARNING_INTERVAL_NANOS = 60_000_000_000L;
    /** When a pool of this process last warned that it cannot grow. */
    private static final AtomicLong LAST_WARNING = new AtomicLong(System.nanoTime() - WARNING_INTERVAL_NANOS);

    private final String name;
    private final int poolSize;
    /** Bytes of all slots, headroom included: where pool offsets end. */
    private final long slotsLength;
    private final MemorySegment used;
    private final MemorySegment states;
    private final MemorySegment slots;
    private final int statesLength;
    private final long slotsAddress;
    private final MappingLease lease;
    private final Backing backing;
    /** Slots this side has backed with storage: only the sender allocates, so only it backs its slots. */
    private final AtomicIntegerArray backed;
    /** When backing a slot last failed, for {@link #BACKING_RETRY_NANOS}; 0 if it never did. */
    private volatile long backingFailedAt;
    private final int[] regionStart = new int[PoolLayout.SLOT_SIZES.length];
    private final int[] firstSlot = new int[PoolLayout.SLOT_SIZES.length + 1];
    /** What a peer did to the state table that a correct peer never does; {@code null} while nothing. */
    private volatile String corruption;

    /**
     * @param memory   exactly {@link PoolLayout#poolLength(int)} bytes, zeroed by its creator
     * @param poolSize the pool's size; see {@link PoolLayout}
     * @param name     what error messages call the pool
     * @param lease    the mapping's lease: each buffer over the pool holds it
     * @param backing  how this side backs a slot with storage before it first hands it out
     */
    public ShmPool(MemorySegment memory, int poolSize, String name, MappingLease lease, Backing backing) {
        if (memory.byteSize() != PoolLayout.poolLength(poolSize)) {
            throw new IllegalArgumentException(name + ": pool memory is " + memory.byteSize() + " bytes, a pool of "
                    + poolSize + " needs " + PoolLayout.poolLength(poolSize));
        }
        this.name = name;
        this.poolSize = poolSize;
        this.statesLength = PoolLayout.statesLength(poolSize);
        this.used = memory.asSlice(0, PoolLayout.STATES_OFFSET);
        this.states = memory.asSlice(PoolLayout.STATES_OFFSET, statesLength - PoolLayout.STATES_OFFSET);
        this.slotsLength = PoolLayout.slotsLength(poolSize);
        this.slots = memory.asSlice(statesLength, slotsLength);
        this.slotsAddress = slots.address();
        this.lease = lease;
        this.backing = backing;
        this.backed = new AtomicIntegerArray(PoolLayout.slotCount(poolSize));
        int start = 0;
        for (int c = 0; c < PoolLayout.SLOT_SIZES.length; c++) {
            regionStart[c] = start;
            int length = PoolLayout.regionLength(poolSize, c);
            firstSlot[c + 1] = firstSlot[c] + PoolLayout.slotsOf(poolSize, c);
            start += length;
        }
    }

    /**
     * A buffer of {@code initialCapacity} in a free slot of the smallest class that holds it (or of the class above,
     * if that one is full), or {@code null} if there is none, the connection has closed, or the slot could not be
     * backed with storage: the caller falls back to ordinary memory.
     */
    ByteBuf allocate(ByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        int sizeClass = classFor(initialCapacity);
        for (int c = sizeClass; c >= 0 && c >= sizeClass - 1; c--) {
            int slot = take(c);
            if (slot >= 0) {
                return new ShmByteBuf(alloc, this, slot, view(bufferStart(slot), initialCapacity), maxCapacity, 0);
            }
        }
        return null;
    }

    /** Whether {@code slot}, just taken, has storage behind it: backed before, or now. */
    private boolean back(int slot) {
        if (backed.get(slot) != 0) {
            return true;
        }
        long failedAt = backingFailedAt;
        if (failedAt != 0 && System.nanoTime() - failedAt < BACKING_RETRY_NANOS) {
            return false;
        }
        try {
            backing.reserve(statesLength + slotStart(slot), slotLength(slot));
            backed.set(slot, 1);
            return true;
        } catch (IOException e) {
            long now = System.nanoTime();
            long warned = LAST_WARNING.get();
            // A full directory fails every pool of the process at once: one warning a minute says it.
            boolean warn = now - warned >= WARNING_INTERVAL_NANOS && LAST_WARNING.compareAndSet(warned, now);
            LOG.log(warn ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG, name + ": the pool cannot"
                    + " grow, its buffers fall back to copies until space is freed: " + e.getMessage());
            backingFailedAt = now | 1;
            return false;
        }
    }

    /**
     * A buffer in a free slot of the largest class that has one, from the class that holds {@code max} bytes (at most
     * {@value PoolLayout#MAX_SLOT_SIZE}) down to the one that holds {@code min}: as much as the pool takes in one slot
     * now, for a sender that fills the slot itself and sends its descriptor. Its capacity is its slot's size or
     * {@code max}, the smaller, and cannot grow; its allocator is {@code alloc}, and it is not tracked for leaks.
     *
     * @return the buffer, or {@code null} if no slot of those classes is free
     */
    public ByteBuf allocateUpTo(ByteBufAllocator alloc, int max, int min) {
        for (int c = classFor(Math.min(max, PoolLayout.MAX_SLOT_SIZE)); c <= classFor(min); c++) {
            int slot = take(c);
            if (slot >= 0) {
                int capacity = Math.min(PoolLayout.SLOT_SIZES[c], max);
                return new ShmByteBuf(alloc, this, slot, view(bufferStart(slot), capacity), capacity, 0);
            }
        }
        return null;
    }

    /**
     * Takes a free slot of class {@code c} that has storage behind it, counting it as used, and a hold on the mapping
     * for its buffer.
     *
     * @return the slot, or -1 if the class has none free, the connection has closed, or the slot could not be backed
     */
    private int take(int c) {
        // The hold first: the connection may close on its loop while another thread allocates, and the state table
        // must still be mapped when this thread touches it.
        if (!lease.tryRetain()) {
            return -1;
        }
        for (int slot = firstSlot[c]; slot < firstSlot[c + 1]; slot++) {
            long state = (long) slot * Integer.BYTES;
            // Acquire: a slot the receiver freed is read only after its release of the bytes.
            if (SharedWords.getIntAcquire(states, state) == 0 && SharedWords.compareAndSetInt(states, state, 0, 1)) {
                if (!back(slot)) {
                    // Release: nothing of the slot was written.
                    SharedWords.putIntRelease(states, state, 0);
                    break;
                }
                addInt(used, (long) c * Integer.BYTES, 1);
                return slot;
            }
        }
        lease.release();
        return -1;
    }

    /**
     * Where {@code part} begins in this pool, if all of it lies in one of its slots: what a descriptor carries.
     *
     * @return the pool offset, or -1 if {@code part} is not memory of this pool
     */
    public long offsetOf(ByteBuffer part) {
        return part.isDirect() ? offsetOf(MemorySegment.ofBuffer(part).address(), part.remaining()) : -1;
    }

    /**
     * Where the {@code length} bytes at native {@code address} begin in this pool, if all of them lie in one of its
     * slots.
     *
     * @return the pool offset, or -1 if they are not memory of this pool
     */
    public long offsetOf(long address, int length) {
        long offset = address - slotsAddress;
        if (offset < 0 || offset + length > slotsLength) {
            return -1;
        }
        int slot = slotOf(offset);
        return offset + length <= slotStart(slot) + slotLength(slot) ? offset : -1;
    }

    /**
     * Copies the {@code length} bytes of {@code header} in front of the bytes at {@code poolOffset}, into the same slot's
     * headroom, if the bytes begin where the slot's buffer does. Never over bytes of the buffer
     * itself: earlier bytes of it may be in flight to the peer, in descriptors of other slices of the same slot.
     *
     * @return the pool offset where the header now begins, or -1 if the headroom in front has too little room
     */
    public long prepend(long poolOffset, MemorySegment header, long headerOffset, int length) {
        long start = poolOffset - length;
        long slotStart = slotStart(slotOf(poolOffset));
        if (start < slotStart || poolOffset > slotStart + PoolLayout.HEADROOM) {
            return -1;
        }
        MemorySegment.copy(header, headerOffset, slots, start, length);
        return start;
    }

    /** Takes a hold on the slot at {@code offset} for a descriptor about to be sent. */
    public void retainForDescriptor(long offset) {
        addInt(states, (long) slotOf(offset) * Integer.BYTES, 1);
    }

    /**
     * The buffer a received descriptor names, over the pool's memory; releasing it gives the slot's hold back.
     *
     * @throws PoolCorruptedException if the descriptor names bytes outside the pool or a slot not in flight
     */
    public ByteBuf receive(ByteBufAllocator alloc, long offset, int length) throws PoolCorruptedException {
        if (offset < 0 || length <= 0 || offset >= slotsLength || offset + length > slotsLength) {
            throw new PoolCorruptedException(name + ": descriptor of " + length + " bytes at offset " + offset
                    + " is outside the pool's " + slotsLength + " bytes of slots");
        }
        int slot = slotOf(offset);
        if (offset + length > slotStart(slot) + slotLength(slot)) {
            throw new PoolCorruptedException(name + ": descriptor of " + length + " bytes at offset " + offset
                    + " reaches past its slot " + slot);
        }
        int state = SharedWords.getIntAcquire(states, (long) slot * Integer.BYTES);
        if (state <= 0) {
            throw new PoolCorruptedException(name + ": descriptor names slot " + slot + ", which is not in flight"
                    + " (state " + state + ")");
        }
        lease.retain();
        return PoolAllocator.track(new ShmByteBuf(alloc, this, slot, view(offset, length), length, length));
    }

    /** Gives back one hold of {@code slot}, and {@code buffer}'s hold on the mapping. */
    void release(int slot) {
        try {
            long state = (long) slot * Integer.BYTES;
            // Release: our reads and writes of the slot happen before the next owner sees it free.
            int before = SharedWords.getAndAddIntRelease(states, state, -1);
            if (before == 1) {
                addInt(used, (long) classOf(slot) * Integer.BYTES, -1);
            } else if (before <= 0) {
                addInt(states, state, 1);
                corruption = name + ": slot " + slot + " was released with " + before + " holds; the peer released"
                        + " a buffer it did not hold";
            }
        } finally {
            lease.release();
        }
    }

    /**
     * What a peer did to the pool that a correct peer never does, or {@code null}. The transport closes the
     * connection when it sees one.
     */
    public String corruption() {
        return corruption;
    }

    /**
     * Whether some class has more than three quarters of its slots in use: its writers should wait before the class
     * runs dry and buffers fall back to copies. Reads the used counts, one word per class.
     */
    public boolean crowded() {
        return inUseBeyond(3, 4);
    }

    /** Whether some class has more than half its slots in use: a crowded pool is relieved at or below it. */
    public boolean busy() {
        return inUseBeyond(1, 2);
    }

    private boolean inUseBeyond(int numerator, int denominator) {
        for (int c = 0; c < PoolLayout.SLOT_SIZES.length; c++) {
            int inUse = SharedWords.getIntAcquire(used, (long) c * Integer.BYTES);
            if (inUse * denominator > (firstSlot[c + 1] - firstSlot[c]) * numerator) {
                return true;
            }
        }
        return false;
    }

    /** Free slots now, for tests and counters. */
    public int freeSlots() {
        int free = 0;
        for (int slot = 0; slot < firstSlot[PoolLayout.SLOT_SIZES.length]; slot++) {
            if (SharedWords.getIntAcquire(states, (long) slot * Integer.BYTES) == 0) {
                free++;
            }
        }
        return free;
    }

    private static int classFor(int capacity) {
        int c = PoolLayout.SLOT_SIZES.length - 1;
        while (PoolLayout.SLOT_SIZES[c] < capacity) {
            c--;
        }
        return c;
    }

    private int slotOf(long offset) {
        int c = 0;
        while (c < PoolLayout.SLOT_SIZES.length - 1 && offset >= regionStart[c + 1]) {
            c++;
        }
        return firstSlot[c] + (int) ((offset - regionStart[c]) / PoolLayout.strideOf(c));
    }

    private int classOf(int slot) {
        int c = 0;
        while (slot >= firstSlot[c + 1]) {
            c++;
        }
        return c;
    }

    private long slotStart(int slot) {
        int c = classOf(slot);
        return regionStart[c] + (long) (slot - firstSlot[c]) * PoolLayout.strideOf(c);
    }

    /** Bytes of {@code slot}, headroom and buffer. */
    private int slotLength(int slot) {
        return PoolLayout.strideOf(classOf(slot));
    }

    /** Where the buffer of {@code slot} begins: after its headroom. */
    private long bufferStart(int slot) {
        return slotStart(slot) + PoolLayout.HEADROOM;
    }

    private ByteBuffer view(long offset, int length) {
        return slots.asSlice(offset, length).asByteBuffer();
    }

    @Override
    public String toString() {
        return "ShmPool[" + name + ", " + poolSize + " bytes]";
    }

    /** Adds {@code delta} to the int at {@code offset} of {@code words}, atomically. */
    private static void addInt(MemorySegment words, long offset, int delta) {
        SharedWords.getAndAddInt(words, offset, delta);
    }
}
