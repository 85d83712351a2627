package dev.nettyshm.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import dev.nettyshm.examples.EchoServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters of {@link ShmMeterBinder} against known traffic: 1 MiB each way in pooled 64 KiB buffers. */
class ShmMeterBinderTest {

    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 16;
    private static final long BYTES = (long) CHUNK * CHUNKS;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final String name = "meters-" + UUID.randomUUID();

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldCountBytesDescriptorsAndConnectionsOfEachSideTaggedWithTheServer() throws Exception {
        new ShmMeterBinder().bindTo(registry);
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoServer.Echo()).bind(new ShmAddress(name)).sync().channel();
        Received received = new Received();
        ShmChannel client = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class).handler(received)
                .connect(new ShmAddress(name)).sync().channel();

        assertThat(open("client")).isEqualTo(1);
        client.eventLoop().execute(() -> {
            for (int i = 0; i < CHUNKS; i++) {
                client.write(client.alloc().directBuffer(CHUNK).writeZero(CHUNK));
            }
            client.flush();
        });
        received.all.get(30, TimeUnit.SECONDS);
        client.close().sync();
        awaitZero(() -> open("server"));
        server.close().sync();

        for (String side : new String[] {"client", "server"}) {
            assertThat(bytes(side, "written", "any")).as(side).isEqualTo(BYTES);
            assertThat(bytes(side, "read", "any")).as(side).isEqualTo(BYTES);
            assertThat(bytes(side, "written", "shared") + bytes(side, "written", "copied")).as(side)
                    .isEqualTo(BYTES);
            assertThat(open(side)).as(side).isZero();
            assertThat(registry.get("netty.shm.ring.fill").tags("side", side, "server", name, "direction", "out")
                    .gauge().value()).isZero();
        }
        // The client's pooled buffers crossed by descriptor, each of them.
        assertThat(bytes("client", "written", "shared")).isEqualTo(BYTES);
        assertThat(registry.get("netty.shm.descriptors").tags("side", "client", "server", name, "direction", "sent")
                .functionCounter().count()).isEqualTo(CHUNKS);
        assertThat(registry.get("netty.shm.bytes").tags("side", "client", "server", name, "direction", "written",
                "path", "any").functionCounter().getId().getBaseUnit()).isEqualTo("bytes");
    }

    private long bytes(String side, String direction, String path) {
        return (long) registry.get("netty.shm.bytes").tags("side", side, "server", name, "direction", direction,
                "path", path).functionCounter().count();
    }

    private double open(String side) {
        return registry.get("netty.shm.connections.open").tags("side", side, "server", name, "route",
                "shared_memory").gauge().value();
    }

    private static void awaitZero(DoubleSupplier value) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.getAsDouble() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static final class Received extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> all = new CompletableFuture<>();
        private long bytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytes += ((ByteBuf) msg).readableBytes();
            ((ByteBuf) msg).release();
            if (bytes == BYTES) {
                all.complete(null);
            }
        }
    }
}
