package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.ShmFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Sequenced messages of random lengths, 1 B to 64 KiB, from a server process to this one over one connection:
 * none lost, duplicated, reordered or damaged ({@link SoakMessages}). CI sends {@value #DEFAULT_MESSAGES};
 * {@code -Ddev.nettyshm.test.soakMessages=100000000} is the soak, about 3.3 TB.
 */
class SoakTest {

    private static final long DEFAULT_MESSAGES = 20_000;
    private static final long MESSAGES = Long.getLong("dev.nettyshm.test.soakMessages", DEFAULT_MESSAGES);

    @Test
    void shouldDeliverEverySequencedMessageOfRandomLengthIntactAndInOrder() throws Exception {
        String name = "soak-" + UUID.randomUUID();
        long seed = System.nanoTime();
        ChildJvm server = ChildJvm.start(TransportPeer.class, "soak-server", name, String.valueOf(MESSAGES),
                String.valueOf(seed));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            server.awaitLine("ready");
            SoakMessages.Reader reader = new SoakMessages.Reader(MESSAGES, seed);
            long start = System.nanoTime();
            Channel channel = new Bootstrap().group(group).channel(ShmChannel.class).handler(reader)
                    .connect(new ShmAddress(name)).sync().channel();
            reader.done.get(120 + MESSAGES / 50_000, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("soak: %,d messages, %,d bytes in %.1f s (%,.0f messages/s, %,.0f MB/s), seed %d%n",
                    reader.received(), reader.bytes(), seconds, reader.received() / seconds,
                    reader.bytes() / seconds / 1e6, seed);
            assertThat(reader.received()).isEqualTo(MESSAGES);
            assertThat(reader.damaged()).isZero();
            channel.close().sync();
        } finally {
            server.closeInput();
            assertThat(server.waitFor(60)).isZero();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertThat(ShmFiles.containing(name)).as("nothing left behind").isEmpty();
    }

}
