package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.Wakeup;
import dev.nettyshm.mmap.SharedMemory;
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
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;

/**
 * The listening side of the transport: binds a {@link ShmAddress} and accepts {@link ShmChannel}s.
 *
 * <pre>{@code
 * new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(init).bind(new ShmAddress("orders"));
 * }</pre>
 *
 * A bind fails with {@link java.net.BindException} while a live server holds the name, and takes a name over from
 * a server that crashed. Each accepted connection first completes its handshake on this channel's event loop — the
 * client's segment checked, mapped and unlinked — and only then reaches the pipeline, active.
 *
 * <p>Thread safety: as every Netty channel.
 */
public class ShmServerChannel extends AbstractServerChannel {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ShmServerChannel.class);

    private final ServerConfig config = new ServerConfig(this);
    private final Queue<ShmChannel> accepted = new ArrayDeque<>();
    private final Set<PendingChild> pending = new HashSet<>();
    private volatile Endpoint.Bound bound;
    private volatile ShmAddress localAddress;
    private volatile boolean closed;

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

    @Override
    public ShmAddress localAddress() {
        return (ShmAddress) super.localAddress();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public boolean isActive() {
        return !closed && bound != null;
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
        if (!(address instanceof ShmAddress shmAddress)) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        directory = SharedMemoryDirectory.system();
        bound = Endpoint.Bound.bind(directory, shmAddress, config.backlog);
        localAddress = shmAddress;
        key = bound.server.register(handler.selector(), SelectionKey.OP_ACCEPT, (SelectionHandler) ops -> accept());
    }

    @Override
    protected void doClose() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        if (key != null) {
            key.cancel();
        }
        for (PendingChild child : pending) {
            child.abandon();
        }
        pending.clear();
        ShmChannel child;
        while ((child = accepted.poll()) != null) {
            child.unsafe().closeForcibly();
        }
        Endpoint.Bound current = bound;
        if (current != null) {
            current.close();
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
                PendingChild child = new PendingChild(socket);
                child.key = socket.register(handler.selector(), SelectionKey.OP_READ, child);
                pending.add(child);
            }
        } catch (IOException e) {
            if (!closed) {
                pipeline().fireExceptionCaught(e);
            }
        }
    }

    private void deliverAccepted() {
        if (!acceptRequested || accepted.isEmpty()) {
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
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

    /** An accepted socket whose client has not finished its hello yet. */
    private final class PendingChild implements SelectionHandler {

        private final SocketChannel socket;
        private final ByteBuffer hello = ByteBuffer.allocate(Handshake.MAX_HELLO);
        private SelectionKey key;

        PendingChild(SocketChannel socket) {
            this.socket = socket;
        }

        @Override
        public void selected(int readyOps) {
            Connection connection = null;
            try {
                if (socket.read(hello) < 0) {
                    throw new ClosedChannelException();
                }
                Handshake.Hello parsed = Handshake.parseHello(hello);
                if (parsed == null) {
                    if (!hello.hasRemaining()) {
                        throw new HandshakeException("hello too long");
                    }
                    return;
                }
                if (SharedMemory.idOf(parsed.segmentName()).isEmpty()) {
                    // Only a segment the client generated for this connection; never one with a name of its own.
                    throw new HandshakeException("segment " + parsed.segmentName() + " is not a connection segment");
                }
                connection = Connection.open(directory, parsed.segmentName(), parsed.capacity(),
                        parsed.poolSize());
                ByteBuffer reply = Handshake.reply(true);
                socket.write(reply);
                if (reply.hasRemaining()) {
                    throw new HandshakeException("could not send the handshake reply");
                }
                pending.remove(this);
                key.cancel();
                accepted.add(new ShmChannel(ShmServerChannel.this, socket, connection,
                        new ShmAddress(parsed.segmentName())));
                deliverAccepted();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: refused a connection: {}", ShmServerChannel.this, e.toString());
                if (connection != null) {
                    connection.close();
                }
                try {
                    socket.write(Handshake.reply(false));
                } catch (IOException ignored) {
                    // The client is gone or not listening: it sees the close.
                }
                abandon();
                pending.remove(this);
            }
        }

        void abandon() {
            key.cancel();
            try {
                socket.close();
            } catch (IOException ignored) {
                // Already gone.
            }
        }
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

    /** Netty's options; a backlog is honoured, socket options are accepted and ignored. */
    private static final class ServerConfig extends DefaultChannelConfig {

        private volatile int backlog = 128;

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
            if (ShmChannelConfig.IGNORED.contains(option)) {
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
            return super.getOption(option);
        }
    }
}
