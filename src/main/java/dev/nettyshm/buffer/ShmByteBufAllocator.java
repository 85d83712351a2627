package dev.nettyshm.buffer;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The allocator of a shared-memory channel: direct buffers come from the connection's {@link ShmPool}, in memory
 * the peer maps too, so that writing one to the channel sends only a descriptor — the bytes are written once,
 * where the peer reads them. Every {@code ShmChannel} has its own, as its default {@code ALLOCATOR}.
 *
 * <p>When no pool slot fits — the buffer is larger than {@value PoolLayout#MAX_SLOT_SIZE} bytes, the pool is
 * exhausted because the peer holds its buffers, or the channel is not connected yet — the buffer comes from the
 * fallback allocator instead and crosses by copy; {@link #fallbacks()} counts those. Allocation never blocks. Heap
 * buffers always come from the fallback.
 *
 * <p>Thread-safe: any thread may allocate, and release what it allocated.
 */
public final class ShmByteBufAllocator extends AbstractByteBufAllocator {

    /**
     * An allocator with no pool of its own. Set as a shared-memory channel's {@code ALLOCATOR}, it selects that
     * channel's own pool allocator, which is the default anyway.
     */
    public static final ShmByteBufAllocator DEFAULT = new ShmByteBufAllocator();

    private final ByteBufAllocator fallback;
    private final LongAdder pooled = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private volatile ShmPool pool;

    /** An allocator with no pool yet, falling back to {@link ByteBufAllocator#DEFAULT}. */
    public ShmByteBufAllocator() {
        this(ByteBufAllocator.DEFAULT);
    }

    /** An allocator with no pool yet, falling back to {@code fallback}. */
    public ShmByteBufAllocator(ByteBufAllocator fallback) {
        super(true);
        this.fallback = fallback;
    }

    /** Serves from {@code pool} from now on; {@code null} detaches it (the connection closed). */
    public void attach(ShmPool pool) {
        this.pool = pool;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ShmPool current = pool;
        if (current != null && ShmPool.fits(initialCapacity)) {
            ByteBuf buf = current.allocate(this, initialCapacity, maxCapacity);
            if (buf != null) {
                pooled.increment();
                return toLeakAwareBuffer(buf);
            }
        }
        fallbacks.increment();
        return fallback.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return fallback.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** Direct buffers served from the pool so far. */
    public long pooled() {
        return pooled.sum();
    }

    /** Direct buffers served by the fallback so far: too large, pool exhausted, or no pool. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    /** Where buffers come from when the pool cannot serve them; received bytes are read into its buffers too. */
    public ByteBufAllocator fallback() {
        return fallback;
    }

    static ByteBuf track(ByteBuf buf) {
        return toLeakAwareBuffer(buf);
    }
}
