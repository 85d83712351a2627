package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * File regions written to a shared-memory channel, beside Netty's own {@code SocketFileRegionTest} (see the
 * testsuite): a {@link DefaultFileRegion}'s window through the pool and through the ring alone, with its progress
 * and counters; a file shorter than its region, here and over NIO TCP; a file cut short while its transfer waits; a
 * region of its own making.
 */
class FileRegionTest {

    /** Where each transport under comparison is set up. */
    enum Transport { SHARED_MEMORY, NIO_TCP }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final EventLoopGroup nio = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("file-region-test-" + UUID.randomUUID());

    @TempDir
    Path dir;

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** The server's side of a connection: the channel, and what checksums what it receives. */
    private record Receiver(Channel channel, ChecksumHandler checksum) {
    }

    /** A server whose connection checksums what it receives; the connection completes {@code child}. */
    private Channel server(Transport transport, boolean autoRead, CompletableFuture<Receiver> child)
            throws InterruptedException {
        ServerBootstrap bootstrap = transport == Transport.SHARED_MEMORY
                ? new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                : new ServerBootstrap().group(nio).channel(NioServerSocketChannel.class);
        SocketAddress local = transport == Transport.SHARED_MEMORY
                ? address : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        return bootstrap.childOption(ChannelOption.AUTO_READ, autoRead)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        ChecksumHandler checksum = new ChecksumHandler();
                        channel.pipeline().addLast(checksum);
                        child.complete(new Receiver(channel, checksum));
                    }
                }).bind(local).sync().channel();
    }

    private Channel client(Transport transport, SocketAddress remote, int poolSize, int ringCapacity)
            throws InterruptedException {
        Bootstrap bootstrap = transport == Transport.SHARED_MEMORY
                ? new Bootstrap().group(group).channel(ShmChannel.class).option(ShmChannelOption.POOL_SIZE, poolSize)
                        .option(ShmChannelOption.RING_CAPACITY, ringCapacity)
                : new Bootstrap().group(nio).channel(NioSocketChannel.class);
        return bootstrap.handler(new ChannelInboundHandlerAdapter()).connect(remote).sync().channel();
    }

    private ShmChannel client(int poolSize, int ringCapacity) throws InterruptedException {
        return (ShmChannel) client(Transport.SHARED_MEMORY, address, poolSize, ringCapacity);
    }

    /** What the server's connection received, once it ended. */
    private static ChecksumHandler.Result received(CompletableFuture<Receiver> child) throws Exception {
        return child.get(5, TimeUnit.SECONDS).checksum().result.get(10, TimeUnit.SECONDS);
    }

    private Path randomFile(int size) throws IOException {
        byte[] bytes = new byte[size];
        new SplittableRandom(size).nextBytes(bytes);
        return Files.write(dir.resolve("file-" + size), bytes);
    }

    @ParameterizedTest(name = "pool size {0}")
    @ValueSource(ints = {ShmChannelConfig.DEFAULT_POOL_SIZE, 0})
    void shouldSendTheWindowOfADefaultFileRegionAndCountItsBytes(int poolSize) throws Exception {
        assertThat(DefaultFileRegionAccess.AVAILABLE).as("on the class path the region's file is in reach").isTrue();
        Path file = randomFile((5 << 20) + 12_345);
        long position = 1001;
        long count = Files.size(file) - position - 999;
        CompletableFuture<Receiver> child = new CompletableFuture<>();
        Channel server = server(Transport.SHARED_MEMORY, true, child);
        ShmChannel client = client(poolSize, ShmChannelConfig.DEFAULT_RING_CAPACITY);
        // Made from the File, so the region opens it only when it is first written.
        DefaultFileRegion region = new DefaultFileRegion(file.toFile(), position, count);
        AtomicLong progress = new AtomicLong();
        ChannelProgressivePromise promise = client.newProgressivePromise();
        promise.addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long done, long total) {
                progress.set(done);
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
            }
        });
        client.writeAndFlush(region, promise).sync();
        client.close().sync();

        assertThat(received(child)).isEqualTo(ChecksumHandler.of(file, position, count));
        assertThat(region.transferred()).isEqualTo(count);
        assertThat(progress.get()).isEqualTo(count);
        ShmChannelMetrics sent = client.metrics();
        assertThat(sent.bytesWritten()).isEqualTo(count);
        assertThat(sent.messagesWritten()).isEqualTo(1);
        if (poolSize == 0) {
            assertThat(sent.descriptorsSent()).isZero();
        } else {
            assertThat(sent.descriptorsSent()).as("chunks read straight into pool slots").isPositive();
        }
        server.close().sync();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shouldFailARegionLongerThanItsFileAfterSendingWhatTheFileHasAndCloseAsNioDoes(Transport transport)
            throws Exception {
        Path file = randomFile(100_000);
        long position = 1000;
        CompletableFuture<Receiver> child = new CompletableFuture<>();
        Channel server = server(transport, true, child);
        Channel client = client(transport, server.localAddress(), ShmChannelConfig.DEFAULT_POOL_SIZE,
                ShmChannelConfig.DEFAULT_RING_CAPACITY);

        ChannelFuture write = client.writeAndFlush(new DefaultFileRegion(FileChannel.open(file), position, 200_000));

        assertThat(write.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(write.cause()).isInstanceOf(IOException.class);
        assertThat(client.closeFuture().await(5, TimeUnit.SECONDS)).as("the failed write closed the channel").isTrue();
        assertThat(received(child)).as("the peer got the file's bytes, then the end")
                .isEqualTo(ChecksumHandler.of(file, position, 100_000 - position));
        server.close().sync();
    }

    @Test
    void shouldFailTheWriteWithAnIOExceptionWhenTheFileIsCutShortWhileItsTransferWaits() throws Exception {
        int size = 64 << 20;
        Path file = randomFile(size);
        long kept = (40 << 20) + 4321;
        CompletableFuture<Receiver> child = new CompletableFuture<>();
        Channel server = server(Transport.SHARED_MEMORY, false, child);
        ShmChannel client = client(ShmChannelConfig.DEFAULT_POOL_SIZE, ShmChannelConfig.DEFAULT_RING_CAPACITY);

        ChannelFuture write = client.writeAndFlush(new DefaultFileRegion(file.toFile(), 0, size));
        long waiting = awaitStalled(client);
        assertThat(waiting).as("the ring and the pool hold the first bytes").isPositive().isLessThan(kept);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(kept);
        }
        child.get(5, TimeUnit.SECONDS).channel().config().setAutoRead(true);

        assertThat(write.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(write.cause()).isInstanceOf(IOException.class).hasMessageContaining("shorter than the region");
        assertThat(received(child)).isEqualTo(ChecksumHandler.of(file, 0, kept));
        // The write failed in a flush the loop retried, which closed the channel: the loop itself goes on.
        client.eventLoop().submit(() -> { }).get(5, TimeUnit.SECONDS);
        server.close().sync();
    }

    /** Waits until the client's write stops moving — its peer does not read — and returns the bytes it wrote. */
    private static long awaitStalled(ShmChannel client) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (System.nanoTime() < deadline) {
            Thread.sleep(100);
            long now = client.metrics().bytesWritten();
            if (now > 0 && now == last) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the write never stalled: " + last + " bytes written");
    }

    @ParameterizedTest(name = "pool size {0}")
    @ValueSource(ints = {ShmChannelConfig.DEFAULT_POOL_SIZE, 0})
    void shouldWriteARegionOfItsOwnMakingThroughItsTransferToUntilItCountsItselfDone(int poolSize)
            throws Exception {
        PatternRegion region = new PatternRegion(3_000_017);
        CompletableFuture<Receiver> child = new CompletableFuture<>();
        Channel server = server(Transport.SHARED_MEMORY, true, child);
        // A small ring: most of the region's writes find it full and take only part of what they offer.
        ShmChannel client = client(poolSize, 8192);

        client.writeAndFlush(region).sync();
        client.close().sync();

        assertThat(received(child)).isEqualTo(region.expected());
        assertThat(region.callsAfterDone).as("transferTo called after transferred() reached count()").isZero();
        assertThat(client.metrics().bytesWritten()).isEqualTo(region.count());
        server.close().sync();
    }

    /**
     * A region that makes its bytes as it goes — byte {@code i} is {@code i * 31 + 7} — and offers them in chunks of
     * changing sizes, from heap and direct buffers in turn.
     */
    private static final class PatternRegion extends AbstractReferenceCounted implements FileRegion {

        private static final int[] CHUNKS = {1, 1000, 70_000, 5000, 300_000, 4096};
        private final long count;
        private long transferred;
        private int calls;
        volatile int callsAfterDone;

        PatternRegion(long count) {
            this.count = count;
        }

        ChecksumHandler.Result expected() {
            CRC32C crc = new CRC32C();
            crc.update(bytes(0, (int) count));
            return new ChecksumHandler.Result(count, crc.getValue());
        }

        private static ByteBuffer bytes(long from, int length) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) ((from + i) * 31 + 7);
            }
            return ByteBuffer.wrap(bytes);
        }

        @Override
        public long transferTo(WritableByteChannel target, long position) throws IOException {
            if (position >= count) {
                callsAfterDone++;
                return 0;
            }
            int length = (int) Math.min(CHUNKS[calls % CHUNKS.length], count - position);
            ByteBuffer chunk = bytes(position, length);
            if (calls++ % 2 == 1) {
                chunk = ByteBuffer.allocateDirect(length).put(chunk).flip();
            }
            int written = target.write(chunk);
            transferred += written;
            return written;
        }

        @Override
        public long position() {
            return 0;
        }

        @Override
        public long count() {
            return count;
        }

        @Override
        public long transferred() {
            return transferred;
        }

        @Override
        @Deprecated
        public long transfered() {
            return transferred;
        }

        @Override
        public FileRegion retain() {
            super.retain();
            return this;
        }

        @Override
        public FileRegion retain(int increment) {
            super.retain(increment);
            return this;
        }

        @Override
        public FileRegion touch() {
            return this;
        }

        @Override
        public FileRegion touch(Object hint) {
            return this;
        }

        @Override
        protected void deallocate() {
        }
    }
}
