package dev.nettyshm.internal.pool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Writes and reads the descriptors of {@link PoolLayout}: the message that names the bytes of one pool slot, which
 * a connection sends in place of the bytes.
 *
 * <p>Not thread-safe: it writes each descriptor into one buffer of its own; one per sending side, confined to its
 * event loop.
 */
public final class DescriptorCodec {

    private final MemorySegment message = MemorySegment.ofArray(new long[PoolLayout.DESCRIPTOR_LENGTH / Long.BYTES]);

    /**
     * The descriptor of the {@code length} bytes at {@code poolOffset}, {@link PoolLayout#DESCRIPTOR_LENGTH} bytes,
     * valid until the next call.
     */
    public MemorySegment encode(long poolOffset, int length) {
        message.set(ValueLayout.JAVA_LONG, PoolLayout.DESCRIPTOR_OFFSET_OFFSET, poolOffset);
        message.set(ValueLayout.JAVA_INT, PoolLayout.DESCRIPTOR_LENGTH_OFFSET, length);
        return message;
    }

    /**
     * The buffer a received message of {@code length} bytes names in {@code pool}, the peer's sending pool; releasing
     * it gives the slot's hold back.
     *
     * @param connection what error messages call the connection
     * @throws PoolCorruptedException if the message is no descriptor, the connection has no pools, or the descriptor
     *                                names bytes that are not in flight in the pool
     */
    public static ByteBuf decode(MemorySegment received, int length, ShmPool pool, ByteBufAllocator alloc,
            String connection) throws PoolCorruptedException {
        if (length != PoolLayout.DESCRIPTOR_LENGTH || pool == null) {
            throw new PoolCorruptedException(connection + ": a message of " + length + " bytes where only"
                    + " descriptors of " + PoolLayout.DESCRIPTOR_LENGTH + " bytes are sent"
                    + (pool == null ? ", on a connection without pools" : ""));
        }
        return pool.receive(alloc, received.get(ValueLayout.JAVA_LONG, PoolLayout.DESCRIPTOR_OFFSET_OFFSET),
                received.get(ValueLayout.JAVA_INT, PoolLayout.DESCRIPTOR_LENGTH_OFFSET));
    }
}
