package dev.nettyshm.channel.testsuite;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmChannelOption;
import dev.nettyshm.channel.ShmIdlePolicy;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.UUID;

/**
 * How Netty's socket testsuite meets this transport: the bootstraps its tests get, and the addresses they bind —
 * as Netty's epoll transport runs the same tests over domain sockets. Server and client loops are separate groups,
 * so every connection crosses threads as it would cross processes. The two sides sleep each their own way: the
 * server's loops in their selectors (the portable fallback, forced), the client's on futexes — so every test wakes
 * a sleeping peer both ways.
 *
 * <p>With {@code -Ddev.nettyshm.testsuite.route=tcp} the same tests run over TCP, through the same channel classes
 * bound to and connected by TCP addresses with {@link ShmChannelOption#ROUTE} {@link ShmRoute#TCP}: the path a
 * remote peer gets. The build runs the suite both ways.
 *
 * <p>Every test class of Netty's {@code io.netty.testsuite.transport.socket} has a subclass here, but these:
 * <ul>
 * <li>{@code Datagram*Test}: datagram channels; the transport has none.</li>
 * <li>{@code SocketSpdyEchoTest}, {@code TrafficShapingHandlerTest}: their initializers are typed for the IP
 *     sockets' {@code SocketChannel}, so a shared-memory child fails the cast; the codec and the shaper they test
 *     do not depend on the transport, whose echo {@link ShmEchoTest} checks.</li>
 * <li>{@code SocketSslLargeCertificateTest}: runs on NIO sockets of its own, with OpenSSL only; it takes no
 *     transport.</li>
 * <li>{@code ServerSocketSuspendTest}: disabled by Netty itself; its clients are {@code java.net.Socket}s.</li>
 * <li>{@code SocketFileRegionTest}: comes with the transport's {@code FileRegion} support.</li>
 * </ul>
 */
final class ShmTestsuite {

    /** Whether the suite runs over TCP instead of shared memory. */
    static final boolean TCP = "tcp".equals(System.getProperty("dev.nettyshm.testsuite.route"));
    private static final EventLoopGroup SERVER_GROUP = new MultiThreadIoEventLoopGroup(2,
            ShmIoHandler.newFactory(ShmIdlePolicy.DEFAULT.withFutex(false)));
    /** One for all tests: a pooling allocator keeps its chunks as long as it lives. */
    private static final ByteBufAllocator ADAPTIVE = new AdaptiveByteBufAllocator();
    private static final EventLoopGroup CLIENT_GROUP = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());

    private ShmTestsuite() {
    }

    // With the pool allocator, buffers of every size cross by descriptor, not only those of the default threshold.
    // The client also promises never to change what it wrote, so slices of its pooled buffers that others still
    // hold cross by descriptor too; the server keeps the default rule.
    static BootstrapFactory<ServerBootstrap> server() {
        return () -> new ServerBootstrap().group(SERVER_GROUP).channel(ShmServerChannel.class)
                .option(ShmChannelOption.ROUTE, TCP ? ShmRoute.TCP : ShmRoute.AUTO)
                .childOption(ShmChannelOption.POOL_THRESHOLD, 1);
    }

    static BootstrapFactory<Bootstrap> client() {
        return () -> new Bootstrap().group(CLIENT_GROUP).channel(ShmChannel.class)
                .option(ShmChannelOption.POOL_THRESHOLD, 1).option(ShmChannelOption.WRITTEN_BUFFERS_FINAL, true)
                .option(ShmChannelOption.ROUTE, TCP ? ShmRoute.TCP : ShmRoute.AUTO);
    }

    static List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> combos() {
        BootstrapFactory<ServerBootstrap> server = server();
        BootstrapFactory<Bootstrap> client = client();
        return List.of(new BootstrapComboFactory<>() {
            @Override
            public ServerBootstrap newServerInstance() {
                return server.newInstance();
            }

            @Override
            public Bootstrap newClientInstance() {
                return client.newInstance();
            }
        });
    }

    /**
     * Each test runs with the channels' own pool allocator — buffers cross as descriptors — and with Netty's
     * default allocator, whose buffers cross by copy.
     */
    static List<ByteBufAllocator> allocators() {
        return List.of(ShmByteBufAllocator.DEFAULT, ADAPTIVE);
    }

    static SocketAddress newAddress() {
        return TCP ? new InetSocketAddress(NetUtil.LOCALHOST, 0) : new ShmAddress("testsuite-" + UUID.randomUUID());
    }
}
