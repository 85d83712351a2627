package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.FutexWaitSet;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.Wakeup;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;

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

    private static final System.Logger LOG = System.getLogger(ShmChannel.class.getName());
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    /**
     * The channel's life. A client moves down the table; a server's child starts active.
     *
     * <pre>
     *  state       reached by                                  the segment              the socket
     *  ----------  ------------------------------------------  -----------------------  -------------------------
     *  OPEN        new ShmChannel()                            none                     none
     *  CONNECTING  connect(): segment created or a spare       mapped, named if fresh   awaits the reply
     *              reused, hello sent
     *  ACTIVE      the server's accepting reply                mapped, name removed     doorbells, the peer's end
     *  CLOSED      close(); a refused, failed or timed-out     kept as a spare, or      closed: the peer sees
     *              connect; a corrupt ring or pool             unmapped, once the       the end
     *                                                          loop's run and every
     *                                                          buffer over it are done
     * </pre>
     */
    private enum State { OPEN, CONNECTING, ACTIVE, CLOSED }

    private final ShmChannelConfig config;
    /** Counted on the event loop, read from any thread: see {@link #metrics()}. */
    private final Counters counters = new Counters();
    private volatile State state;
    private volatile SocketAddress localAddress;
    private volatile SocketAddress remoteAddress;
    /** The way the connection runs, once it is known; {@code null} before. */
    private volatile ShmRoute route;

    // Confined to the event loop from here on. The connection and its halves are set on connect, or for a child at
    // once, and never change: a closed channel is not connected again.
    private ShmIoHandler handler;
    private IoRegistration registration;
    private PeerSocket peer;
    private Connection connection;
    private Inbound inbound;
    private Outbound outbound;
    /** The client's handshake, while it is {@link State#CONNECTING}. */
    private ClientHandshake handshake;
    /** The TCP address to fall back to if the handshake over shared memory fails; {@code null} if none. */
    private InetSocketAddress fallback;
    /** A client's key of its server's spare segments ({@link SpareSegments}). */
    private String serverKey;
    /** The connection's socket when it runs over TCP; {@code null} over shared memory. */
    private TcpStream tcp;
    /** A TCP connect's promise, while it is {@link State#CONNECTING}. */
    private ChannelPromise tcpConnect;
    private ScheduledFuture<?> tcpConnectTimeout;

    /** A client channel; {@code connect} it to a {@link ShmAddress}. */
    @SuppressWarnings("this-escape") // the config only keeps the channel; Netty's channels all hand themselves so
    public ShmChannel() {
        super(null);
        config = new ShmChannelConfig(this);
        state = State.OPEN;
    }

    /** A server's child, connected: the handshake is done. */
    @SuppressWarnings("this-escape") // as above
    ShmChannel(ShmServerChannel parent, SocketChannel socket, Connection connection, ShmAddress remoteAddress) {
        super(parent);
        config = new ShmChannelConfig(this);
        attach(new PeerSocket(socket, counters), connection);
        this.localAddress = parent.localAddress();
        this.remoteAddress = remoteAddress;
        this.route = ShmRoute.SHARED_MEMORY;
        this.state = State.ACTIVE;
        ShmTransportMetrics.opened(this);
    }

    /** A server's child that a remote or plain TCP client connected over TCP. */
    @SuppressWarnings("this-escape") // as above
    ShmChannel(ShmServerChannel parent, SocketChannel tcpSocket) throws IOException {
        super(parent);
        config = new ShmChannelConfig(this);
        tcp = new TcpStream(this, tcpSocket, counters);
        this.localAddress = tcpSocket.getLocalAddress();
        this.remoteAddress = tcpSocket.getRemoteAddress();
        this.route = ShmRoute.TCP;
        this.state = State.ACTIVE;
        ShmTransportMetrics.opened(this);
    }

    /** Takes {@code connection} on: its pool serves the allocator, and the two halves move its bytes. */
    private void attach(PeerSocket socket, Connection attached) {
        peer = socket;
        connection = attached;
        config.poolAllocator().attach(attached.outPool);
        inbound = new Inbound(this, attached, socket, counters);
        outbound = new Outbound(attached, socket, config, counters);
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

    /**
     * The way this connection runs: {@link ShmRoute#SHARED_MEMORY} or {@link ShmRoute#TCP}; {@code null} until it
     * is connected. Thread-safe.
     *
     * <p>Over shared memory, a client connected by {@link ShmAddress} has the segment's name as its local address
     * and the server's as its remote one; connected by {@link InetSocketAddress}, its remote address is that TCP
     * address. Over TCP, both are the socket's.
     */
    public ShmRoute route() {
        return route;
    }

    @Override
    public boolean isOpen() {
        return state != State.CLOSED;
    }

    @Override
    public boolean isActive() {
        return state == State.ACTIVE;
    }

    // The volatile read of the state first: the halves were set before the state became active.

    @Override
    public boolean isInputShutdown() {
        return !isActive() || (tcp != null ? tcp.isInputShutdown() : inbound.isShutdown());
    }

    @Override
    public boolean isOutputShutdown() {
        return !isActive() || (tcp != null ? tcp.isOutputShutdown() : outbound.isShutdown());
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
        if (tcp != null) {
            tcp.shutdownInput();
        } else {
            inbound.shutdown();
        }
        promise.setSuccess();
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
        if (state == State.ACTIVE) {
            ShmTransportMetrics.closed(this);
        }
        state = State.CLOSED;
        config.poolAllocator().attach(null);
        if (inbound != null) {
            inbound.release();
        }
        if (handshake != null) {
            ChannelPromise promise = handshake.end();
            handshake = null;
            if (promise != null) {
                promise.tryFailure(new ClosedChannelException());
            }
        }
        if (tcp != null) {
            ChannelPromise promise = endTcpConnect();
            if (promise != null) {
                promise.tryFailure(new ClosedChannelException());
            }
            tcp.close();
            return;
        }
        try {
            // Closing the socket tells the peer; it reads what the ring still holds, then sees the end.
            if (peer != null) {
                peer.close();
            }
        } finally {
            if (connection != null) {
                if (peer != null && peer.peerGone() && !connection.peerClosed()) {
                    // The peer died without closing: it may have left a record half written.
                    connection.spoil();
                }
                try {
                    PendingSegments.abandon(connection);
                } finally {
                    if (handler != null) {
                        handler.closeAfterRun(connection);
                    } else {
                        connection.close();
                    }
                }
            }
        }
    }

    @Override
    protected void doBeginRead() {
        if (tcp != null) {
            tcp.beginRead();
        } else if (inbound != null) {
            inbound.requestRead();
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
        if (tcp != null) {
            tcp.shutdownOutput();
        } else {
            outbound.shutdown();
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        switch (state) {
            case OPEN, CONNECTING -> throw new NotYetConnectedException();
            case CLOSED -> throw new ClosedChannelException();
            case ACTIVE -> {
            }
        }
        if (tcp != null) {
            tcp.write(in);
            return;
        }
        if (peer.peerGone() || connection.peerClosed()) {
            throw new ClosedChannelException();
        }
        outbound.write(in, connection);
    }

    // ---------------------------------------------------------------- driven by the ShmIoHandler

    /** Moves what can be moved; see {@link ShmIoHandle#poll()}. */
    private int poll() {
        if (state != State.ACTIVE || tcp != null) {
            return 0;
        }
        int work = 0;
        try {
            if (outbound.waitingForSpace()) {
                ((ShmUnsafe) unsafe()).flushNow();
                work += outbound.waitingForSpace() ? 0 : 1;
            }
            outbound.writeEndOfStream();
            // A failed flush closes the channel; what follows is for open channels.
            if (state != State.ACTIVE) {
                return work + 1;
            }
            if (!peer.peerGone() && connection.peerClosed()) {
                peer.peerEnded();
            }
            connection.checkPools();
            work += outbound.relievePool(unsafe().outboundBuffer());
            work += inbound.read();
            if (inbound.hasEnded()) {
                inbound.end();
                work++;
            }
        } catch (IOException e) {
            // A corrupt ring or pool: this connection cannot go on, nor its segment carry another.
            connection.spoil();
            pipeline().fireExceptionCaught(e);
            unsafe().close(unsafe().voidPromise());
            work++;
        }
        return work;
    }

    /** The socket is readable: during the handshake, the server's reply; afterwards, doorbells or the end. */
    private void socketReady() {
        if (state != State.CONNECTING) {
            peer.drain();
            return;
        }
        try {
            switch (handshake.readReply(peer.socket())) {
                case Handshake.OK -> connected();
                case Handshake.UNKNOWN -> sendFreshSegment();
                default -> {
                    // The rest of the reply is still on its way.
                }
            }
        } catch (IOException e) {
            failConnect(e);
        }
    }

    /**
     * The server no longer has the spare the hello named — it let go of it, or it is a new server under the name: a
     * fresh segment goes in its place, over the same socket.
     */
    private void sendFreshSegment() throws IOException {
        handler.closeAfterRun(connection);
        attach(peer, PendingSegments.create(SharedMemoryDirectory.system(), config.getRingCapacity(),
                config.getPoolSize(), serverKey));
        localAddress = new ShmAddress(connection.name());
        handshake.sendHello(peer.socket(), connection, config);
    }

    /** The server accepted: the segment is both sides' now. */
    private void connected() {
        ChannelPromise promise = handshake.end();
        handshake = null;
        state = State.ACTIVE;
        PendingSegments.remove(connection);
        connection.established();
        ShmTransportMetrics.opened(this);
        boolean promiseSet = promise != null && promise.trySuccess();
        pipeline().fireChannelActive();
        if (!promiseSet) {
            // The user cancelled the connect meanwhile.
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void failConnect(Throwable cause) {
        ChannelPromise promise = handshake == null ? null : handshake.end();
        handshake = null;
        if (promise != null && fallback != null && !(cause instanceof ConnectTimeoutException)
                && !promise.isDone()) {
            // The server found by its TCP address refused or went away during the handshake: TCP answers instead.
            fallBackToTcp(promise, cause);
            return;
        }
        if (promise != null) {
            promise.tryFailure(cause);
        }
        unsafe().close(unsafe().voidPromise());
    }

    /** The attempt over shared memory failed for {@code cause}: connects to {@link #fallback} over TCP instead. */
    private void fallBackToTcp(ChannelPromise promise, Throwable cause) {
        InetSocketAddress tcpAddress = fallback;
        LOG.log(System.Logger.Level.DEBUG, "shared memory to {0} failed, falling back to TCP: {1}", tcpAddress,
                cause.toString());
        abandonSharedMemory();
        ShmTransportMetrics.fellBackToTcp();
        connectTcp(tcpAddress, promise);
    }

    /** Lets go of a connect over shared memory that failed, so that the channel can connect over TCP instead. */
    private void abandonSharedMemory() {
        config.poolAllocator().attach(null);
        Connection abandoned = connection;
        PeerSocket socket = peer;
        peer = null;
        connection = null;
        inbound = null;
        outbound = null;
        fallback = null;
        localAddress = null;
        state = State.OPEN;
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the socket of an abandoned handshake failed", e);
        } finally {
            if (abandoned != null) {
                try {
                    PendingSegments.abandon(abandoned);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "removing the segment of an abandoned handshake failed", e);
                } finally {
                    if (handler != null) {
                        handler.closeAfterRun(abandoned);
                    } else {
                        abandoned.close();
                    }
                }
            }
        }
    }

    /** Connects over TCP to {@code remote}; {@code promise} ends with the connect. */
    private void connectTcp(InetSocketAddress remote, ChannelPromise promise) {
        try {
            tcp = new TcpStream(this, SocketChannel.open(), counters);
            route = ShmRoute.TCP;
            remoteAddress = remote;
            if (handler != null) {
                tcp.register(handler);
            }
            if (tcp.connect(remote)) {
                tcpConnected(promise);
                return;
            }
            state = State.CONNECTING;
            tcpConnect = promise;
            int timeoutMillis = config.getConnectTimeoutMillis();
            if (timeoutMillis > 0) {
                tcpConnectTimeout = eventLoop().schedule(() -> failTcpConnect(new ConnectTimeoutException(
                        "connection timed out after " + timeoutMillis + " ms: " + remote)), timeoutMillis,
                        TimeUnit.MILLISECONDS);
            }
        } catch (Throwable t) {
            promise.tryFailure(annotate(t, remote));
            unsafe().close(unsafe().voidPromise());
        }
    }

    /** The selector says the TCP connect may be done. */
    void tcpConnectable() {
        if (state != State.CONNECTING || tcpConnect == null) {
            return;
        }
        try {
            tcp.finishConnect();
            tcpConnected(endTcpConnect());
        } catch (Throwable t) {
            failTcpConnect(annotate(t, (InetSocketAddress) remoteAddress));
        }
    }

    private void tcpConnected(ChannelPromise promise) throws IOException {
        localAddress = tcp.socket().getLocalAddress();
        state = State.ACTIVE;
        ShmTransportMetrics.opened(this);
        boolean promiseSet = promise.trySuccess();
        pipeline().fireChannelActive();
        if (!promiseSet) {
            // The user cancelled the connect meanwhile.
            unsafe().close(unsafe().voidPromise());
        }
    }

    private void failTcpConnect(Throwable cause) {
        ChannelPromise promise = endTcpConnect();
        if (promise != null) {
            promise.tryFailure(cause);
        }
        unsafe().close(unsafe().voidPromise());
    }

    private ChannelPromise endTcpConnect() {
        if (tcpConnectTimeout != null) {
            tcpConnectTimeout.cancel(false);
            tcpConnectTimeout = null;
        }
        ChannelPromise promise = tcpConnect;
        tcpConnect = null;
        return promise;
    }

    /** A failed TCP connect, naming the address as Netty's socket channels do. */
    private static Throwable annotate(Throwable cause, InetSocketAddress remote) {
        if (cause instanceof ConnectException && !(cause instanceof ConnectTimeoutException)) {
            ConnectException named = new ConnectException(cause.getMessage() + ": " + remote);
            named.initCause(cause);
            return named;
        }
        return cause;
    }

    /** Writes what the outbound buffer holds now: the socket or the ring has room again. */
    void flushNow() {
        ((ShmUnsafe) unsafe()).flushNow();
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
            if (remote instanceof InetSocketAddress inet) {
                connectByTcpAddress(inet, promise);
                return;
            }
            if (!(remote instanceof ShmAddress address)) {
                promise.setFailure(new UnsupportedAddressTypeException());
                return;
            }
            connectShm(address, address, promise);
        }

        /**
         * Connects to a TCP address: over shared memory to the local server that serves it, if there is one and the
         * route allows it, else over TCP.
         */
        private void connectByTcpAddress(InetSocketAddress remote, ChannelPromise promise) {
            ShmRoute wanted = config.getRoute();
            ShmAddress local = wanted == ShmRoute.TCP ? null : TcpRegistry.lookup(SharedMemoryDirectory.system(),
                    remote);
            if (local == null) {
                if (wanted == ShmRoute.SHARED_MEMORY) {
                    promise.setFailure(new ConnectException("no server of this host serves " + remote
                            + " over shared memory, and the route is forced to SHARED_MEMORY"));
                    close(voidPromise());
                } else {
                    connectTcp(remote, promise);
                }
                return;
            }
            fallback = wanted == ShmRoute.AUTO ? remote : null;
            connectShm(local, remote, promise);
        }

        /** Connects over shared memory to the server named {@code address}; {@code remote} is what the user gave. */
        private void connectShm(ShmAddress address, SocketAddress remote, ChannelPromise promise) {
            try {
                SharedMemoryDirectory directory = SharedMemoryDirectory.system();
                PeerSocket socket = new PeerSocket(Endpoint.connect(directory, address), counters);
                // The socket goes with the channel from here on, whatever fails next.
                peer = socket;
                serverKey = SpareSegments.serverKey(directory, address);
                SharedMemory spare = SpareSegments.takeForClient(serverKey, config.getRingCapacity(),
                        config.getPoolSize());
                attach(socket, spare != null
                        ? Connection.reuse(spare, config.getRingCapacity(), config.getPoolSize(), serverKey)
                        : PendingSegments.create(directory, config.getRingCapacity(), config.getPoolSize(), serverKey));
                handshake = new ClientHandshake(socket.socket(), connection, config, address);
                remoteAddress = remote;
                route = ShmRoute.SHARED_MEMORY;
                localAddress = new ShmAddress(connection.name());
                state = State.CONNECTING;
                handshake.await(promise, eventLoop(), config.getConnectTimeoutMillis(), ShmChannel.this::failConnect);
                promise.addListener(f -> {
                    if (f.isCancelled()) {
                        close(voidPromise());
                    }
                });
                socket.register(handler, this);
            } catch (Throwable t) {
                if (fallback != null && !promise.isDone()) {
                    // No server behind the name after all, or no room or right to share memory with it.
                    fallBackToTcp(promise, t);
                    return;
                }
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
            if (tcp != null && state != State.CLOSED) {
                try {
                    tcp.register(shmHandler);
                } catch (IOException e) {
                    pipeline().fireExceptionCaught(e);
                    close(voidPromise());
                }
            }
            if (peer != null && state != State.CLOSED) {
                try {
                    peer.register(shmHandler, this);
                } catch (IOException e) {
                    pipeline().fireExceptionCaught(e);
                    close(voidPromise());
                }
            }
        }

        @Override
        public void unregistered() {
            if (peer != null) {
                peer.deregister();
            }
            if (tcp != null) {
                tcp.deregister();
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
            if (state != State.ACTIVE || tcp != null) {
                return true;
            }
            try {
                return inbound.prepareToSleep(how) && outbound.prepareToSleep(how);
            } catch (RingCorruptedException e) {
                // poll() meets it again and closes the channel.
                return false;
            }
        }

        @Override
        public boolean needsSelector() {
            // Only the handshake's reply comes by socket alone; once active, a futex sleep hears the rings, and the
            // peer watch the socket's end.
            return tcp != null || state == State.CONNECTING || peer != null && peer.unwatched();
        }

        @Override
        public boolean watchesRings() {
            return state == State.ACTIVE && tcp == null;
        }

        @Override
        public boolean streamsOverTcp() {
            return tcp != null;
        }

        @Override
        public void addWaitWords(FutexWaitSet waits) {
            if (state != State.ACTIVE || tcp != null) {
                return;
            }
            peer.watch(eventLoop(), () -> {
                if (state == State.ACTIVE) {
                    socketReady();
                }
            });
            inbound.wakeRequest().addTo(waits);
            outbound.wakeRequest().addTo(waits);
        }

        @Override
        public void cancelSleep() {
            if (inbound != null) {
                // A closed channel's rings may be unmapped already: its requests are dropped, not withdrawn.
                boolean mapped = state == State.ACTIVE;
                inbound.wakeRequest().withdraw(mapped);
                outbound.wakeRequest().withdraw(mapped);
            }
        }

        @Override
        public long sleepLimitNanos() {
            return outbound == null ? Long.MAX_VALUE : outbound.sleepLimitNanos();
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
        Connection active = isActive() ? connection : null;
        return counters.snapshot(config.poolAllocator().fallbacks(), active == null ? 0 : active.out.pendingBytes(),
                active == null ? 0 : active.in.pendingBytes());
    }

    /** The connection's shared memory, for tests that play a hostile peer; {@code null} before connecting. */
    Connection connection() {
        return connection;
    }
}
