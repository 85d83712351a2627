package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.ring.RingDescriptor;
import io.netty.channel.ChannelOption;

/**
 * The options of the shared-memory transport, beside Netty's own {@link ChannelOption}s.
 *
 * @param <T> the option's value type
 */
public final class ShmChannelOption<T> extends ChannelOption<T> {

    /**
     * Bytes of each ring of a connection, one ring per direction: a power of two from
     * {@value RingDescriptor#MIN_CAPACITY} to {@value RingDescriptor#MAX_CAPACITY}; the client's value is the
     * connection's. Default {@value ShmChannelConfig#DEFAULT_RING_CAPACITY}. A ring takes memory as it needs it: a
     * connection starts with 64 KiB of each ring, and a side that finds its outgoing ring full doubles the part it
     * writes into, up to the capacity. A connection that never fills its rings costs 128 KiB of ring memory; one that
     * streams small messages faster than its peer wakes up to take them grows to the capacity, which covers a peer's
     * wake-up: with 256 KiB rings, a sender of framed 1 KiB messages spent most of its time waiting for its peer to
     * wake, and ran at half NIO TCP's rate ({@code docs/decisions/016-rings-grow.md}).
     */
    public static final ChannelOption<Integer> RING_CAPACITY = valueOf(ShmChannelOption.class, "RING_CAPACITY");

    /**
     * Bytes of each buffer pool of a connection, one pool per direction, from which the channel's
     * {@link dev.nettyshm.buffer.ShmByteBufAllocator} serves buffers that cross without a copy, and into which the
     * files of {@link io.netty.channel.FileRegion}s are read: 0 (no pools, every byte is copied through the rings) or
     * a power of two from {@value PoolLayout#MIN_POOL_SIZE} to
     * {@value PoolLayout#MAX_POOL_SIZE}; the client's value is the connection's. Default
     * {@value ShmChannelConfig#DEFAULT_POOL_SIZE}: eight 1 MiB buffers in flight, or 32 of 64 KiB, or 2,048 of
     * 256 bytes (see {@link PoolLayout} for the classes). Pool memory is shared memory, taken page by page as slots
     * are first used, lowest slots first.
     */
    public static final ChannelOption<Integer> POOL_SIZE = valueOf(ShmChannelOption.class, "POOL_SIZE");

    /**
     * The smallest buffer the channel's {@link dev.nettyshm.buffer.ShmByteBufAllocator} serves from the pool, and the
     * smallest chunk of a file region sent through it; smaller ones are copied through the ring, which costs less for
     * them. Default
     * {@value dev.nettyshm.buffer.ShmByteBufAllocator#DEFAULT_THRESHOLD}.
     */
    public static final ChannelOption<Integer> POOL_THRESHOLD = valueOf(ShmChannelOption.class, "POOL_THRESHOLD");

    /**
     * The pipeline's promise that it never changes the bytes of a buffer once written to the channel, through that
     * buffer or any that shares its memory: a slice, a duplicate, the buffer it was sliced from. Default
     * {@code false}: then a pooled buffer crosses by descriptor only if the write holds its one reference, and one
     * whose memory others still hold is copied — a decoder that echoes a slice of its cumulation may compact the
     * cumulation once the slice is released, over bytes the peer has yet to read. With the promise, a slice of a
     * pooled buffer crosses by descriptor while other slices of it are held: HTTP/2 writes a message as frames, each a
     * slice of the buffer the message was written into. gRPC keeps the promise, and the gRPC builders of the README
     * set it.
     */
    public static final ChannelOption<Boolean> WRITTEN_BUFFERS_FINAL =
            valueOf(ShmChannelOption.class, "WRITTEN_BUFFERS_FINAL");

    /**
     * Which way a channel given a {@link java.net.InetSocketAddress} reaches its peer: {@link ShmRoute#AUTO} (the
     * default), or forced to {@link ShmRoute#SHARED_MEMORY} or {@link ShmRoute#TCP}, for tests and debugging. On a
     * {@link ShmServerChannel} bound to a TCP address, {@code TCP} keeps local clients on TCP too. A channel given a
     * {@link ShmAddress} ignores it.
     */
    public static final ChannelOption<ShmRoute> ROUTE = valueOf(ShmChannelOption.class, "ROUTE");

    @SuppressWarnings({"deprecation", "unused"})
    private ShmChannelOption() {
        super(null);
    }
}
