package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.Wakeup;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import io.netty.channel.AbstractServerChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The listening side of the transport: binds a {@link ShmAddress}, or a TCP address, and accepts {@link ShmChannel}s.
 *
 * <pre>{@code
 * new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(init).bind(new ShmAddress("orders"));
 * new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(init).bind(new InetSocketAddress(8080));
 * }</pre>
 *
 * A bind of a name fails with {@link java.net.BindException} while a live server holds the name, and takes a name
 * over from a server that crashed. Each accepted connection first completes its handshake on this channel's event
 * loop — the client's segment checked, mapped and unlinked — and only then reaches the pipeline, active.
 *
 * <p>Bound to an {@link InetSocketAddress}, the channel listens on TCP, for remote clients and for any TCP client;
 * its children from there run over TCP. Beside it the channel binds a generated name ({@link #shmAddress()}) and
 * records that it serves the TCP address, so that a {@link ShmChannel} of this host that connects to the TCP address
 * gets shared memory instead ({@link ShmRoute}). {@link ShmChannelOption#ROUTE} {@link ShmRoute#TCP} keeps every
 * client on TCP. The TCP bind fails as a TCP server's would; if the name cannot be bound (a full or unwritable
 * shared-memory directory), the channel serves TCP alone and logs why.
 *
 * <p>Thread safety: as every Netty channel.
 */
public class ShmServerChannel extends AbstractServerChannel {

    private static final System.Logger LOG = System.getLogger(ShmServerChannel.class.getName());
    /** Numbers the names generated beside TCP addresses within this process. */
    private static final AtomicLong NAMES = new AtomicLong();

    private final ServerConfig config = new ServerConfig(this);
    private final Queue<ShmChannel> accepted = new ArrayDeque<>();
    /** Accepted sockets whose client has not finished its hello yet. */
    private final Set<ServerHandshake> pending = new HashSet<>();
    private volatile Endpoint.Bound bound;
    private volatile SocketAddress localAddress;
    /** The name local clients reach this server by; {@code null} if none. */
    private volatile ShmAddress shmAddress;
    /** The listening TCP socket, when bound to a TCP address. */
    private volatile ServerSocketChannel tcpServer;
    private volatile boolean closed;
    /** This server's entry in the {@link TcpRegistry}; {@code null} if none. */
    private Path routeEntry;
    private SelectionKey tcpKey;

    private ShmIoHandler handler;
    private IoRegistration registration;
    private SelectionKey key;
    private SharedMemoryDirectory directory;
    private boolean acceptRequested;

    /** An unbound server channel. */
    public ShmServerChannel() {
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    /**
     * The name this server binds for clients over shared memory: the {@link ShmAddress} it was bound to, or the one
     * generated beside its TCP address; {@code null} before the bind, or if it listens on TCP alone. Thread-safe.
     */
    public ShmAddress shmAddress() {
        return shmAddress;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public boolean isActive() {
        return !closed && (bound != null || tcpServer != null);
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop ioLoop && ioLoop.isCompatible(ServerUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        Registrations.register(eventLoop(), (ServerUnsafe) unsafe(), promise, r -> registration = r);
    }

    @Override
    protected void doDeregister() {
        registration = Registrations.cancel(registration);
    }

    @Override
    protected void doBind(SocketAddress address) throws Exception {
        if (address instanceof InetSocketAddress inet) {
            bindTcp(inet);
            return;
        }
        if (!(address instanceof ShmAddress name)) {
            throw new UnsupportedAddressTypeException();
        }
        bindName(name);
        localAddress = name;
    }

    private void bindName(ShmAddress name) throws IOException {
        directory = SharedMemoryDirectory.system();
        Endpoint.Bound named = Endpoint.Bound.bind(directory, name, config.backlog);
        try {
            key = handler.register(named.server, SelectionKey.OP_ACCEPT, ops -> accept());
        } catch (IOException | RuntimeException e) {
            named.close();
            throw e;
        }
        bound = named;
        shmAddress = name;
    }

    private void bindTcp(InetSocketAddress address) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.configureBlocking(false);
            config.socketOptions.attach(server);
            server.bind(address, config.backlog);
            tcpKey = handler.register(server, SelectionKey.OP_ACCEPT, ops -> acceptTcp());
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        tcpServer = server;
        InetSocketAddress listening = (InetSocketAddress) server.getLocalAddress();
        localAddress = listening;
        if (config.route == ShmRoute.TCP) {
            return;
        }
        ShmAddress name = new ShmAddress("tcp" + listening.getPort() + "-" + ProcessHandle.current().pid() + "-"
                + NAMES.incrementAndGet());
        try {
            bindName(name);
            routeEntry = TcpRegistry.publish(directory, listening, name);
        } catch (IOException | RuntimeException e) {
            // TCP serves everyone still; local clients pay for TCP, and the log says why.
            LOG.log(System.Logger.Level.WARNING, "cannot offer shared memory beside TCP " + listening
                    + "; local clients will use TCP", e);
            closeName();
        }
    }

    @Override
    protected void doClose() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        // The route first, so that no client is sent to the name as it goes.
        closeName();
        ServerSocketChannel server = tcpServer;
        if (server != null) {
            if (tcpKey != null) {
                tcpKey.cancel();
            }
            server.close();
        }
        for (ServerHandshake handshake : pending) {
            handshake.abandon();
        }
        pending.clear();
        ShmChannel child;
        while ((child = accepted.poll()) != null) {
            child.unsafe().closeForcibly();
        }
    }

    /** Withdraws the route and unbinds the name, if there are. */
    private void closeName() {
        try {
            TcpRegistry.withdraw(routeEntry, shmAddress);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + routeEntry, e);
        }
        routeEntry = null;
        if (key != null) {
            key.cancel();
            key = null;
        }
        Endpoint.Bound current = bound;
        bound = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot unbind " + shmAddress, e);
            }
        }
    }

    @Override
    protected void doBeginRead() {
        acceptRequested = true;
        deliverAccepted();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    private void accept() {
        try {
            SocketChannel socket;
            while ((socket = bound.server.accept()) != null) {
                socket.configureBlocking(false);
                ServerHandshake handshake = new ServerHandshake(this, socket, directory);
                try {
                    handshake.register(handler);
                } catch (IOException e) {
                    handshake.abandon();
                    throw e;
                }
                pending.add(handshake);
                // A client sends its hello as soon as it is connected: most often it is here already, and reading it
                // now saves the loop a trip through its selector.
                handshake.selected(SelectionKey.OP_READ);
            }
        } catch (IOException e) {
            if (!closed) {
                pipeline().fireExceptionCaught(e);
            }
        }
    }

    private void acceptTcp() {
        try {
            SocketChannel socket;
            while ((socket = tcpServer.accept()) != null) {
                try {
                    accepted.add(new ShmChannel(this, socket));
                } catch (IOException | RuntimeException e) {
                    socket.close();
                    throw e;
                }
            }
        } catch (IOException e) {
            if (!closed) {
                pipeline().fireExceptionCaught(e);
            }
        }
        deliverAccepted();
    }

    /** {@code handshake} is over: {@code child} is the connection it accepted, or {@code null} if it refused. */
    void handshakeEnded(ServerHandshake handshake, ShmChannel child) {
        pending.remove(handshake);
        if (child != null) {
            accepted.add(child);
            deliverAccepted();
        }
    }

    private void deliverAccepted() {
        if (!acceptRequested || accepted.isEmpty()) {
            return;
        }
        RecvByteBufAllocator.ExtendedHandle allocHandle =
                (RecvByteBufAllocator.ExtendedHandle) unsafe().recvBufAllocHandle();
        allocHandle.reset(config);
        ChannelPipeline pipeline = pipeline();
        do {
            ShmChannel child = accepted.poll();
            if (child == null) {
                break;
            }
            allocHandle.incMessagesRead(1);
            acceptRequested = false;
            pipeline.fireChannelRead(child);
        } while (allocHandle.continueReading());
        allocHandle.readComplete();
        pipeline.fireChannelReadComplete();
    }

    private final class ServerUnsafe extends AbstractUnsafe implements ShmIoHandle {

        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a server channel does not connect"));
        }

        @Override
        public void registered(ShmIoHandler shmHandler, IoRegistration ioRegistration) {
            handler = shmHandler;
        }

        @Override
        public void unregistered() {
            handler = null;
        }

        @Override
        public int poll() {
            return 0;
        }

        @Override
        public boolean prepareToSleep(Wakeup how) {
            return true;
        }

        @Override
        public boolean needsSelector() {
            // Connections arrive on the listening socket.
            return true;
        }

        @Override
        public void cancelSleep() {
        }

        @Override
        public boolean closeIfCut(InternalError fault) {
            // A server channel maps no shared memory.
            return false;
        }

        @Override
        public void close() {
            close(voidPromise());
        }
    }

    /**
     * Netty's options and {@link ShmChannelOption#ROUTE}; a backlog is honoured, socket options apply to the TCP
     * socket if there is one.
     */
    private static final class ServerConfig extends DefaultChannelConfig {

        private volatile int backlog = 128;
        private volatile ShmRoute route = ShmRoute.AUTO;
        private final TcpOptions socketOptions = new TcpOptions();

        ServerConfig(ShmServerChannel channel) {
            super(channel, new ServerChannelRecvByteBufAllocator());
        }

        @Override
        public <T> boolean setOption(ChannelOption<T> option, T value) {
            validate(option, value);
            if (option == ChannelOption.SO_BACKLOG) {
                backlog = (Integer) value;
                return true;
            }
            if (option == ShmChannelOption.ROUTE) {
                route = java.util.Objects.requireNonNull((ShmRoute) value, "route");
                return true;
            }
            if (TcpOptions.handles(option)) {
                socketOptions.set(option, value);
                return true;
            }
            return super.setOption(option, value);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(ChannelOption<T> option) {
            if (option == ChannelOption.SO_BACKLOG) {
                return (T) Integer.valueOf(backlog);
            }
            if (option == ShmChannelOption.ROUTE) {
                return (T) route;
            }
            if (TcpOptions.handles(option)) {
                Object value = socketOptions.get(option);
                return value != null ? (T) value : super.getOption(option);
            }
            return super.getOption(option);
        }
    }
}
