package dev.nettyshm.channel;

import dev.nettyshm.ring.RingDescriptor;
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
     * connection's. Default {@value ShmChannelConfig#DEFAULT_RING_CAPACITY}: four 64 KiB messages in flight each
     * way, and 512 KiB of memory per connection once the rings have been written round — a thousand connections fit
     * in half a gigabyte.
     */
    public static final ChannelOption<Integer> RING_CAPACITY = valueOf(ShmChannelOption.class, "RING_CAPACITY");

    @SuppressWarnings({"deprecation", "unused"})
    private ShmChannelOption() {
        super(null);
    }
}
