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
import java.net.SocketAddress;
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

    private final ServerConfig config = new ServerConfig(this);
    private final Queue<ShmChannel> accepted = new ArrayDeque<>();
    /** Accepted sockets whose client has not finished its hello yet. */
    private final Set<ServerHandshake> pending = new HashSet<>();
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
        key = handler.register(bound.server, SelectionKey.OP_ACCEPT, ops -> accept());
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
        for (ServerHandshake handshake : pending) {
            handshake.abandon();
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
                ServerHandshake handshake = new ServerHandshake(this, socket, directory);
                try {
                    handshake.register(handler);
                } catch (IOException e) {
                    handshake.abandon();
                    throw e;
                }
                pending.add(handshake);
            }
        } catch (IOException e) {
            if (!closed) {
                pipeline().fireExceptionCaught(e);
            }
        }
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
