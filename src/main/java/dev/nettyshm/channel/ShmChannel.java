package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolCorruptedException;
import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.pool.ShmPool;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.internal.ring.FutexWaitSet;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.internal.ring.RingProducer;
import dev.nettyshm.internal.ring.Wakeup;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A connection over shared memory: the {@link DuplexChannel} of the transport, for a {@code Bootstrap} on a
 * {@link ShmIoHandler} event loop group and for the children of a {@link ShmServerChannel}.
 *
 * <p>Bytes cross in two rings of one shared segment, one per direction; a Unix domain socket beside them carries
 * the handshake, the doorbell that wakes a sleeping peer, and the end of the connection — the kernel closes it when
 * the peer's process dies, however it dies. Semantics are a stream socket's: byte stream of {@link ByteBuf}s and
 * {@link FileRegion}s, partial writes when the ring is full (the rest waits in the outbound buffer, which drives
 * writability), half-closure with {@link io.netty.channel.ChannelOption#ALLOW_HALF_CLOSURE}.
 *
 * <p>Thread safety: as every Netty channel, its methods may be called from any thread; I/O runs on its event loop.
 */
public class ShmChannel extends AbstractChannel implements DuplexChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** The user-defined writability bit the pool's crowding clears. */
    private static final int POOL_WRITABILITY = 1;
    /** How long a loop sleeps at most while a crowded pool holds writers back: a release rings no doorbell. */
    private static final long POOL_WAIT_NANOS = 1_000_000;

    private enum State { OPEN, CONNECTING, ACTIVE, CLOSED }

    private final ShmChannelConfig config = new ShmChannelConfig(this);
    private final ByteBuffer doorbell = ByteBuffer.allocateDirect(64);
    /** A descriptor on its way into or out of a ring message. */
    private final MemorySegment descriptor = MemorySegment.ofArray(new long[RingDescriptor.MAX_MESSAGE_LENGTH / 8]);
    private volatile State state;
    private volatile ShmAddress localAddress;
    private volatile ShmAddress remoteAddress;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    // Confined to the event loop from here on.
    private ShmIoHandler handler;
    private IoRegistration registration;
    private SocketChannel socket;
    private SelectionKey key;
    /** The {@link PeerWatch} of the socket, armed while the loop sleeps on futexes; {@code null} before. */
    private SelectionKey watchKey;
    /** No {@link PeerWatch} could listen to the socket: the loop must sleep in its selector. */
    private boolean unwatched;
    private Connection connection;
    private ByteBuffer handshake;
    private ChannelPromise connectPromise;
    private Future<?> connectTimeout;
    /** Counted on the event loop, read from any thread: see {@link #metrics()}. */
    private final Counters counters = new Counters();
    /** Writes the {@link FileRegion}s among the outbound messages. */
    private final FileRegionWriter fileRegions = new FileRegionWriter(config, counters, this::sendDescriptor,
            () -> wakePeer(connection.out.publish()));
    /** A read was asked for ({@code read()} or auto-read) and no bytes have been delivered since. */
    private boolean readRequested;
    /**
     * A write found the ring full, or a file region spent its chunks of one flush; the rest waits in the outbound
     * buffer, and each poll flushes again.
     */
    private boolean waitingForSpace;
    /** Descriptors went out since the pool's crowding was last looked at. */
    private boolean sentDescriptors;
    /** The pool is crowded: writability is off until the peer releases enough of this side's buffers. */
    private boolean waitingForPool;
    /** {@code shutdownOutput()} found the ring full; the end-of-stream record waits. */
    private boolean endOfStreamPending;
    /** The socket reached its end: the peer closed the connection or died. */
    private boolean peerGone;
    private boolean inputShutdownReadCompleteFired;
    private boolean sleepingOnInput;
    /** A received shared buffer whose bytes are being delivered in reads, the rest of it; {@code null} if none. */
    private ByteBuf sharedPending;
    private boolean sleepingOnOutput;

    /** A client channel; {@code connect} it to a {@link ShmAddress}. */
    public ShmChannel() {
        super(null);
        state = State.OPEN;
    }

    /** A server's child, connected: the handshake is done. */
    ShmChannel(ShmServerChannel parent, SocketChannel socket, Connection connection, ShmAddress remoteAddress) {
        super(parent);
        this.socket = socket;
        this.connection = connection;
        config.poolAllocator().attach(connection.outPool);
        this.localAddress = parent.localAddress();
        this.remoteAddress = remoteAddress;
        this.state = State.ACTIVE;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public ShmChannelConfig config() {
        return config;
    }

    @Override
    public ShmServerChannel parent() {
        return (ShmServerChannel) super.parent();
    }

    @Override
    public ShmAddress localAddress() {
        return (ShmAddress) super.localAddress();
    }

    @Override
    public ShmAddress remoteAddress() {
        return (ShmAddress) super.remoteAddress();
    }

    @Override
    public boolean isOpen() {
        return state != State.CLOSED;
    }

    @Override
    public boolean isActive() {
        return state == State.ACTIVE;
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !isActive();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !isActive();
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        runInLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        runInLoop(() -> shutdownInput0(promise));
        return promise;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture output = shutdownOutput();
        output.addListener(f -> shutdownInput().addListener(g -> {
            Throwable cause = f.cause() != null ? f.cause() : g.cause();
            if (cause == null) {
                promise.trySuccess();
            } else {
                promise.tryFailure(cause);
            }
        }));
        return promise;
    }

    private void runInLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    private void shutdownInput0(ChannelPromise promise) {
        if (!isActive()) {
            promise.setFailure(notConnected());
            return;
        }
        inputShutdown = true;
        readRequested = false;
        promise.setSuccess();
        inputShutdownReadComplete();
    }

    /**
     * Why a shutdown cannot be done now, in a socket's words: not connected yet, or closed. Netty's socket channels
     * fail so, and its testsuite checks it: a caller tells a channel still to connect from a dead one by it.
     */
    private Exception notConnected() {
        return isOpen() ? new NotYetConnectedException() : new ClosedChannelException();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new ShmUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop ioLoop && ioLoop.isCompatible(ShmUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remoteAddress;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        Registrations.register(eventLoop(), (ShmUnsafe) unsafe(), promise, r -> registration = r);
    }

    @Override
    protected void doDeregister() {
        registration = Registrations.cancel(registration);
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a shared-memory client has no address of its own to bind");
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        config.poolAllocator().attach(null);
        if (sharedPending != null) {
            sharedPending.release();
            sharedPending = null;
        }
        ChannelPromise promise = connectPromise;
        if (promise != null) {
            connectPromise = null;
            promise.tryFailure(new ClosedChannelException());
        }
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        if (key != null) {
            key.cancel();
        }
        if (watchKey != null) {
            watchKey.cancel();
        }
        try {
            // Closing the socket tells the peer; it reads what the ring still holds, then sees the end.
            if (socket != null) {
                socket.close();
            }
        } finally {
            if (connection != null) {
                try {
                    PendingSegments.abandon(connection);
                } finally {
                    retire(connection);
                }
            }
        }
    }

    /**
     * Gives the connection's memory up where nothing of this loop can still touch it. A close often happens inside a
     * poll — a failed flush, a handler that closes in {@code channelRead} — and the rest of that poll, or the
     * loop's sleep bookkeeping after it, still reaches the rings: unmapped at once, they threw
     * {@code IllegalStateException: Already closed} out of the loop and ended it, with every channel on it.
     */
    private void retire(Connection closed) {
        ShmIoHandler current = handler;
        if (current != null) {
            current.closeAfterRun(closed);
        } else {
            closed.close();
        }
    }

    @Override
    protected void doBeginRead() {
        if (!inputShutdown) {
            readRequested = true;
        }
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf || msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("a shared-memory channel writes ByteBufs and FileRegions, not "
                + msg.getClass().getName());
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        if (!isActive()) {
            // As a socket that is not connected: before connect() there is no ring to end, and during the handshake
            // the segment is not the server's yet.
            throw notConnected();
        }
        outputShutdown = true;
        endOfStreamPending = true;
        writeEndOfStream();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        switch (state) {
            case OPEN, CONNECTING -> throw new NotYetConnectedException();
            case CLOSED -> throw new ClosedChannelException();
            case ACTIVE -> {
            }
        }
        if (peerGone || connection.peerClosed()) {
            throw new ClosedChannelException();
        }
        RingProducer out = connection.out;
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
            int written = offer(buf, readable);
            if (written > 0) {
                counters.add(Counters.BYTES_WRITTEN, written);
                counters.add(Counters.MESSAGES_WRITTEN, written == readable ? 1 : 0);
                in.removeBytes(written);
            }
            if (written < readable) {
                full = true;
                break;
            }
        }
        waitingForSpace = full;
        wakePeer(out.publish());
        if (sentDescriptors) {
            sentDescriptors = false;
            checkPoolCrowding();
        }
    }

    /**
     * Holds writers back — writability off — while the pool is crowded, so that they do not allocate until it runs
     * dry and every further buffer falls back to a copy; lets them go once the peer has released enough.
     */
    private void checkPoolCrowding() {
        ShmPool pool = connection.outPool;
        ChannelOutboundBuffer buffer = unsafe().outboundBuffer();
        if (pool == null || buffer == null) {
            return;
        }
        if (!waitingForPool && pool.crowded()) {
            waitingForPool = true;
            buffer.setUserDefinedWritability(POOL_WRITABILITY, false);
        } else if (waitingForPool && !pool.busy()) {
            waitingForPool = false;
            buffer.setUserDefinedWritability(POOL_WRITABILITY, true);
        }
    }

    /**
     * Puts as much of {@code buf}'s readable bytes into the ring as fit, without moving its indexes: as a descriptor
     * if they lie in this side's buffer pool and nobody else holds them, else as a copy.
     */
    private int offer(ByteBuf buf, int readable) throws RingCorruptedException {
        RingProducer out = connection.out;
        ShmPool pool = connection.outPool;
        if (buf.hasMemoryAddress()) {
            // One contiguous region: reach it without allocating views. It crosses by descriptor only if this write
            // holds its only reference: a buffer someone else still holds — the rest of a decoder's cumulation, say —
            // may be written to before the peer has read it.
            long poolOffset = pool == null || buf.refCnt() != 1 ? -1
                    : pool.offsetOf(buf.memoryAddress() + buf.readerIndex(), readable);
            return poolOffset >= 0
                    ? sendDescriptor(out, poolOffset, readable)
                    : offer(out, memoryOf(buf), buf.readerIndex(), readable);
        }
        if (buf.hasArray()) {
            return offer(out, memoryOf(buf), buf.readerIndex(), readable);
        }
        // Several regions (a composite): their owners are not known here, so every part is copied.
        int total = 0;
        for (ByteBuffer part : buf.nioBuffers(buf.readerIndex(), readable)) {
            int length = part.remaining();
            int written = offer(out, MemorySegment.ofBuffer(part), 0, length);
            total += written;
            if (written < length) {
                break;
            }
        }
        return total;
    }

    /** Sends the bytes at {@code poolOffset} as a descriptor: all {@code length} of them, or none if full. */
    private int sendDescriptor(RingProducer out, long poolOffset, int length) throws RingCorruptedException {
        descriptor.set(ValueLayout.JAVA_LONG, PoolLayout.DESCRIPTOR_OFFSET_OFFSET, poolOffset);
        descriptor.set(ValueLayout.JAVA_INT, PoolLayout.DESCRIPTOR_LENGTH_OFFSET, length);
        if (!out.offerMessage(descriptor, 0, PoolLayout.DESCRIPTOR_LENGTH)) {
            return 0;
        }
        // The receiver's hold, taken before publication makes the descriptor visible to it.
        connection.outPool.retainForDescriptor(poolOffset);
        sentDescriptors = true;
        counters.add(Counters.DESCRIPTORS_SENT, 1);
        return length;
    }

    private static int offer(RingProducer out, MemorySegment src, long offset, int length)
            throws RingCorruptedException {
        int written = 0;
        while (written < length) {
            int n = out.offer(src, offset + written, length - written);
            if (n == 0) {
                break;
            }
            written += n;
        }
        return written;
    }

    /**
     * The memory of a buffer that has one contiguous region, indexed as the buffer is. Direct memory is reached by
     * its address, which needs the native access the library asks for.
     */
    @SuppressWarnings("restricted") // the address and capacity come from Netty's own buffer
    private static MemorySegment memoryOf(ByteBuf buf) {
        if (buf.hasMemoryAddress()) {
            return MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
        }
        return MemorySegment.ofArray(buf.array()).asSlice(buf.arrayOffset(), buf.capacity());
    }

    private void writeEndOfStream() throws IOException {
        if (endOfStreamPending && connection.out.offerEndOfStream()) {
            endOfStreamPending = false;
            wakePeer(connection.out.publish());
        }
    }

    // ---------------------------------------------------------------- driven by the ShmIoHandler

    /** Moves what can be moved; see {@link ShmIoHandle#poll()}. */
    private int poll() {
        if (state != State.ACTIVE) {
            return 0;
        }
        int work = 0;
        try {
            if (waitingForSpace) {
                ((ShmUnsafe) unsafe()).flushNow();
                work += waitingForSpace ? 0 : 1;
            }
            if (endOfStreamPending) {
                writeEndOfStream();
            }
            // A failed flush closes the channel; what follows is for open channels.
            if (state != State.ACTIVE) {
                return work + 1;
            }
            if (!peerGone && connection.peerClosed()) {
                peerGone = true;
            }
            checkPools();
            if (waitingForPool) {
                checkPoolCrowding();
                work += waitingForPool ? 0 : 1;
            }
            if (readRequested && !inputShutdown) {
                work += readFromRing();
            } else if (!inputShutdown && sharedPending == null && connection.in.atEndOfStream()) {
                // The peer shut its output with every byte already read: say so without waiting for a read.
                inputEnded();
                work++;
            }
            if (state == State.ACTIVE && peerGone && !inputShutdown
                    && sharedPending == null && (connection.in.isEndOfStream() || connection.in.isEmpty())) {
                // The peer is gone and everything it sent has been delivered: to this side that is a FIN, as on
                // TCP — half-closure keeps the channel open until a write fails, else it closes now.
                inputEnded();
                work++;
            }
        } catch (IOException e) {
            // A corrupt ring (RingCorruptedException) or a failed doorbell: this connection cannot go on.
            pipeline().fireExceptionCaught(e);
            unsafe().close(unsafe().voidPromise());
            work++;
        }
        return work;
    }

    private void checkPools() throws PoolCorruptedException {
        checkPool(connection.outPool);
        checkPool(connection.inPool);
    }

    private static void checkPool(ShmPool pool) throws PoolCorruptedException {
        String corruption = pool == null ? null : pool.corruption();
        if (corruption != null) {
            throw new PoolCorruptedException(corruption);
        }
    }

    private int readFromRing() throws IOException {
        // Most polls of a spinning loop find nothing. Leave before the allocator: a buffer handed out and taken back
        // on each of them, with a leak-detection trace for one in 128, delayed the poll that found the next message.
        if (sharedPending == null && connection.in.isEmpty()) {
            return 0;
        }
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        allocHandle.reset(config);
        ChannelPipeline pipeline = pipeline();
        // Copied bytes go to ordinary buffers: the pool is for what this side sends.
        ByteBufAllocator alloc = alloc() == config.poolAllocator() ? config.poolAllocator().fallback() : alloc();
        int total = 0;
        boolean endOfStream = false;
        ByteBuf buf = null;
        try {
            do {
                ByteBuf shared = nextShared(allocHandle);
                if (shared != null) {
                    int n = shared.readableBytes();
                    counters.add(Counters.BYTES_READ, n);
                    counters.add(Counters.READS, 1);
                    allocHandle.incMessagesRead(1);
                    total += n;
                    readRequested = false;
                    pipeline.fireChannelRead(shared);
                    continue;
                }
                if (connection.in.isEmpty()) {
                    break;
                }
                buf = allocHandle.allocate(alloc);
                int writable = buf.writableBytes();
                allocHandle.attemptedBytesRead(writable);
                int n = buf.hasMemoryAddress() || buf.hasArray()
                        ? connection.in.read(memoryOf(buf), buf.writerIndex(), writable)
                        : connection.in.read(MemorySegment.ofBuffer(buf.internalNioBuffer(buf.writerIndex(), writable)),
                                0, writable);
                if (n <= 0) {
                    buf.release();
                    buf = null;
                    endOfStream = n < 0;
                    break;
                }
                buf.writerIndex(buf.writerIndex() + n);
                counters.add(Counters.BYTES_READ, n);
                counters.add(Counters.READS, 1);
                allocHandle.lastBytesRead(n);
                allocHandle.incMessagesRead(1);
                total += n;
                readRequested = false;
                ByteBuf delivered = buf;
                buf = null;
                pipeline.fireChannelRead(delivered);
            } while (allocHandle.continueReading() && state == State.ACTIVE);
        } finally {
            if (buf != null) {
                buf.release();
            }
        }
        if (total > 0) {
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (state == State.ACTIVE) {
                wakePeer(connection.in.takeProducerWakeup());
            }
        }
        if (endOfStream) {
            inputEnded();
        }
        return total + (endOfStream ? 1 : 0);
    }

    /**
     * The next part of a received shared buffer, if one is being read: as many bytes as the receive allocator's
     * guess, so that reads follow the channel's {@link RecvByteBufAllocator} as on a socket — a slice, not a copy.
     */
    private ByteBuf nextShared(RecvByteBufAllocator.Handle allocHandle) throws IOException {
        if (sharedPending == null) {
            sharedPending = receiveDescriptor();
            if (sharedPending == null) {
                return null;
            }
        }
        int guess = allocHandle.guess();
        int n = Math.min(guess, sharedPending.readableBytes());
        allocHandle.attemptedBytesRead(guess);
        allocHandle.lastBytesRead(n);
        if (n == sharedPending.readableBytes()) {
            ByteBuf whole = sharedPending;
            sharedPending = null;
            return whole;
        }
        return sharedPending.readRetainedSlice(n);
    }

    /** The buffer the next ring record describes, if it is a descriptor; {@code null} otherwise. */
    private ByteBuf receiveDescriptor() throws IOException {
        int length = connection.in.readMessage(descriptor, 0);
        if (length < 0) {
            return null;
        }
        if (length != PoolLayout.DESCRIPTOR_LENGTH || connection.inPool == null) {
            throw new PoolCorruptedException(connection.name() + ": a message of " + length
                    + " bytes where only descriptors of " + PoolLayout.DESCRIPTOR_LENGTH + " bytes are sent"
                    + (connection.inPool == null ? ", on a connection without pools" : ""));
        }
        counters.add(Counters.DESCRIPTORS_RECEIVED, 1);
        return connection.inPool.receive(alloc(), descriptor.get(ValueLayout.JAVA_LONG,
                PoolLayout.DESCRIPTOR_OFFSET_OFFSET), descriptor.get(ValueLayout.JAVA_INT,
                PoolLayout.DESCRIPTOR_LENGTH_OFFSET));
    }

    /**
     * The peer shut its output down and every byte before has been delivered: half-close, or close, as a TCP
     * channel does on a FIN. Both events fire at once, since nothing is left to read.
     */
    private void inputEnded() {
        readRequested = false;
        if (inputShutdown) {
            return;
        }
        if (config.isAllowHalfClosure()) {
            inputShutdown = true;
            pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            inputShutdownReadComplete();
        } else {
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void inputShutdownReadComplete() {
        if (!inputShutdownReadCompleteFired && isActive()) {
            inputShutdownReadCompleteFired = true;
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    private boolean prepareToSleep(Wakeup how) {
        if (state != State.ACTIVE) {
            return true;
        }
        try {
            if (readRequested && sharedPending != null) {
                return false;
            }
            if (readRequested || peerGone) {
                if (!connection.in.prepareToSleep(how)) {
                    return false;
                }
                sleepingOnInput = true;
            }
            if (waitingForSpace || endOfStreamPending) {
                if (!connection.out.prepareToWaitForSpace(how)) {
                    return false;
                }
                sleepingOnOutput = true;
            }
            return true;
        } catch (RingCorruptedException e) {
            // poll() meets it again and closes the channel.
            return false;
        }
    }

    private void cancelSleep() {
        if (sleepingOnInput) {
            sleepingOnInput = false;
            if (state == State.ACTIVE) {
                connection.in.cancelSleep();
            }
        }
        if (sleepingOnOutput) {
            sleepingOnOutput = false;
            if (state == State.ACTIVE) {
                connection.out.cancelWaitForSpace();
            }
        }
    }

    /**
     * Has the {@link PeerWatch} listen to the socket while the loop sleeps on futexes, which do not hear the peer's
     * end; a watch that fired listens again once the loop has been back, and a watch that failed is replaced.
     */
    private void armPeerWatch() {
        if (peerGone || state != State.ACTIVE) {
            return;
        }
        try {
            if (watchKey != null && watchKey.isValid()) {
                if (watchKey.interestOps() == 0) {
                    PeerWatch.rearm(watchKey);
                }
                return;
            }
        } catch (CancelledKeyException watchFailedMeanwhile) {
            // Its selector closed: watch anew below.
        }
        try {
            watchKey = PeerWatch.watch(socket, this::socketMayHaveEnded);
            // No watch can run: the loop hears this socket in its own selector from its next sleep on.
            unwatched = watchKey == null;
        } catch (IOException socketClosed) {
            peerEnded();
        }
    }

    /** On the {@link PeerWatch}'s thread: the socket is readable, most likely at its end. */
    private void socketMayHaveEnded() {
        try {
            // A task wakes the loop, futex and all, and runs where the socket may be read.
            eventLoop().execute(() -> {
                if (state == State.ACTIVE) {
                    socketReady();
                }
            });
        } catch (RejectedExecutionException loopEnded) {
            // The loop closes its channels as it ends.
        }
    }

    /**
     * Counts a wake-up of the peer the ring has made or asked for ({@code how}, as the ring's {@code publish()}
     * says), and rings the doorbell if the peer sleeps in its selector.
     */
    private void wakePeer(Wakeup how) {
        if (how != Wakeup.NONE) {
            counters.add(Counters.DOORBELLS_RUNG, 1);
            if (how == Wakeup.DOORBELL) {
                ringDoorbell();
            }
        }
    }

    /** Tells a peer asleep in its selector there is work: a byte on the socket wakes it. */
    private void ringDoorbell() {
        try {
            doorbell.clear().put((byte) 1).flip();
            // A full socket buffer (0 written) means doorbells are already waiting to be read: enough.
            socket.write(doorbell);
        } catch (IOException peerClosed) {
            peerGone = true;
        }
    }

    /** The socket is readable: during the handshake, the server's reply; afterwards, doorbells or the end. */
    private void socketReady() {
        try {
            if (state == State.CONNECTING) {
                readReply();
                return;
            }
            for (;;) {
                doorbell.clear();
                int n = socket.read(doorbell);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    peerEnded();
                    return;
                }
                counters.add(Counters.DOORBELLS_RECEIVED, n);
            }
        } catch (IOException e) {
            if (state == State.CONNECTING) {
                failConnect(e);
            } else {
                peerEnded();
            }
        }
    }

    private void peerEnded() {
        peerGone = true;
        if (key != null && key.isValid()) {
            // The end stays readable; stop selecting it.
            key.interestOps(0);
        }
    }

    private void readReply() throws IOException {
        if (socket.read(handshake) < 0) {
            throw new ConnectException(remoteAddress + ": the server closed the connection during the handshake");
        }
        Handshake.Reply reply = Handshake.parseReply(handshake);
        if (reply == null) {
            return;
        }
        if (!reply.ok()) {
            throw new ConnectException(remoteAddress + ": the server refused the connection");
        }
        handshake = null;
        state = State.ACTIVE;
        PendingSegments.remove(connection);
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        ChannelPromise promise = connectPromise;
        connectPromise = null;
        boolean promiseSet = promise != null && promise.trySuccess();
        pipeline().fireChannelActive();
        if (!promiseSet) {
            // The user cancelled the connect meanwhile.
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void failConnect(Throwable cause) {
        ChannelPromise promise = connectPromise;
        connectPromise = null;
        if (promise != null) {
            promise.tryFailure(cause);
        }
        unsafe().close(unsafe().voidPromise());
    }

    private final class ShmUnsafe extends AbstractUnsafe implements ShmIoHandle, SelectionHandler {

        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            // Not made uncancellable: a connect waits for the server's reply, and a user may give up waiting, as with
            // Netty's NIO and epoll sockets. Cancelling closes the channel (below).
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            if (state == State.CONNECTING) {
                promise.setFailure(new ConnectionPendingException());
                return;
            }
            if (state == State.ACTIVE) {
                promise.setFailure(new AlreadyConnectedException());
                return;
            }
            if (!(remote instanceof ShmAddress address)) {
                promise.setFailure(new UnsupportedAddressTypeException());
                return;
            }
            try {
                SharedMemoryDirectory directory = SharedMemoryDirectory.system();
                socket = Endpoint.connect(directory, address);
                connection = PendingSegments.create(directory, config.getRingCapacity(), config.getPoolSize());
                config.poolAllocator().attach(connection.outPool);
                ByteBuffer hello = Handshake.hello(connection.name(), config.getRingCapacity(),
                        config.getPoolSize());
                socket.write(hello);
                if (hello.hasRemaining()) {
                    throw new ConnectException(address + ": could not send the handshake");
                }
                handshake = ByteBuffer.allocate(Handshake.REPLY_LENGTH);
                remoteAddress = address;
                localAddress = new ShmAddress(connection.name());
                state = State.CONNECTING;
                connectPromise = promise;
                promise.addListener(f -> {
                    if (f.isCancelled()) {
                        close(voidPromise());
                    }
                });
                key = socket.register(handler.selector(), SelectionKey.OP_READ, this);
                int timeoutMillis = config.getConnectTimeoutMillis();
                if (timeoutMillis > 0) {
                    connectTimeout = eventLoop().schedule(() -> failConnect(new ConnectTimeoutException(
                            address + ": no handshake reply within " + timeoutMillis + " ms")),
                            timeoutMillis, TimeUnit.MILLISECONDS);
                }
            } catch (Throwable t) {
                promise.tryFailure(t);
                // What the attempt opened (socket, segment) goes with the channel, as Bootstrap expects.
                close(voidPromise());
            }
        }

        void flushNow() {
            super.flush0();
        }

        @Override
        public void registered(ShmIoHandler shmHandler, IoRegistration ioRegistration) {
            handler = shmHandler;
            if (socket != null && state != State.CLOSED) {
                try {
                    key = register(socket, shmHandler);
                    if (peerGone) {
                        key.interestOps(0);
                    }
                } catch (IOException e) {
                    pipeline().fireExceptionCaught(e);
                    close(voidPromise());
                }
            }
        }

        private SelectionKey register(SocketChannel channel, ShmIoHandler shmHandler) throws IOException {
            try {
                return channel.register(shmHandler.selector(), SelectionKey.OP_READ, this);
            } catch (CancelledKeyException cancelledNotYetDeregistered) {
                // The key of an earlier registration with this selector is cancelled but still there until the
                // selector's next select: run one, then register.
                shmHandler.selector().selectNow();
                return channel.register(shmHandler.selector(), SelectionKey.OP_READ, this);
            }
        }

        @Override
        public void unregistered() {
            if (key != null) {
                key.cancel();
                key = null;
            }
            handler = null;
        }

        @Override
        public int poll() {
            int work = ShmChannel.this.poll();
            if (work == 0) {
                counters.add(Counters.EMPTY_POLLS, 1);
            }
            return work;
        }

        @Override
        public boolean prepareToSleep(Wakeup how) {
            return ShmChannel.this.prepareToSleep(how);
        }

        @Override
        public boolean needsSelector() {
            // Only the handshake's reply comes by socket alone; once active, a futex sleep hears the rings, and the
            // peer watch the socket's end.
            return state == State.CONNECTING || unwatched;
        }

        @Override
        public void addWaitWords(FutexWaitSet waits) {
            armPeerWatch();
            if (sleepingOnInput) {
                waits.add(connection.in.consumerWaitingWord(), Wakeup.FUTEX.word);
            }
            if (sleepingOnOutput) {
                waits.add(connection.out.producerWaitingWord(), Wakeup.FUTEX.word);
            }
        }

        @Override
        public void cancelSleep() {
            ShmChannel.this.cancelSleep();
        }

        @Override
        public long sleepLimitNanos() {
            return waitingForPool ? POOL_WAIT_NANOS : Long.MAX_VALUE;
        }

        @Override
        public boolean closeIfCut(InternalError fault) {
            if (connection == null || !connection.cut()) {
                return false;
            }
            if (isOpen()) {
                pipeline().fireExceptionCaught(new IOException(ShmChannel.this + ": touching the connection's shared"
                        + " memory faulted; the peer cut the segment short", fault));
                close(voidPromise());
            }
            return true;
        }

        @Override
        public void selected(int readyOps) {
            socketReady();
        }

        @Override
        public void close() {
            close(voidPromise());
        }
    }

    /**
     * The channel's counters now. Thread-safe: callable from any thread, for logging or a metrics registry; the
     * counts are written by the event loop alone and read without locking, so a snapshot taken elsewhere may lag
     * the loop by a few updates, and its fields are not one instant's.
     */
    public ShmChannelMetrics metrics() {
        // The volatile read of the state first: it orders the read of the connection after the loop's write of it.
        boolean active = state == State.ACTIVE;
        Connection current = connection;
        long outFill = 0;
        long inFill = 0;
        if (active && current != null) {
            outFill = current.out.pendingBytes();
            inFill = current.in.pendingBytes();
        }
        return counters.snapshot(config.poolAllocator().fallbacks(), outFill, inFill);
    }

    /** The connection's shared memory, for tests that play a hostile peer; {@code null} before connecting. */
    Connection connection() {
        return connection;
    }

    @Override
    public String toString() {
        return "ShmChannel[" + localAddress + " -> " + remoteAddress + ", " + state + "]";
    }
}
