package dev.nettyshm.examples.grpc;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmChannelOption;
import dev.nettyshm.channel.ShmServerChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * gRPC-java over the shared-memory transport, one call per side. gRPC's Netty transport runs on any Netty channel
 * class it is given, so moving it from TCP to shared memory takes what moves any Netty bootstrap: an event loop
 * group of {@code ShmIoHandler}s, the shared-memory channel classes and an {@link ShmAddress}:
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(ShmIoHandler.newFactory());
 * Server server = ShmGrpc.serverBuilder(new ShmAddress("orders"), group).addService(service).build().start();
 * ManagedChannel channel = ShmGrpc.channelBuilder(new ShmAddress("orders"), group).build();
 * }</pre>
 *
 * <p>gRPC sets an allocator of its own on every channel, and the buffers it writes messages into come from it; these
 * builders set the channel's {@link ShmByteBufAllocator} back (gRPC applies the user's options after its own), so
 * that a message is written into shared memory once and crosses by descriptor. gRPC writes a message as HTTP/2
 * frames, each a slice of the buffer the message was written into, and never writes to that buffer again: the
 * builders say so with {@link ShmChannelOption#WRITTEN_BUFFERS_FINAL}, without which only the last frame of a
 * message would cross without a copy. A hand-built gRPC channel or server over shared memory needs both options.
 *
 * <p>Local-first: a server built for a TCP port ({@link #serverBuilder(int, EventLoopGroup, EventLoopGroup)}) serves
 * remote and plain TCP clients over TCP, and a channel built for a {@code host:port} target
 * ({@link #channelBuilder(String, EventLoopGroup)}) reaches a server of this host over shared memory and any other
 * over TCP — the same code on one machine and on many:
 *
 * <pre>{@code
 * Server server = ShmGrpc.serverBuilder(8443, group, group).useTransportSecurity(cert, key).addService(service).build();
 * ManagedChannel channel = ShmGrpc.channelBuilder("orders.internal:8443", group).build();
 * }</pre>
 *
 * <p>The builders come back open for further settings. The groups stay the caller's: gRPC never shuts down a group it
 * was given, so shut them down after the servers and channels that use them.
 */
public final class ShmGrpc {

    /**
     * The largest message either side accepts: 16 MiB. gRPC's default, 4 MiB, would refuse a message of 4 MiB plus
     * a byte; shared memory carries larger messages as readily as small ones.
     */
    public static final int MAX_INBOUND_MESSAGE_SIZE = 16 << 20;

    private ShmGrpc() {
    }

    /**
     * A server builder bound to {@code address}: {@link ShmServerChannel}, {@code boss} accepting connections and
     * {@code worker} serving them — both must be groups of {@code ShmIoHandler}s, which may be one group —
     * {@link #MAX_INBOUND_MESSAGE_SIZE}, and the two options of the class comment. gRPC insists on both groups and
     * the channel type together, since it could not run a channel class of its own choice on groups of ours.
     */
    public static NettyServerBuilder serverBuilder(ShmAddress address, EventLoopGroup boss, EventLoopGroup worker) {
        return serverBuilder(address, ShmServerChannel.class, boss, worker);
    }

    /** {@link #serverBuilder(ShmAddress, EventLoopGroup, EventLoopGroup)} with one group that accepts and serves. */
    public static NettyServerBuilder serverBuilder(ShmAddress address, EventLoopGroup group) {
        return serverBuilder(address, group, group);
    }

    /**
     * A channel builder to {@code address}: {@link ShmChannel} on {@code group} (of {@code ShmIoHandler}s),
     * plaintext — a connection over shared memory never leaves the host, and its segments are readable only by the
     * processes of the user that made them — {@link #MAX_INBOUND_MESSAGE_SIZE}, and the two options of the class
     * comment.
     */
    public static NettyChannelBuilder channelBuilder(ShmAddress address, EventLoopGroup group) {
        return channelBuilder(address, ShmChannel.class, group);
    }

    /**
     * A server builder listening on TCP {@code port} of every address of this host, as {@code NettyServerBuilder
     * .forPort} does, with {@link ShmServerChannel}: remote clients, and clients of any TCP transport, connect over
     * TCP; a {@link ShmChannel} of this host that connects to one of its addresses gets shared memory. Plaintext
     * unless the caller sets transport security, which then holds on both paths.
     */
    public static NettyServerBuilder serverBuilder(int port, EventLoopGroup boss, EventLoopGroup worker) {
        return serverBuilder(new InetSocketAddress(port), ShmServerChannel.class, boss, worker);
    }

    /**
     * A channel builder for {@code target}, a {@code host:port} or any target gRPC's name resolvers take:
     * {@link ShmChannel} on {@code group}, which runs over shared memory to a {@link ShmServerChannel} of this host
     * that listens on the resolved address, and over TCP to anything else ({@link ShmChannelOption#ROUTE});
     * {@link #MAX_INBOUND_MESSAGE_SIZE} and the two options of the class comment. Transport security is gRPC's
     * default, TLS, since the peer may be remote: call {@code usePlaintext()} for a plaintext server.
     */
    public static NettyChannelBuilder channelBuilder(String target, EventLoopGroup group) {
        return withSharedBuffers(NettyChannelBuilder.forTarget(target)
                .channelType(ShmChannel.class, InetSocketAddress.class).eventLoopGroup(group)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE));
    }

    /**
     * The same settings for any other Netty transport — loopback TCP, a domain socket — so that a comparison
     * differs only in the transport; for {@link ShmServerChannel}, the two options of the class comment as well.
     */
    public static NettyServerBuilder serverBuilder(SocketAddress address, Class<? extends ServerChannel> channelType,
            EventLoopGroup boss, EventLoopGroup worker) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address).channelType(channelType)
                .bossEventLoopGroup(boss).workerEventLoopGroup(worker).maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE);
        return ShmServerChannel.class.isAssignableFrom(channelType)
                ? builder.withChildOption(ChannelOption.ALLOCATOR, ShmByteBufAllocator.DEFAULT)
                        .withChildOption(ShmChannelOption.WRITTEN_BUFFERS_FINAL, true)
                : builder;
    }

    /** See {@link #serverBuilder(SocketAddress, Class, EventLoopGroup, EventLoopGroup)}. */
    public static NettyChannelBuilder channelBuilder(SocketAddress address, Class<? extends Channel> channelType,
            EventLoopGroup group) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address)
                .channelType(channelType, address.getClass()).eventLoopGroup(group).usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE);
        return ShmChannel.class.isAssignableFrom(channelType) ? withSharedBuffers(builder) : builder;
    }

    private static NettyChannelBuilder withSharedBuffers(NettyChannelBuilder builder) {
        return builder.withOption(ChannelOption.ALLOCATOR, ShmByteBufAllocator.DEFAULT)
                .withOption(ShmChannelOption.WRITTEN_BUFFERS_FINAL, true);
    }
}
