package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sender that writes whenever its channel turns writable — as most do — must not take a crowded pool's last slots:
 * every further buffer would fall back to a copy. Netty turns the channel writable while the transport removes a
 * written message, inside the flush, and runs such a writer there and then.
 */
class PoolCrowdingTest {

    private static final int FRAME = 1 << 20;
    private static final int FRAMES = 32;

    private final SenderAndReceiverLoops loops = new SenderAndReceiverLoops();

    @AfterEach
    void shutdown() throws Exception {
        loops.close();
    }

    @Test
    void shouldHoldBackAWriterThatWritabilityRunsInsideAFlushBeforeThePoolRunsDry() throws Exception {
        ShmAddress address = new ShmAddress("pool-crowding-" + UUID.randomUUID());
        AtomicInteger intact = new AtomicInteger();
        CompletableFuture<Void> allArrived = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(loops.receiver).channel(ShmServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(2 * FRAME, 0, 4, 0, 4),
                                new ChannelInboundHandlerAdapter() {
                                    private int frames;

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ByteBuf frame = (ByteBuf) msg;
                                        if (frame.readableBytes() == FRAME && frame.getByte(0) == (byte) frames
                                                && frame.getByte(FRAME - 1) == (byte) ~frames) {
                                            intact.incrementAndGet();
                                        }
                                        frame.release();
                                        if (++frames == FRAMES) {
                                            allArrived.complete(null);
                                        }
                                    }
                                });
                    }
                }).bind(address).sync().channel();
        Pump pump = new Pump();
        ShmChannel client = (ShmChannel) new Bootstrap().group(loops.sender).channel(ShmChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldPrepender(4), pump);
                    }
                }).connect(address).sync().channel();
        // The receiver reads nothing until the sender has stopped: no slot comes back meanwhile.
        CompletableFuture<Void> resume = loops.holdReceiver();
        client.eventLoop().execute(() -> pump.write(client.pipeline().lastContext()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.isWritable() && pump.sent.get() < FRAMES && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        resume.complete(null);
        allArrived.get(30, TimeUnit.SECONDS);
        assertThat(intact.get()).isEqualTo(FRAMES);
        assertThat(client.metrics().poolFallbacks()).as("buffers that fell back to copies").isZero();
        assertThat(client.metrics().copiedBytesWritten()).as("bytes copied instead of shared").isZero();
        client.close().sync();
        server.close().sync();
    }

    /** Writes 1 MiB frames from the channel's allocator while the channel is writable, flushing each. */
    private static final class Pump extends ChannelInboundHandlerAdapter {
        final AtomicInteger sent = new AtomicInteger();

        void write(ChannelHandlerContext ctx) {
            while (sent.get() < FRAMES && ctx.channel().isWritable()) {
                int n = sent.getAndIncrement();
                ByteBuf frame = ctx.alloc().directBuffer(FRAME).writeZero(FRAME);
                frame.setByte(0, n).setByte(FRAME - 1, ~n);
                ctx.writeAndFlush(frame);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            write(ctx);
            ctx.fireChannelWritabilityChanged();
        }
    }
}
