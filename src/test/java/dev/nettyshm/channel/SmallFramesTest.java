package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.ring.RingDescriptor;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Small framed messages cost per flush, not per message: a flush of many is one record of the ring, published once,
 * waking a sleeping peer once; and the peer's read hands its pipeline as many of their bytes as its buffer holds, so
 * one {@code channelRead} carries many frames.
 */
class SmallFramesTest {

    private static final int PAYLOAD = 60;
    private static final int FRAMES = 100;

    private final SenderAndReceiverLoops loops = new SenderAndReceiverLoops();
    private final ShmAddress address = new ShmAddress("small-frames-" + UUID.randomUUID());
    private final Receiver receiver = new Receiver();
    private final CompletableFuture<ShmChannel> child = new CompletableFuture<>();

    @AfterEach
    void shutdown() throws Exception {
        loops.close();
    }

    @Test
    void shouldGatherAFlushOfSmallFramesIntoOneRecordThatTheReceiverReadsInAFewReads() throws Exception {
        Channel server = server();
        ShmChannel client = client();
        ShmChannel accepted = child.get(10, TimeUnit.SECONDS);
        // The receiver reads nothing until the flush is in the ring.
        CompletableFuture<Void> resume = loops.holdReceiver();
        long readsBefore = accepted.metrics().reads();
        try {
            writeFrames(client, 0);
            int framed = FRAMES * (4 + PAYLOAD);
            assertThat(client.metrics().outRingFill()).as("one record for the whole flush, not one a frame")
                    .isEqualTo(RingDescriptor.recordLength(framed));
        } finally {
            resume.complete(null);
        }
        receiver.awaitFrames(FRAMES);
        assertThat(receiver.wrong).as("frames with a wrong byte").hasValue(0);
        assertThat(accepted.metrics().reads() - readsBefore).as("channelRead events for %d frames", FRAMES)
                .isLessThanOrEqualTo(FRAMES / 10);
        client.close().sync();
        server.close().sync();
    }

    @Test
    void shouldWakeASleepingReceiverOnceForAFlushOfManyFrames() throws Exception {
        Channel server = server();
        ShmChannel client = client();
        child.get(10, TimeUnit.SECONDS);
        for (int round = 0; round < 5; round++) {
            // Long enough for the receiver's loop to have stopped spinning and gone to sleep.
            Thread.sleep(50);
            long rung = client.metrics().doorbellsRung();
            writeFrames(client, round);
            receiver.awaitFrames((round + 1) * FRAMES);
            assertThat(client.metrics().doorbellsRung() - rung).as("wake-ups of the receiver for one flush")
                    .isLessThanOrEqualTo(1);
        }
        assertThat(receiver.wrong).as("frames with a wrong byte").hasValue(0);
        client.close().sync();
        server.close().sync();
    }

    private Channel server() throws InterruptedException {
        return new ServerBootstrap().group(loops.receiver).channel(ShmServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        child.complete((ShmChannel) ch);
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 16, 0, 4, 0, 4), receiver);
                    }
                }).bind(address).sync().channel();
    }

    private ShmChannel client() throws InterruptedException {
        return (ShmChannel) new Bootstrap().group(loops.sender).channel(ShmChannel.class)
                .handler(new LengthFieldPrepender(4)).connect(address).sync().channel();
    }

    /** Writes {@link #FRAMES} frames of {@link #PAYLOAD} bytes, each byte its number plus {@code round}; flushes once. */
    private static void writeFrames(Channel channel, int round) throws Exception {
        channel.eventLoop().submit(() -> {
            for (int i = 0; i < FRAMES; i++) {
                ByteBuf payload = channel.alloc().directBuffer(PAYLOAD);
                for (int b = 0; b < PAYLOAD; b++) {
                    payload.writeByte(i + round);
                }
                channel.write(payload);
            }
            channel.flush();
        }).sync();
    }

    /** Counts the frames decoded and those with a byte that is not their number plus the round's. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final AtomicInteger frames = new AtomicInteger();
        final AtomicInteger wrong = new AtomicInteger();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int n = frames.getAndIncrement();
            byte expected = (byte) (n % FRAMES + n / FRAMES);
            boolean intact = frame.readableBytes() == PAYLOAD;
            for (int i = frame.readerIndex(); intact && i < frame.writerIndex(); i++) {
                intact = frame.getByte(i) == expected;
            }
            if (!intact) {
                wrong.incrementAndGet();
            }
            frame.release();
        }

        void awaitFrames(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (frames.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(frames.get()).as("frames decoded").isEqualTo(count);
        }
    }
}
