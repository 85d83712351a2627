package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.BindException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ShmChannelTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("channel-test-" + UUID.randomUUID());

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Channel echoServer() throws Exception {
        return new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoHandler()).bind(address).sync().channel();
    }

    @Test
    void shouldEchoBytesWithinOneJvm() throws Exception {
        Channel server = echoServer();
        int total = 1 << 20;
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        Channel client = new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    private final ByteBuf all = Unpooled.buffer(total);

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf buf = (ByteBuf) msg;
                        all.writeBytes(buf);
                        buf.release();
                        if (all.readableBytes() == total) {
                            received.complete(all.array());
                        }
                    }
                }).connect(address).sync().channel();
        assertThat(client.isActive()).isTrue();
        assertThat(client.remoteAddress()).isEqualTo(address);
        byte[] sent = new byte[total];
        for (int i = 0; i < total; i++) {
            sent[i] = (byte) (i * 31 + 7);
        }
        for (int offset = 0; offset < total; offset += 10_000) {
            client.write(Unpooled.wrappedBuffer(sent, offset, Math.min(10_000, total - offset)));
        }
        client.flush();
        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(sent);
        client.close().sync();
        server.close().sync();
        assertThat(Files.exists(Path.of("/dev/shm/nettyshm-" + address.name() + ".sock"))).isFalse();
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            assertThat(files.map(Path::toString).filter(f -> f.contains(address.name()))).isEmpty();
        }
    }

    @Test
    void shouldServeManyConnectionsOnOneLoopOnEachSide() throws Exception {
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(serverLoop).channel(ShmServerChannel.class)
                    .childHandler(new dev.nettyshm.examples.EchoServer.Echo()).bind(address).sync().channel();
            List<CompletableFuture<EchoClient.Result>> clients = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                // A small window each: a hundred connections' worth of buffers in flight stay a few MiB.
                clients.add(EchoClient.start(clientLoop, address, 2_000, 1 + 131 * i % 2000, 64 << 10));
            }
            for (CompletableFuture<EchoClient.Result> client : clients) {
                assertThat(client.get(60, TimeUnit.SECONDS).mismatches()).isZero();
            }
            server.close().sync();
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            assertThat(files.map(Path::toString).filter(f -> f.contains(address.name()))).isEmpty();
        }
    }

    @Test
    void shouldCountWhatCrossesEachWay() throws Exception {
        CompletableFuture<ShmChannel> child = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        child.complete((ShmChannel) ctx.channel());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                    }
                }).bind(address).sync().channel();
        ShmChannel client = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
        // One buffer from the pool (it crosses by descriptor), one below the pool threshold (by copy).
        client.write(client.alloc().directBuffer(8192).writeZero(8192));
        client.writeAndFlush(client.alloc().directBuffer(100).writeZero(100)).sync();
        ShmChannel receiver = child.get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (receiver.metrics().bytesRead() < 8292 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        ShmChannelMetrics sent = client.metrics();
        ShmChannelMetrics received = receiver.metrics();
        assertThat(sent.bytesWritten()).isEqualTo(8292);
        assertThat(sent.messagesWritten()).isEqualTo(2);
        assertThat(sent.descriptorsSent()).isEqualTo(1);
        assertThat(sent.poolFallbacks()).isZero();
        assertThat(received.bytesRead()).isEqualTo(8292);
        assertThat(received.descriptorsReceived()).isEqualTo(1);
        assertThat(received.reads()).isGreaterThanOrEqualTo(2);
        assertThat(received.inRingFill()).isZero();
        assertThat(received.emptyPolls()).isPositive();
        client.close().sync();
        server.close().sync();
    }

    @Test
    void shouldRefuseAConnectionToANameNobodyListensOn() {
        assertThatThrownBy(() -> new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync())
                .isInstanceOf(ConnectException.class).hasMessageContaining(address.name());
    }

    @Test
    void shouldRefuseASecondBindOfALiveName() throws Exception {
        Channel server = echoServer();
        assertThatThrownBy(this::echoServer).isInstanceOf(BindException.class).hasMessageContaining(address.name());
        server.close().sync();
        echoServer().close().sync();
    }
}
