package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline users run, between two JVMs: numbered frames through {@code LengthFieldPrepender} and
 * {@code LengthFieldBasedFrameDecoder}, echoed by a framed server in a process of its own, every byte of every frame
 * checked. A frame whose payload comes from the pool crosses whole — its 4-byte header copied into the slot's
 * headroom, header and payload in one descriptor — and the channel's counters show that nothing of it was copied.
 */
class FramedPipelineTest {

    /** Fewer than the 1 MiB slots of the default pool: no frame falls back to a copy for want of one. */
    private static final int IN_FLIGHT = 4;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private ChildJvm server;

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (server != null) {
            server.closeInput();
            assertThat(server.waitFor(30)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 1024, 64 << 10, 1 << 20})
    void shouldEchoEveryByteOfEveryFrameAndSendPooledFramesWithoutACopy(int frameLength) throws Exception {
        String name = "framed-" + UUID.randomUUID();
        server = ChildJvm.start(List.of(), TransportPeer.class, "framed-echo-server", name);
        server.awaitLine("ready");
        FramedEchoClient client = new FramedEchoClient(frameLength, IN_FLIGHT);
        ShmChannel channel = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class).handler(client)
                .connect(new ShmAddress(name)).sync().channel();
        long frames = frameLength >= 1 << 20 ? 200 : 4_000;
        client.awaitEchoes(frames, 60);
        client.stop();
        long echoed = client.drained.get(30, TimeUnit.SECONDS);
        assertThat(client.wrong).as("every byte of every frame, in order").hasValue(0);
        assertThat(client.failure).isNull();
        assertThat(echoed).isEqualTo(client.sent.get());

        ShmChannelMetrics metrics = channel.metrics();
        long framed = echoed * (frameLength + 4L);
        assertThat(metrics.bytesWritten()).isEqualTo(framed);
        if (frameLength >= ShmByteBufAllocator.DEFAULT_THRESHOLD) {
            assertThat(metrics.descriptorsSent()).as("one descriptor a frame: header and payload together")
                    .isEqualTo(echoed);
            assertThat(metrics.sharedBytesWritten()).isEqualTo(framed);
            assertThat(metrics.copiedBytesWritten()).as("no byte of a pooled frame copied").isZero();
        } else {
            assertThat(metrics.descriptorsSent()).as("frames below the pool's threshold are copied").isZero();
            assertThat(metrics.copiedBytesWritten()).isEqualTo(framed);
        }
        // The server echoes slices of this side's pool, which are not its own: they come back copied.
        assertThat(metrics.copiedBytesRead()).isEqualTo(framed);
        channel.close().sync();
    }
}
