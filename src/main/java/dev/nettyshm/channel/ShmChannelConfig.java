package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.buffer.ShmByteBufAllocator;
import dev.nettyshm.internal.pool.PoolAllocator;
import dev.nettyshm.internal.ring.RingDescriptor;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannelConfig;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration of a {@link ShmChannel}: Netty's common options, {@link ChannelOption#ALLOW_HALF_CLOSURE},
 * {@link ShmChannelOption#RING_CAPACITY}, {@link ShmChannelOption#POOL_SIZE},
 * {@link ShmChannelOption#POOL_THRESHOLD}, {@link ShmChannelOption#WRITTEN_BUFFERS_FINAL} and
 * {@link ShmChannelOption#ROUTE}.
 *
 * <p>The channel's {@link ChannelOption#ALLOCATOR} is by default its own {@link ShmByteBufAllocator}, serving from
 * the connection's pool. Setting any {@code ShmByteBufAllocator} (such as {@link ShmByteBufAllocator#DEFAULT})
 * selects that same per-channel allocator — a pool belongs to one connection, so one allocator cannot serve
 * several channels; setting any other allocator replaces it, and every byte then crosses by copy.
 *
 * <p>Socket options ({@code SO_KEEPALIVE}, {@code TCP_NODELAY}, {@code SO_SNDBUF}, …) apply to a connection that
 * runs over TCP ({@link ShmChannelOption#ROUTE}); over shared memory they are accepted and change nothing, as on
 * Netty's domain-socket channels, so code written for TCP (gRPC among it) runs unchanged. {@code TCP_NODELAY} is on
 * by default, as on Netty's TCP channels.
 */
public final class ShmChannelConfig extends DefaultChannelConfig implements DuplexChannelConfig {

    /** Default {@link ShmChannelOption#RING_CAPACITY}: 2 MiB. */
    public static final int DEFAULT_RING_CAPACITY = 2 << 20;
    /** Default {@link ShmChannelOption#POOL_SIZE}: 16 MiB. */
    public static final int DEFAULT_POOL_SIZE = 16 << 20;

    private final PoolAllocator poolAllocator = new PoolAllocator();
    private volatile int ringCapacity = DEFAULT_RING_CAPACITY;
    private volatile int poolSize = DEFAULT_POOL_SIZE;
    private volatile boolean allowHalfClosure;
    private volatile boolean writtenBuffersFinal;
    private volatile ShmRoute route = ShmRoute.AUTO;
    private final TcpOptions socketOptions = new TcpOptions();

    ShmChannelConfig(Channel channel) {
        super(channel);
        super.setAllocator(poolAllocator);
    }

    /** The socket options, for the TCP socket of a connection that runs over TCP. */
    TcpOptions socketOptions() {
        return socketOptions;
    }

    /**
     * The allocator of the buffers bytes are read into: the channel's allocator, or its own pool allocator's fallback
     * when that is the channel's allocator — the pool is for what this side sends.
     */
    ByteBufAllocator receiveAllocator() {
        ByteBufAllocator alloc = getAllocator();
        return alloc == poolAllocator ? poolAllocator.fallback() : alloc;
    }

    /** The channel's own pool allocator, whether or not it is the channel's allocator now. */
    PoolAllocator poolAllocator() {
        return poolAllocator;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ShmChannelOption.RING_CAPACITY, ShmChannelOption.POOL_SIZE,
                ShmChannelOption.POOL_THRESHOLD, ShmChannelOption.WRITTEN_BUFFERS_FINAL, ShmChannelOption.ROUTE,
                ChannelOption.ALLOW_HALF_CLOSURE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ShmChannelOption.RING_CAPACITY) {
            return (T) Integer.valueOf(ringCapacity);
        }
        if (option == ShmChannelOption.POOL_SIZE) {
            return (T) Integer.valueOf(poolSize);
        }
        if (option == ShmChannelOption.POOL_THRESHOLD) {
            return (T) Integer.valueOf(poolAllocator.threshold());
        }
        if (option == ShmChannelOption.WRITTEN_BUFFERS_FINAL) {
            return (T) Boolean.valueOf(writtenBuffersFinal);
        }
        if (option == ShmChannelOption.ROUTE) {
            return (T) route;
        }
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(allowHalfClosure);
        }
        if (TcpOptions.handles(option)) {
            Object value = socketOptions.get(option);
            return value != null ? (T) value : super.getOption(option);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ShmChannelOption.RING_CAPACITY) {
            setRingCapacity((Integer) value);
        } else if (option == ShmChannelOption.POOL_SIZE) {
            setPoolSize((Integer) value);
        } else if (option == ShmChannelOption.POOL_THRESHOLD) {
            poolAllocator.threshold((Integer) value);
        } else if (option == ShmChannelOption.WRITTEN_BUFFERS_FINAL) {
            setWrittenBuffersFinal((Boolean) value);
        } else if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == ShmChannelOption.ROUTE) {
            setRoute((ShmRoute) value);
        } else if (TcpOptions.handles(option)) {
            socketOptions.set(option, value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** {@link ShmChannelOption#RING_CAPACITY}. */
    public int getRingCapacity() {
        return ringCapacity;
    }

    /**
     * Sets {@link ShmChannelOption#RING_CAPACITY}; it applies to connections made afterwards.
     *
     * @throws IllegalArgumentException if not a power of two within the ring's bounds
     */
    public ShmChannelConfig setRingCapacity(int capacity) {
        this.ringCapacity = RingDescriptor.checkCapacity(capacity);
        return this;
    }

    /** {@link ShmChannelOption#POOL_SIZE}. */
    public int getPoolSize() {
        return poolSize;
    }

    /**
     * Sets {@link ShmChannelOption#POOL_SIZE}; it applies to connections made afterwards.
     *
     * @throws IllegalArgumentException if neither 0 nor a power of two within the pool's bounds
     */
    public ShmChannelConfig setPoolSize(int poolSize) {
        this.poolSize = poolSize == 0 ? 0 : PoolLayout.checkPoolSize(poolSize);
        return this;
    }

    /** {@link ShmChannelOption#WRITTEN_BUFFERS_FINAL}. */
    public boolean isWrittenBuffersFinal() {
        return writtenBuffersFinal;
    }

    /** Sets {@link ShmChannelOption#WRITTEN_BUFFERS_FINAL}; it applies from the next write on. */
    public ShmChannelConfig setWrittenBuffersFinal(boolean writtenBuffersFinal) {
        this.writtenBuffersFinal = writtenBuffersFinal;
        return this;
    }

    /** {@link ShmChannelOption#ROUTE}. */
    public ShmRoute getRoute() {
        return route;
    }

    /** Sets {@link ShmChannelOption#ROUTE}; it applies to the next connect. */
    public ShmChannelConfig setRoute(ShmRoute route) {
        this.route = Objects.requireNonNull(route, "route");
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public ShmChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    @Override
    @Deprecated
    public ShmChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public ShmChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    /** See the class comment: any {@link ShmByteBufAllocator} selects the channel's own. */
    @Override
    public ShmChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator instanceof ShmByteBufAllocator ? poolAllocator : allocator);
        return this;
    }

    @Override
    public ShmChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public ShmChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public ShmChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public ShmChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    public ShmChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public ShmChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public ShmChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public ShmChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }
}
