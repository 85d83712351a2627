package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.DescriptorCodec;
import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.pool.ShmPool;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.RingProducer;
import dev.nettyshm.internal.ring.Wakeup;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FileRegion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The sending half of a connected {@link ShmChannel}: writes the outbound buffer's messages into the outgoing ring —
 * a buffer of this side's pool as a descriptor, any other as a copy, a {@link FileRegion} through its
 * {@link FileRegionWriter} — publishes them, and wakes the peer. What does not fit waits in the outbound buffer, and
 * the channel's polls flush again.
 *
 * <p>Its state, each a reason for the loop to come back:
 * <ul>
 *   <li>waiting for space: a write found the ring full, or a file region spent one flush's chunks;</li>
 *   <li>end of stream pending: {@code shutdownOutput()} found the ring full;</li>
 *   <li>waiting for the pool: the pool is crowded, and writability is off until the peer releases enough of this
 *       side's buffers — a release rings no doorbell, so the loop sleeps at most {@link #POOL_WAIT_NANOS}.</li>
 * </ul>
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class Outbound {

    /** The user-defined writability bit the pool's crowding clears. */
    private static final int POOL_WRITABILITY = 1;
    /**
     * How long a loop sleeps at most while a crowded pool holds writers back, and how long writers wait for a release
     * once the peer has read everything sent.
     */
    private static final long POOL_WAIT_NANOS = 200_000;
    /**
     * The most bytes one record of copies holds. Larger writes cross in records of this size, each published as soon
     * as it is written: in one record, a 1 MiB message reached the peer only once all of it was in the ring, and a
     * round trip of 1 MiB over the copy path took twice as long.
     */
    private static final int MAX_COPY_RECORD = 64 * 1024;

    private final RingProducer out;
    /** This side's pool, where the buffers that cross as descriptors live; {@code null} without pools. */
    private final ShmPool pool;
    private final PeerSocket peer;
    private final Counters counters;
    private final DescriptorCodec descriptors = new DescriptorCodec();
    private final FileRegionWriter fileRegions;
    private final ShmChannelConfig config;
    /** {@link ShmChannelOption#WRITTEN_BUFFERS_FINAL}, as the current write found it. */
    private boolean writtenBuffersFinal;
    private final NextMessage next = new NextMessage();
    private final CopyRun copyRun = new CopyRun();
    private boolean waitingForSpace;
    /** Descriptors went out since the pool's crowding was last looked at. */
    private boolean sentDescriptors;
    private boolean waitingForPool;
    /** When the peer was first seen to have read everything while writers waited for the pool; 0 if not. */
    private long peerReadAllSince;
    /** The peer held a crowded pool with nothing left to read: writers are not held back until it is relieved. */
    private boolean peerHoldsForMore;
    private boolean endOfStreamPending;
    /** Made by {@link #prepareToSleep}: the peer wakes this side when space frees. */
    private final WakeRequest wakeOnSpace;
    /** Read by any thread, through {@code isOutputShutdown()}. */
    private volatile boolean shutdown;

    Outbound(Connection connection, PeerSocket peer, ShmChannelConfig config, Counters counters) {
        this.out = connection.out;
        this.wakeOnSpace = new WakeRequest(out);
        this.pool = connection.outPool;
        this.peer = peer;
        this.counters = counters;
        this.config = config;
        this.fileRegions = new FileRegionWriter(config, counters, this::sendDescriptor, this::publish);
    }

    /**
     * Writes what fits of {@code in}'s messages, removing what was written whole, and publishes it.
     *
     * @throws IOException if the ring is corrupt or a file region's file cannot be read
     */
    void write(ChannelOutboundBuffer in, Connection connection) throws Exception {
        writtenBuffersFinal = config.isWrittenBuffersFinal();
        boolean full = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            if (msg instanceof FileRegion region) {
                if (!fileRegions.write(region, in, connection)) {
                    full = true;
                    break;
                }
                continue;
            }
            ByteBuf buf = (ByteBuf) msg;
            int readable = buf.readableBytes();
            if (readable == 0) {
                in.remove();
                continue;
            }
            long poolOffset = sharedOffset(buf, readable);
            if (poolOffset >= 0) {
                if (sendDescriptor(poolOffset, readable) == 0) {
                    full = true;
                    break;
                }
                counters.add(Counters.BYTES_WRITTEN, readable);
                counters.add(Counters.MESSAGES_WRITTEN, 1);
                // Before the removal, which may make the channel writable and run a writer at once, inside this
                // loop: looked at only after it, the pool let such writers take its last slot and fall back to copies
                // (a sender of 1 MiB frames copied one in nine).
                checkPoolCrowding(in);
                in.remove();
                continue;
            }
            if (readable <= PoolLayout.HEADROOM && pool != null) {
                int framed = sendWithNext(in, buf, readable);
                if (framed > 0) {
                    continue;
                }
                if (framed < 0) {
                    full = true;
                    break;
                }
            }
            if (!copyRun(in)) {
                full = true;
                break;
            }
        }
        waitingForSpace = full;
        publish();
        if (sentDescriptors) {
            sentDescriptors = false;
            checkPoolCrowding(in);
        }
    }

    boolean waitingForSpace() {
        return waitingForSpace;
    }

    boolean isShutdown() {
        return shutdown;
    }

    /** Ends the stream: the end-of-stream record goes out now, or as soon as the ring has room for it. */
    void shutdown() throws RingCorruptedException {
        shutdown = true;
        endOfStreamPending = true;
        writeEndOfStream();
    }

    /** Writes the end-of-stream record that {@link #shutdown()} could not, if it fits now. */
    void writeEndOfStream() throws RingCorruptedException {
        if (endOfStreamPending && out.offerEndOfStream()) {
            endOfStreamPending = false;
            publish();
        }
    }

    /**
     * Lets writers go again once a crowded pool is relieved.
     *
     * @return 1 if it was relieved now, else 0
     * @throws RingCorruptedException if the peer's position in the ring is impossible
     */
    int relievePool(ChannelOutboundBuffer in) throws RingCorruptedException {
        if (!waitingForPool) {
            return 0;
        }
        checkPoolCrowding(in);
        return waitingForPool ? 0 : 1;
    }

    /**
     * Holds writers back — writability off — while the pool is crowded, so that they do not allocate until it runs
     * dry and every further buffer falls back to a copy; lets them go once the peer has released enough. Not if the
     * peer holds the pool with nothing left to read: it may be waiting for more before it releases — the rest of an
     * HTTP/2 message whose frames it keeps, a frame a decoder composes from several buffers — and an HTTP/2 encoder
     * writes nothing while the channel is unwritable, so holding writers back then would leave both sides waiting.
     * Buffers then fall back to copies until the pool is relieved.
     */
    private void checkPoolCrowding(ChannelOutboundBuffer in) throws RingCorruptedException {
        if (pool == null || in == null) {
            return;
        }
        if (peerHoldsForMore && !pool.busy()) {
            peerHoldsForMore = false;
        }
        if (!waitingForPool && !peerHoldsForMore && pool.crowded()) {
            waitingForPool = true;
            peerReadAllSince = 0;
            in.setUserDefinedWritability(POOL_WRITABILITY, false);
        } else if (waitingForPool && (!pool.busy() || noReleaseSinceReadingAll())) {
            waitingForPool = false;
            in.setUserDefinedWritability(POOL_WRITABILITY, true);
        }
    }

    /** Whether the peer has read everything sent, and released too little, for {@link #POOL_WAIT_NANOS}. */
    private boolean noReleaseSinceReadingAll() throws RingCorruptedException {
        if (!out.consumedAll()) {
            peerReadAllSince = 0;
            return false;
        }
        long now = System.nanoTime();
        if (peerReadAllSince == 0) {
            peerReadAllSince = now;
            return false;
        }
        peerHoldsForMore = now - peerReadAllSince >= POOL_WAIT_NANOS;
        return peerHoldsForMore;
    }

    /** The longest the loop may sleep: shorter while the pool holds writers back. */
    long sleepLimitNanos() {
        return waitingForPool ? POOL_WAIT_NANOS : Long.MAX_VALUE;
    }

    /**
     * Before the loop sleeps: if writes wait for space, asks the peer to wake this side {@code how} when it frees
     * some.
     *
     * @return {@code false} if space freed meanwhile: the loop must not sleep
     */
    boolean prepareToSleep(Wakeup how) throws RingCorruptedException {
        if (waitingForSpace || endOfStreamPending) {
            if (!out.prepareToWaitForSpace(how)) {
                return false;
            }
            wakeOnSpace.made();
        }
        return true;
    }

    WakeRequest wakeRequest() {
        return wakeOnSpace;
    }

    /** Publishes what was written and wakes the peer if it sleeps. */
    private void publish() {
        peer.wake(out.publish());
    }

    /**
     * Where {@code buf}'s readable bytes lie in this side's pool, if they cross by descriptor: only if this write
     * holds its only reference, since a buffer someone else still holds — the rest of a decoder's cumulation, say —
     * may be written to before the peer has read it; or if the pipeline promised that it never writes to a written
     * buffer ({@link ShmChannelOption#WRITTEN_BUFFERS_FINAL}).
     *
     * @return the pool offset, or -1 if the bytes are copied
     */
    private long sharedOffset(ByteBuf buf, int readable) {
        if (pool == null || !buf.hasMemoryAddress()) {
            return -1;
        }
        long offset = pool.offsetOf(buf.memoryAddress() + buf.readerIndex(), readable);
        // The reference count last: most small buffers are not the pool's, and asking a leak-aware wrapper for its
        // count cost 6% of a sender of 64-byte framed messages.
        return offset >= 0 && (writtenBuffersFinal || buf.refCnt() == 1) ? offset : -1;
    }

    /**
     * Copies the flushed messages from the current one on into one ring record, as many bytes as fit, and removes
     * what was copied: one claim of the ring for a run of small writes, as one {@code writev} sends them.
     *
     * @return {@code false} if the ring had no room at all
     */
    private boolean copyRun(ChannelOutboundBuffer in) throws Exception {
        int room = out.claim((int) Math.min(MAX_COPY_RECORD, in.totalPendingWriteBytes()));
        if (room == 0) {
            return false;
        }
        int copied = copyRun.gather(in, room);
        out.commit(copied);
        counters.add(Counters.BYTES_WRITTEN, copied);
        counters.add(Counters.COPIED_BYTES_WRITTEN, copied);
        counters.add(Counters.MESSAGES_WRITTEN, copyRun.messages);
        in.removeBytes(copied);
        if (copied == MAX_COPY_RECORD) {
            // More follows: the peer copies this out while this side copies the rest in.
            publish();
        }
        return true;
    }

    /**
     * Sends {@code header}, a small buffer at the head of {@code in}, and the pooled buffer after it as one descriptor:
     * the header's bytes are copied into the slot just in front of the payload's. A codec writes a frame's header and
     * payload as two buffers; the peer's decoder then receives the frame in one, and slices it out instead of
     * copying the two together.
     *
     * @return 1 if both went out and are removed; 0 if they cannot go together (the next message is not this side's
     *         pooled buffer held by the write alone, or its slot has no room in front); -1 if the ring is full
     */
    private int sendWithNext(ChannelOutboundBuffer in, ByteBuf header, int length) throws Exception {
        if (!header.hasMemoryAddress() && !header.hasArray()) {
            return 0;
        }
        if (!(next.after(in) instanceof ByteBuf payload)) {
            return 0;
        }
        int payloadLength = payload.readableBytes();
        long poolOffset = sharedOffset(payload, payloadLength);
        if (poolOffset < 0) {
            return 0;
        }
        long start = pool.prepend(poolOffset, BufferMemory.of(header),
                BufferMemory.offset(header, header.readerIndex()), length);
        if (start < 0) {
            return 0;
        }
        if (sendDescriptor(start, length + payloadLength) == 0) {
            return -1;
        }
        counters.add(Counters.BYTES_WRITTEN, length + payloadLength);
        counters.add(Counters.MESSAGES_WRITTEN, 2);
        checkPoolCrowding(in);
        in.remove();
        in.remove();
        return 1;
    }

    /** Sends the bytes at {@code poolOffset} as a descriptor: all {@code length} of them, or none if full. */
    private int sendDescriptor(long poolOffset, int length) throws RingCorruptedException {
        if (!out.offerMessage(descriptors.encode(poolOffset, length), 0, PoolLayout.DESCRIPTOR_LENGTH)) {
            return 0;
        }
        // The receiver's hold, taken before publication makes the descriptor visible to it.
        pool.retainForDescriptor(poolOffset);
        sentDescriptors = true;
        counters.add(Counters.DESCRIPTORS_SENT, 1);
        counters.add(Counters.SHARED_BYTES_WRITTEN, length);
        return length;
    }

    /**
     * Walks the flushed messages into the record {@link RingProducer#claim} opened, up to the first that crosses
     * otherwise — a file region, a buffer of this side's pool, a small buffer just before one (the header that
     * {@link #sendWithNext} puts in front of it) — or until the record is full. The first message is copied whatever
     * it is: the write loop chose to copy it.
     */
    private final class CopyRun implements ChannelOutboundBuffer.MessageProcessor {
        private int room;
        private int copied;
        /** Messages copied whole. */
        private int messages;
        private boolean first;
        /** A small buffer not yet copied: it goes with the next message if that is a pooled buffer. */
        private ByteBuf held;

        /** Copies into the open record, which has {@code room} bytes: returns the number copied. */
        int gather(ChannelOutboundBuffer in, int room) throws Exception {
            this.room = room;
            copied = 0;
            messages = 0;
            first = true;
            try {
                in.forEachFlushedMessage(this);
                if (held != null) {
                    copyIn(held);
                }
            } finally {
                held = null;
            }
            return copied;
        }

        @Override
        public boolean processMessage(Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                // A file region: gather copies what is held, before it.
                return false;
            }
            if (first) {
                first = false;
                return copyIn(buf);
            }
            int readable = buf.readableBytes();
            if (sharedOffset(buf, readable) >= 0) {
                // It crosses by descriptor, and what is held goes with it.
                held = null;
                return false;
            }
            if (held != null) {
                ByteBuf small = held;
                held = null;
                if (!copyIn(small)) {
                    return false;
                }
            }
            if (readable <= PoolLayout.HEADROOM && pool != null) {
                held = buf;
                return true;
            }
            return copyIn(buf);
        }

        /** Copies what fits of {@code buf}'s readable bytes: whether it all did, and room is left for more. */
        private boolean copyIn(ByteBuf buf) {
            int readable = buf.readableBytes();
            int n = Math.min(readable, room - copied);
            if (buf.hasMemoryAddress() || buf.hasArray()) {
                out.put(copied, BufferMemory.of(buf), BufferMemory.offset(buf, buf.readerIndex()), n);
            } else if (n > 0) {
                // Several regions (a composite): their owners are not known here, so every part is copied.
                int at = copied;
                for (ByteBuffer part : buf.nioBuffers(buf.readerIndex(), n)) {
                    out.put(at, MemorySegment.ofBuffer(part), 0, part.remaining());
                    at += part.remaining();
                }
            }
            copied += n;
            if (n < readable) {
                return false;
            }
            messages++;
            return copied < room;
        }
    }

    /** Finds the message flushed after the current one, without allocating. */
    private static final class NextMessage implements ChannelOutboundBuffer.MessageProcessor {
        private boolean atCurrent;
        private Object found;

        /** The flushed message after {@code in}'s current one; {@code null} if there is none. */
        Object after(ChannelOutboundBuffer in) throws Exception {
            atCurrent = true;
            in.forEachFlushedMessage(this);
            Object message = found;
            found = null;
            return message;
        }

        @Override
        public boolean processMessage(Object msg) {
            if (atCurrent) {
                atCurrent = false;
                return true;
            }
            found = msg;
            return false;
        }
    }
}
