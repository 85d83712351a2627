package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.DescriptorCodec;
import dev.nettyshm.internal.pool.ShmPool;
import dev.nettyshm.internal.ring.RingConsumer;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.internal.ring.Wakeup;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The receiving half of a connected {@link ShmChannel}: delivers what the incoming ring holds to the pipeline, as a
 * socket channel delivers what it reads — copied bytes in buffers of the channel's receive allocator, and each
 * received shared buffer, named by a descriptor, as slices of itself in place — and wakes the peer if it waits for
 * the space the reads freed.
 *
 * <p>Its state: whether a read was asked for ({@code read()} or auto-read) and no bytes have been delivered since;
 * the rest of a received shared buffer not yet delivered; and whether the input is shut down — by
 * {@code shutdownInput()}, or by the peer's end under half-closure.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class Inbound {

    private final ShmChannel channel;
    private final RingConsumer in;
    /** Where the peer's buffers live, read through their descriptors; {@code null} without pools. */
    private final ShmPool pool;
    private final String connectionName;
    private final PeerSocket peer;
    private final Counters counters;
    /** A ring message on its way out of the ring. */
    private final MemorySegment message = MemorySegment.ofArray(new long[RingDescriptor.MAX_MESSAGE_LENGTH / 8]);
    private boolean readRequested;
    /** A received shared buffer whose bytes are being delivered in reads, the rest of it; {@code null} if none. */
    private ByteBuf sharedPending;
    /** This read's allocator adapts its guess: shared buffers are delivered whole. */
    private boolean adaptiveReads;
    /** Made by {@link #prepareToSleep}: the peer wakes this side on new data. */
    private final WakeRequest wakeOnData;
    /** Read by any thread, through {@code isInputShutdown()}. */
    private volatile boolean shutdown;
    private boolean shutdownReadCompleteFired;

    Inbound(ShmChannel channel, Connection connection, PeerSocket peer, Counters counters) {
        this.channel = channel;
        this.in = connection.in;
        this.wakeOnData = new WakeRequest(in);
        this.pool = connection.inPool;
        this.connectionName = connection.name();
        this.peer = peer;
        this.counters = counters;
    }

    void requestRead() {
        if (!shutdown) {
            readRequested = true;
        }
    }

    boolean isShutdown() {
        return shutdown;
    }

    /** Shuts the input down: nothing more is read, and the pipeline hears it once. */
    void shutdown() {
        shutdown = true;
        readRequested = false;
        shutdownReadComplete();
    }

    /**
     * Whether the input has reached its end, every byte before it delivered: the peer shut its output (the ring's
     * end-of-stream record, consumed here if nothing precedes it), or the peer is gone and its ring is empty — to
     * this side that is a FIN, as on TCP.
     */
    boolean hasEnded() throws RingCorruptedException {
        return channel.isActive() && !shutdown && sharedPending == null
                && (in.atEndOfStream() || peer.peerGone() && in.isEmpty());
    }

    /**
     * After {@link #hasEnded()}: half-closes, or closes, as a TCP channel does on a FIN. Both events fire at once,
     * since nothing is left to read; half-closure keeps the channel open until a write fails.
     */
    void end() {
        readRequested = false;
        if (channel.config().isAllowHalfClosure()) {
            shutdown = true;
            channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            shutdownReadComplete();
        } else {
            channel.unsafe().close(channel.unsafe().voidPromise());
        }
    }

    private void shutdownReadComplete() {
        if (!shutdownReadCompleteFired && channel.isActive()) {
            shutdownReadCompleteFired = true;
            channel.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    /** Whether part of a received shared buffer still waits to be delivered. */
    boolean holdsShared() {
        return sharedPending != null;
    }

    /**
     * Delivers what the ring holds, as the channel's {@link RecvByteBufAllocator} paces it, waking the peer after each
     * read if it waits for space. Stops at the end of the stream, which the channel then sees in the ring.
     *
     * @return the bytes delivered
     * @throws IOException if the ring or the peer's pool is corrupt
     */
    int read() throws IOException {
        if (!readRequested || shutdown) {
            return 0;
        }
        // Most polls of a spinning loop find nothing. Leave before the allocator: a buffer handed out and taken back
        // on each of them, with a leak-detection trace for one in 128, delayed the poll that found the next message.
        if (sharedPending == null && in.isEmpty()) {
            return 0;
        }
        RecvByteBufAllocator.ExtendedHandle allocHandle =
                (RecvByteBufAllocator.ExtendedHandle) channel.unsafe().recvBufAllocHandle();
        adaptiveReads = channel.config().getRecvByteBufAllocator() instanceof AdaptiveRecvByteBufAllocator;
        allocHandle.reset(channel.config());
        ChannelPipeline pipeline = channel.pipeline();
        ByteBufAllocator alloc = channel.config().receiveAllocator();
        int total = 0;
        ByteBuf buf = null;
        try {
            do {
                ByteBuf shared = nextShared(allocHandle);
                if (shared != null) {
                    int n = shared.readableBytes();
                    delivered(n, true);
                    allocHandle.incMessagesRead(1);
                    total += n;
                    wakeProducer();
                    pipeline.fireChannelRead(shared);
                    continue;
                }
                if (in.isEmpty()) {
                    break;
                }
                buf = allocHandle.allocate(alloc);
                int writable = buf.writableBytes();
                allocHandle.attemptedBytesRead(writable);
                int n = buf.hasMemoryAddress() || buf.hasArray()
                        ? in.read(BufferMemory.of(buf), BufferMemory.offset(buf, buf.writerIndex()), writable)
                        : in.read(MemorySegment.ofBuffer(buf.internalNioBuffer(buf.writerIndex(), writable)), 0,
                                writable);
                if (n <= 0) {
                    // Nothing but the end of the stream: the channel's poll sees it next.
                    buf.release();
                    buf = null;
                    break;
                }
                buf.writerIndex(buf.writerIndex() + n);
                delivered(n, false);
                allocHandle.lastBytesRead(n);
                allocHandle.incMessagesRead(1);
                total += n;
                ByteBuf read = buf;
                buf = null;
                wakeProducer();
                pipeline.fireChannelRead(read);
            } while (allocHandle.continueReading() && channel.isActive());
        } finally {
            if (buf != null) {
                buf.release();
            }
        }
        if (total > 0) {
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
        }
        return total;
    }

    /**
     * Wakes the peer if it sleeps waiting for the space this read freed: before the pipeline runs, so that the peer
     * fills the ring again while this side handles what it read. Woken only after a whole read loop, a sender of
     * small framed messages slept through most of it.
     */
    private void wakeProducer() {
        peer.wake(in.takeProducerWakeup());
    }

    private void delivered(int bytes, boolean shared) {
        counters.add(Counters.BYTES_READ, bytes);
        counters.add(shared ? Counters.SHARED_BYTES_READ : Counters.COPIED_BYTES_READ, bytes);
        counters.add(Counters.READS, 1);
        readRequested = false;
    }

    /**
     * The next part of a received shared buffer, if one is being read. With Netty's adaptive receive allocator, the
     * default, all of it: nothing is allocated to read it into, and a decoder that receives a frame whole slices it
     * where pieces would be copied together. With any other {@link RecvByteBufAllocator}, as many bytes as its guess,
     * as on a socket — a slice, not a copy: a user who fixed the size of reads gets reads of that size.
     */
    private ByteBuf nextShared(RecvByteBufAllocator.ExtendedHandle allocHandle) throws IOException {
        if (sharedPending == null) {
            int length = in.readMessage(message, 0);
            if (length < 0) {
                return null;
            }
            counters.add(Counters.DESCRIPTORS_RECEIVED, 1);
            sharedPending = DescriptorCodec.decode(message, length, pool, channel.alloc(), connectionName);
        }
        int guess = allocHandle.guess();
        int n = adaptiveReads ? sharedPending.readableBytes() : Math.min(guess, sharedPending.readableBytes());
        // Attempted as much as was there: the handle reads on, as after a socket read that filled its buffer.
        allocHandle.attemptedBytesRead(adaptiveReads ? n : guess);
        allocHandle.lastBytesRead(n);
        if (n == sharedPending.readableBytes()) {
            ByteBuf whole = sharedPending;
            sharedPending = null;
            return whole;
        }
        return sharedPending.readRetainedSlice(n);
    }

    /**
     * Before the loop sleeps: if a read waits for data, or the peer is gone and its end is still to be seen, asks the
     * peer to wake this side {@code how} on new data.
     *
     * @return {@code false} if there is something to deliver after all: the loop must not sleep
     */
    boolean prepareToSleep(Wakeup how) throws RingCorruptedException {
        if (readRequested && sharedPending != null) {
            return false;
        }
        if (readRequested || peer.peerGone()) {
            if (!in.prepareToSleep(how)) {
                return false;
            }
            wakeOnData.made();
        }
        return true;
    }

    WakeRequest wakeRequest() {
        return wakeOnData;
    }

    /** Gives back the rest of a received shared buffer: the channel closed. */
    void release() {
        if (sharedPending != null) {
            sharedPending.release();
            sharedPending = null;
        }
    }
}
