package dev.nettyshm.reactor;

import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's {@link LoopResources} over the shared-memory transport: event loops of {@link ShmIoHandler}s, and
 * {@link ShmServerChannel} and {@link ShmChannel} wherever Reactor Netty asks for a TCP server or client channel.
 * A Reactor Netty server or client — Spring WebFlux's, {@code WebClient}'s — moves to the transport with one line,
 * and keeps its {@code host:port} configuration:
 *
 * <pre>{@code
 * LoopResources shm = ShmLoopResources.create("http");
 * HttpServer.create().runOn(shm).port(8080).handle(...).bindNow();
 * HttpClient.create().runOn(shm).baseUrl("http://orders.internal:8080")...
 * }</pre>
 *
 * A client of this host reaches a server of this library over shared memory, and any other server over TCP; the
 * server serves remote and plain TCP clients over TCP ({@link dev.nettyshm.channel.ShmRoute}). Reactor Netty is an
 * optional dependency of this library: only a user of this class needs it on the class or module path.
 *
 * <p>Thread safety: thread-safe; one instance serves any number of servers and clients. Dispose of it after them,
 * as of any {@code LoopResources}.
 */
public final class ShmLoopResources implements LoopResources {

    private final EventLoopGroup group;
    private final Duration defaultQuietPeriod = Duration.ofSeconds(LoopResources.DEFAULT_SHUTDOWN_QUIET_PERIOD);
    private final Duration defaultTimeout = Duration.ofSeconds(LoopResources.DEFAULT_SHUTDOWN_TIMEOUT);

    private ShmLoopResources(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * Resources of {@link LoopResources#DEFAULT_IO_WORKER_COUNT} event loops (Reactor Netty's default: as many as
     * CPUs, at least four), on daemon threads named {@code prefix-shm-<n>}.
     */
    public static ShmLoopResources create(String prefix) {
        return create(prefix, LoopResources.DEFAULT_IO_WORKER_COUNT);
    }

    /**
     * Resources of {@code workers} event loops on daemon threads named {@code prefix-shm-<n>}; servers accept and
     * serve on them, clients connect from them.
     *
     * @throws IllegalArgumentException if {@code workers} is not positive
     */
    public static ShmLoopResources create(String prefix, int workers) {
        Objects.requireNonNull(prefix, "prefix");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive: " + workers);
        }
        return new ShmLoopResources(new MultiThreadIoEventLoopGroup(workers,
                new DefaultThreadFactory(prefix + "-shm", true), ShmIoHandler.newFactory()));
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return group;
    }

    @Override
    public EventLoopGroup onClient(boolean useNative) {
        return group;
    }

    @Override
    public EventLoopGroup onServerSelect(boolean useNative) {
        return group;
    }

    /**
     * {@link ShmServerChannel} for a server channel, {@link ShmChannel} for a client's.
     *
     * @throws UnsupportedOperationException for datagram and domain-socket channels, which the transport has not
     */
    @Override
    @SuppressWarnings("unchecked")
    public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
        return (C) (isServer(channelType) ? new ShmServerChannel() : new ShmChannel());
    }

    /** The classes of {@link #onChannel}. */
    @Override
    @SuppressWarnings("unchecked")
    public <C extends Channel> Class<? extends C> onChannelClass(Class<C> channelType, EventLoopGroup group) {
        return (Class<? extends C>) (isServer(channelType) ? ShmServerChannel.class : ShmChannel.class);
    }

    /** Whether Reactor Netty asks for a server channel; it asks for TCP ones by Netty's socket interfaces. */
    private static boolean isServer(Class<? extends Channel> channelType) {
        if (channelType.isAssignableFrom(ServerSocketChannel.class)) {
            return true;
        }
        if (channelType.isAssignableFrom(SocketChannel.class)) {
            return false;
        }
        // Datagram and domain-socket channels.
        throw new UnsupportedOperationException("the shared-memory transport has no " + channelType.getName()
                + "; bind and connect TCP addresses");
    }

    @Override
    public boolean daemon() {
        return true;
    }

    @Override
    public boolean isDisposed() {
        return group.isShuttingDown();
    }

    @Override
    public Mono<Void> disposeLater() {
        return disposeLater(defaultQuietPeriod, defaultTimeout);
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.create(sink -> group.shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(),
                TimeUnit.MILLISECONDS).addListener(done -> {
                    if (done.isSuccess()) {
                        sink.success();
                    } else {
                        sink.error(done.cause());
                    }
                }));
    }
}
