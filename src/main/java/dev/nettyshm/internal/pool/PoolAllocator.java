package dev.nettyshm.internal.pool;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link ShmByteBufAllocator} of one channel: serves direct buffers of at least the threshold from the pool it
 * is attached to, and everything else from its fallback. The channel attaches its connection's outgoing pool when
 * it connects, and detaches it when it closes.
 *
 * <p>Thread-safe: any thread may allocate; the attached pool is read once per allocation.
 */
public final class PoolAllocator extends AbstractByteBufAllocator implements ShmByteBufAllocator {

    private final ByteBufAllocator fallback;
    private final LongAdder pooled = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private volatile ShmPool pool;
    private volatile int threshold = DEFAULT_THRESHOLD;

    /** An allocator with no pool yet, falling back to {@link ByteBufAllocator#DEFAULT}. */
    public PoolAllocator() {
        this(ByteBufAllocator.DEFAULT);
    }

    /** An allocator with no pool yet, falling back to {@code fallback}. */
    public PoolAllocator(ByteBufAllocator fallback) {
        super(true);
        this.fallback = fallback;
    }

    /** The allocator behind {@link ShmByteBufAllocator#DEFAULT}: never attached, so it serves from its fallback. */
    public static ShmByteBufAllocator withoutPool() {
        return new PoolAllocator();
    }

    @Override
    public int threshold() {
        return threshold;
    }

    /**
     * Sets {@link #threshold()}.
     *
     * @throws IllegalArgumentException if not in [1, {@value PoolLayout#MAX_SLOT_SIZE}]
     */
    public PoolAllocator threshold(int threshold) {
        if (threshold < 1 || threshold > PoolLayout.MAX_SLOT_SIZE) {
            throw new IllegalArgumentException("pool threshold " + threshold + " is outside [1, "
                    + PoolLayout.MAX_SLOT_SIZE + "]");
        }
        this.threshold = threshold;
        return this;
    }

    /** Serves from {@code pool} from now on; {@code null} detaches it (the connection closed). */
    public PoolAllocator attach(ShmPool pool) {
        this.pool = pool;
        return this;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ShmPool current = pool;
        if (current != null && initialCapacity >= threshold && initialCapacity <= PoolLayout.MAX_SLOT_SIZE) {
            ByteBuf buf = current.allocate(this, initialCapacity, maxCapacity);
            if (buf != null) {
                pooled.increment();
                return toLeakAwareBuffer(buf);
            }
        }
        if (initialCapacity >= threshold) {
            fallbacks.increment();
        }
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

    @Override
    public long pooled() {
        return pooled.sum();
    }

    @Override
    public long fallbacks() {
        return fallbacks.sum();
    }

    @Override
    public ByteBufAllocator fallback() {
        return fallback;
    }

    static ByteBuf track(ByteBuf buf) {
        return toLeakAwareBuffer(buf);
    }
}
