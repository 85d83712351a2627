package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.testing.KernelTask;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer writes impossible values into a live connection's rings, or cuts its segment short: that connection closes
 * with an exception that names the trouble, and the others on the same loops go on.
 */
class CorruptRingTest {

    private static final int CAPACITY = ShmChannelConfig.DEFAULT_RING_CAPACITY;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("corrupt-" + UUID.randomUUID());
    private final CompletableFuture<Throwable> serverError = new CompletableFuture<>();
    private Channel server;

    @BeforeEach
    void bind() throws Exception {
        server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoRecordingErrors()).bind(address).sync().channel();
    }

    private final class EchoRecordingErrors extends EchoHandler {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            serverError.complete(cause);
        }
    }

    @AfterEach
    void shutdown() throws Exception {
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private record Client(ShmChannel channel, CompletableFuture<Throwable> error, CompletableFuture<Object> echo) {
    }

    private Client connect() throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        CompletableFuture<Object> echo = new CompletableFuture<>();
        ShmChannel channel = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        echo.complete(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        error.complete(cause);
                    }
                }).connect(address).sync().channel();
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).sync();
        io.netty.util.ReferenceCountUtil.release(echo.get(5, TimeUnit.SECONDS));
        return new Client(channel, error, new CompletableFuture<>());
    }

    private static MemorySegment ring(ShmChannel channel, boolean toClient) throws Exception {
        MemorySegment memory = channel.connection().memory();
        long offset = toClient ? ConnectionLayout.serverToClientOffset(CAPACITY)
                : ConnectionLayout.clientToServerOffset();
        return memory.asSlice(offset, RingDescriptor.ringLength(CAPACITY));
    }

    @Test
    void shouldCloseTheConnectionWhoseProducerPositionIsImpossible() throws Exception {
        Client victim = connect();
        Client bystander = connect();
        ring(victim.channel(), true).set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, 1L << 50);

        Throwable error = victim.error().get(5, TimeUnit.SECONDS);
        assertThat(error).isInstanceOf(RingCorruptedException.class).hasMessageContaining("producer position")
                .hasMessageContaining(((ShmAddress) victim.channel().localAddress()).name());
        victim.channel().closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(victim.channel().isOpen()).isFalse();
        assertStillEchoes(bystander);
    }

    @Test
    void shouldCloseTheConnectionWithAnImpossibleRecord() throws Exception {
        Client victim = connect();
        Client bystander = connect();
        MemorySegment toServer = ring(victim.channel(), false);
        long tail = toServer.get(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET);
        int index = (int) (tail & (CAPACITY - 1));
        MemorySegment data = toServer.asSlice(RingDescriptor.HEADER_LENGTH);
        data.set(ValueLayout.JAVA_INT, index + RingDescriptor.RECORD_LENGTH_OFFSET, 0);
        data.set(ValueLayout.JAVA_INT, index + RingDescriptor.RECORD_TYPE_OFFSET, 0x0BAD);
        toServer.set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, tail + RingDescriptor.RECORD_HEADER_LENGTH);

        assertThat(serverError.get(5, TimeUnit.SECONDS)).isInstanceOf(RingCorruptedException.class)
                .hasMessageContaining("record type 2989");
        victim.channel().closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(victim.channel().isOpen()).as("the server closed the connection; the client saw it").isFalse();
        assertStillEchoes(bystander);
    }

    @Test
    void shouldCloseTheConnectionWhoseSegmentThePeerTruncates() throws Exception {
        Client victim = connect();
        Client bystander = connect();
        Path mapping = mappingOf(((ShmAddress) victim.channel().localAddress()).name());
        assumeTrue(mapping != null && Files.isWritable(mapping),
                "truncating an unlinked segment goes through /proc/self/map_files, which needs root");
        // Both loops asleep: waking, a loop first touches the segment as it withdraws its wake-up requests, outside
        // any poll. That fault once ended a loop, and the bystander with it.
        awaitLoopsAsleep();
        try (FileChannel file = FileChannel.open(mapping, StandardOpenOption.WRITE)) {
            file.truncate(0);
        }

        assertThat(victim.error().get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                .hasMessageContaining("cut the segment short");
        assertThat(serverError.get(5, TimeUnit.SECONDS)).as("the server's end maps the same file")
                .isInstanceOf(IOException.class).hasMessageContaining("cut the segment short");
        victim.channel().closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(victim.channel().isOpen()).isFalse();
        assertStillEchoes(bystander);
    }

    /** Returns once the kernel has every loop of the group asleep, on its futexes or in its selector. */
    private void awaitLoopsAsleep() throws Exception {
        List<KernelTask> loops = new ArrayList<>();
        for (EventExecutor loop : group) {
            loops.add(loop.submit(KernelTask::current).get());
        }
        for (KernelTask loop : loops) {
            loop.awaitAsleepIn(Duration.ofSeconds(10), KernelTask.FUTEX_WAITV, KernelTask.EPOLL_WAIT);
        }
    }

    /** The {@code /proc/self/map_files} entry of the mapping of a (deleted) segment, or {@code null}. */
    private static Path mappingOf(String segmentName) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.contains("/" + segmentName + " ")) {
                return Path.of("/proc/self/map_files", line.substring(0, line.indexOf(' ')));
            }
        }
        return null;
    }

    private static void assertStillEchoes(Client client) throws Exception {
        CompletableFuture<Object> echo = new CompletableFuture<>();
        client.channel().pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                echo.complete(msg);
            }
        });
        client.channel().writeAndFlush(Unpooled.wrappedBuffer(new byte[] {9})).sync();
        Object msg = echo.get(5, TimeUnit.SECONDS);
        assertThat(((io.netty.buffer.ByteBuf) msg).getByte(0)).isEqualTo((byte) 9);
        io.netty.util.ReferenceCountUtil.release(msg);
        assertThat(client.channel().isActive()).isTrue();
    }
}
