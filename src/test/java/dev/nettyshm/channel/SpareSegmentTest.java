package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.ShmFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection's segment carries the next connection between the same two processes ({@link SpareSegments}): reused
 * whole after rings that grew and pools that were used, never after a peer that died, given up when the server no
 * longer keeps it, unmapped when no connection takes it.
 */
class SpareSegmentTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final String name = "spare-" + UUID.randomUUID();
    private final ShmAddress address = new ShmAddress(name);

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldCarryEachNextConnectionToAServerProcessOnTheSegmentOfTheLast() throws Exception {
        ChildJvm server = ChildJvm.start(TransportPeer.class, "echo-server", name);
        server.awaitLine("ready");
        try {
            long before = ShmTransportMetrics.reusedSegments();
            int connections = 20;
            for (int i = 0; i < connections; i++) {
                // 1 MiB messages grow the rings and go through the pools; 64-byte ones follow on the same memory.
                int size = i % 2 == 0 ? 1 << 20 : 64;
                EchoClient.Result result = EchoClient.run(group, address, i % 2 == 0 ? 64 : 10_000, size);
                assertThat(result.mismatches()).as("connection %d", i).isZero();
                // Time for the server to let go of the segment too, as it sees the end.
                Thread.sleep(50);
            }
            // Each connection after the first finds the last one's segment unless the server had not let go of it
            // yet when it connected: on a machine this busy, most do, and without spares none would.
            assertThat(ShmTransportMetrics.reusedSegments() - before).isGreaterThanOrEqualTo(connections / 2);
        } finally {
            server.closeInput();
            assertThat(server.waitFor(30)).isZero();
        }
        assertThat(ShmFiles.containing(name)).as("spares have no names").isEmpty();
    }

    @Test
    void shouldNotKeepTheSegmentOfAServerThatDied() throws Exception {
        ChildJvm server = ChildJvm.start(TransportPeer.class, "echo-server", name);
        server.awaitLine("ready");
        Channel client = connect();
        String segment = ((ShmAddress) client.localAddress()).name();
        server.kill();
        assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("closed after the kill").isTrue();
        awaitTrue(() -> !ShmFiles.mapped(segment), "the dead server's segment is unmapped");
        assertThat(SpareSegments.keeping(segment)).isZero();
    }

    @Test
    void shouldSendAFreshSegmentWhenTheServerNoLongerKeepsTheSpare() throws Exception {
        Channel server = bind();
        try {
            Channel first = connect();
            String spare = ((ShmAddress) first.localAddress()).name();
            first.close().sync();
            awaitTrue(() -> SpareSegments.keeping(spare) == 2, "both sides keep the segment");
            // This JVM is both sides: the server's mapping is taken away by hand, as its idle time would.
            SharedMemory serverSide = SpareSegments.takeForServer(ProcessHandle.current().pid(), spare,
                    ShmChannelConfig.DEFAULT_RING_CAPACITY, ShmChannelConfig.DEFAULT_POOL_SIZE);
            assertThat(serverSide).isNotNull();
            Unmapper.unmap(serverSide);
            long reused = ShmTransportMetrics.reusedSegments();

            EchoClient.Result result = EchoClient.run(group, address, 1_000, 1 << 10);
            assertThat(result.mismatches()).isZero();
            assertThat(ShmTransportMetrics.reusedSegments()).as("a fresh segment took its place").isEqualTo(reused);
            awaitTrue(() -> !ShmFiles.mapped(spare), "the spare the server no longer knew is unmapped");
        } finally {
            server.close().sync();
        }
        assertThat(ShmFiles.containing(name)).isEmpty();
    }

    @Test
    void shouldUnmapASpareThatNoConnectionTakesWithinItsIdleTime() throws Exception {
        Channel server = bind();
        String segment;
        try {
            Channel client = connect();
            segment = ((ShmAddress) client.localAddress()).name();
            client.close().sync();
            awaitTrue(() -> SpareSegments.keeping(segment) == 2, "both sides keep the segment");
            assertThat(ShmFiles.mapped(segment)).isTrue();
        } finally {
            server.close().sync();
        }
        awaitTrue(() -> !ShmFiles.mapped(segment), "unmapped once idle");
        assertThat(SpareSegments.keeping(segment)).isZero();
    }

    @Test
    void shouldKeepAtMostSixteenSparesOfAPeerAndUnmapTheRest() throws Exception {
        Channel server = bind();
        List<String> segments = new ArrayList<>();
        try {
            List<Channel> clients = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Channel client = connect();
                clients.add(client);
                segments.add(((ShmAddress) client.localAddress()).name());
            }
            for (Channel client : clients) {
                client.close().sync();
            }
            // This JVM is both sides: each keeps at most 16 of the 40, and unmaps the others.
            awaitTrue(() -> segments.stream().mapToLong(SpareSegments::keeping).sum()
                    == 2L * SpareSegments.PER_PEER, "each side keeps its newest 16");
            awaitTrue(() -> segments.stream().filter(ShmFiles::mapped).count() <= 2L * SpareSegments.PER_PEER,
                    "the rest are unmapped");
            EchoClient.Result after = EchoClient.run(group, address, 1_000, 256);
            assertThat(after.mismatches()).isZero();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void shouldKeepAtMostSixtyFourSparesInAll() throws Exception {
        List<Channel> servers = new ArrayList<>();
        List<String> segments = new ArrayList<>();
        try {
            // Five servers, sixteen connections to each at once: 80 spares on the client side, a peer per server,
            // and 16 on the server side, all of one peer, this process. Made in well under the 2 s a spare is kept.
            for (int s = 0; s < 5; s++) {
                ShmAddress each = new ShmAddress(name + "-" + s);
                servers.add(new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                        .childHandler(new EchoHandler()).bind(each).sync().channel());
                List<Channel> clients = new ArrayList<>();
                for (int i = 0; i < SpareSegments.PER_PEER; i++) {
                    Channel client = new Bootstrap().group(group).channel(ShmChannel.class)
                            .handler(new ChannelInboundHandlerAdapter()).connect(each).sync().channel();
                    segments.add(((ShmAddress) client.localAddress()).name());
                    clients.add(client);
                }
                for (Channel client : clients) {
                    client.close().sync();
                }
            }
            awaitTrue(() -> segments.stream().mapToLong(SpareSegments::keeping).sum() == SpareSegments.PER_PROCESS,
                    "64 kept");
            awaitTrue(() -> segments.stream().filter(ShmFiles::mapped).count() <= SpareSegments.PER_PROCESS,
                    "the rest are unmapped");
        } finally {
            for (Channel server : servers) {
                server.close().sync();
            }
        }
    }

    private Channel bind() throws InterruptedException {
        return new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(new EchoHandler())
                .bind(address).sync().channel();
    }

    /** A client that sends nothing. */
    private Channel connect() throws InterruptedException {
        return new Bootstrap().group(group).channel(ShmChannel.class).handler(new ChannelInboundHandlerAdapter())
                .connect(address).sync().channel();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting: %s", what).isNegative();
            Thread.sleep(10);
        }
    }
}
