package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A file of 1 GiB sent as a {@link DefaultFileRegion} to a second JVM, which checksums every byte it receives. */
class TwoProcessFileRegionTest {

    private static final long SIZE = 1L << 30;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final String name = "file-region-" + UUID.randomUUID();

    /** On disk, under the temporary directory: a file a server would send, not shared memory. */
    @TempDir
    Path dir;

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    @Timeout(120)
    void shouldSendAGibibyteFileToAnotherProcessByteForByte() throws Exception {
        Path file = sparseFile(dir.resolve("sparse.bin"));
        long position = 4097;
        long count = SIZE - position - 12_289;
        ChecksumHandler.Result expected = ChecksumHandler.of(file, position, count);
        ChildJvm receiver = ChildJvm.start(TransportPeer.class, "checksum-server", name);
        receiver.awaitLine("ready");
        try {
            ShmChannel client = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(new ShmAddress(name)).sync().channel();
            long start = System.nanoTime();
            client.writeAndFlush(new DefaultFileRegion(file.toFile(), position, count)).sync();
            client.close().sync();
            String received = receiver.awaitLineStartingWith("received ");
            // Not a measurement: both JVMs are cold, and the receiver checksums every byte (see FileReport).
            System.out.printf("1 GiB file region to another process, checksummed there: %.2f s%n",
                    (System.nanoTime() - start) / 1e9);

            assertThat(received).isEqualTo(expected.bytes() + " " + expected.crc());
            ShmChannelMetrics sent = client.metrics();
            assertThat(sent.bytesWritten()).isEqualTo(count);
            assertThat(sent.descriptorsSent()).as("chunks read straight into pool slots").isPositive();
        } finally {
            receiver.closeInput();
            assertThat(receiver.waitFor(30)).isZero();
        }
    }

    /**
     * A sparse file of {@link #SIZE} bytes with 4 KiB of noise about every 3 MiB, at uneven offsets: a chunk lost,
     * sent twice or out of place changes the checksum.
     */
    private static Path sparseFile(Path path) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(SIZE);
            SplittableRandom random = new SplittableRandom(42);
            byte[] noise = new byte[4096];
            for (long at = 1234; at < SIZE - noise.length; at += (3 << 20) + 4099) {
                random.nextBytes(noise);
                file.seek(at);
                file.write(noise);
            }
        }
        return path;
    }
}
