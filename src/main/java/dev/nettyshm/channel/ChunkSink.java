package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.pool.PoolAllocator;
import dev.nettyshm.internal.pool.ShmPool;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.RingProducer;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Puts bytes that are not in a buffer of their own — a file's, a {@code FileRegion}'s — into a connection, copied
 * once: into a slot of this side's pool, sent as a descriptor, when there are enough of them for the pool and a slot
 * is free; else into a ring record. Either way the peer reads them where they were put.
 *
 * <p>Not thread-safe: confined to the channel's event loop, as the ring's producing end is.
 */
final class ChunkSink {

    /** Where the bytes come from. */
    @FunctionalInterface
    interface Source {

        /**
         * Copies {@code dst.byteSize()} bytes from {@code offset} of the source into {@code dst}, all of them.
         *
         * @throws IOException if the source cannot give them; nothing is sent then
         */
        void copy(long offset, MemorySegment dst) throws IOException;
    }

    /** The channel's way of sending a descriptor of its pool: all {@code length} bytes, or 0 if the ring is full. */
    @FunctionalInterface
    interface Descriptors {

        int send(long poolOffset, int length) throws RingCorruptedException;
    }

    private final PoolAllocator allocator;
    private final Descriptors descriptors;
    private final Counters counters;

    /**
     * @param allocator   the channel's pool allocator: its threshold says which chunks go to the pool
     * @param descriptors how the channel sends a descriptor, counting its bytes
     * @param counters    where the bytes put into ring records are counted
     */
    ChunkSink(PoolAllocator allocator, Descriptors descriptors, Counters counters) {
        this.allocator = allocator;
        this.descriptors = descriptors;
        this.counters = counters;
    }

    /**
     * Puts up to {@code length} bytes of {@code source} from {@code offset} into {@code connection}: at most one
     * pool slot's or one ring record's worth. Publishing is the caller's.
     *
     * @return the number put; 0 when the ring is full
     */
    int send(Connection connection, Source source, long offset, int length) throws IOException {
        RingProducer out = connection.out;
        ShmPool pool = connection.outPool;
        if (pool != null && length >= allocator.threshold() && out.fitsMessage(PoolLayout.DESCRIPTOR_LENGTH)) {
            // A smaller slot rather than the ring while the large ones are in flight: what crosses in the ring, the
            // receiver copies out again. Measured with a 1 GiB file, 1 MiB slots alone ran dry and halved the rate.
            ByteBuf slot = pool.allocateUpTo(allocator, length, allocator.threshold());
            if (slot != null) {
                int size = slot.capacity();
                try {
                    ByteBuffer memory = slot.internalNioBuffer(0, size);
                    source.copy(offset, MemorySegment.ofBuffer(memory));
                    // The ring had room for the descriptor and nothing else was written since: it goes in whole.
                    return descriptors.send(pool.offsetOf(memory), size);
                } finally {
                    // The descriptor took the receiver's hold on the slot; this one was the sender's.
                    slot.release();
                }
            }
        }
        int copied = out.offer(length, payload -> source.copy(offset, payload));
        counters.add(Counters.COPIED_BYTES_WRITTEN, copied);
        return copied;
    }

    /**
     * A channel that writes into {@code connection}, for a {@code FileRegion} that writes itself through
     * {@code transferTo}: it takes what fits now and returns 0 when the ring is full, as a non-blocking socket does.
     */
    WritableByteChannel channel(Connection connection) {
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                MemorySegment bytes = MemorySegment.ofBuffer(src);
                int length = src.remaining();
                int total = 0;
                while (total < length) {
                    int n = send(connection, (offset, dst) -> MemorySegment.copy(bytes, offset, dst, 0,
                            dst.byteSize()), total, length - total);
                    if (n == 0) {
                        break;
                    }
                    total += n;
                }
                src.position(src.position() + total);
                return total;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
                // The connection is the channel's to close, not a region's.
            }
        };
    }
}
