package dev.nettyshm.internal.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;

/**
 * A buffer over one slot of a {@link ShmPool}: on the sending side, allocated by a {@link dev.nettyshm.buffer.ShmByteBufAllocator}; on
 * the receiving side, the bytes a descriptor named. Reaching reference count 0 gives its hold on the slot back.
 * Changing its capacity moves it to ordinary direct memory (a copy) and gives the slot back at once; the receiving
 * side's buffers cannot grow at all, their capacity is what was sent.
 *
 * <p>Thread safety: as any {@link ByteBuf}; its release may happen on any thread.
 */
final class ShmByteBuf extends UnpooledDirectByteBuf {

    private final ShmPool pool;
    /** The slot this buffer holds; -1 once it no longer lies in it. */
    private int slot;

    ShmByteBuf(ByteBufAllocator alloc, ShmPool pool, int slot, ByteBuffer memory, int maxCapacity, int writerIndex) {
        // This constructor never frees the initial memory: the pool owns it.
        super(alloc, memory, maxCapacity);
        this.pool = pool;
        this.slot = slot;
        setIndex(0, writerIndex);
    }

    /** Whether the buffer still lies in its pool slot (and so can cross as a descriptor). */
    boolean inPool() {
        return slot >= 0;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        boolean moves = newCapacity != capacity();
        super.capacity(newCapacity);
        if (moves) {
            giveSlotBack();
        }
        return this;
    }

    @Override
    protected void deallocate() {
        super.deallocate();
        giveSlotBack();
    }

    private void giveSlotBack() {
        if (slot >= 0) {
            int held = slot;
            slot = -1;
            pool.release(held);
        }
    }
}
