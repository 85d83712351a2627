package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client of a framed echo server, as users frame their messages: {@link LengthFieldPrepender} out,
 * {@link LengthFieldBasedFrameDecoder} in. It keeps {@code inFlight} numbered frames of one length on their way,
 * each filled from {@code ctx.alloc()}, and checks every byte of every frame that comes back, in order: the number
 * first, then the rest against a fixed random payload.
 */
final class FramedEchoClient extends ChannelInitializer<Channel> {

    private static final ByteBuf PAYLOAD;

    static {
        byte[] bytes = new byte[16 << 20];
        new Random(42).nextBytes(bytes);
        PAYLOAD = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes));
    }

    private final int frameLength;
    private final int inFlight;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong echoed = new AtomicLong();
    /** Frames that came back out of order, or with a wrong byte. */
    final AtomicLong wrong = new AtomicLong();
    /** When the channel went inactive, in {@link System#nanoTime()}. */
    final CompletableFuture<Long> inactive = new CompletableFuture<>();
    /** Completes once every frame sent has come back, after {@link #stop()}. */
    final CompletableFuture<Long> drained = new CompletableFuture<>();
    volatile Throwable failure;
    private volatile boolean stopping;

    FramedEchoClient(int frameLength, int inFlight) {
        if (frameLength < Long.BYTES || frameLength > PAYLOAD.capacity()) {
            throw new IllegalArgumentException("frame length " + frameLength);
        }
        this.frameLength = frameLength;
        this.inFlight = inFlight;
    }

    /** Waits until {@code count} frames have come back; fails after {@code seconds}, or if the channel closed. */
    void awaitEchoes(long count, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (echoed.get() < count) {
            if (inactive.isDone() || System.nanoTime() > deadline) {
                throw new AssertionError(echoed.get() + " of " + count + " frames came back"
                        + (inactive.isDone() ? " before the channel closed" : " within " + seconds + " s")
                        + (failure == null ? "" : ": " + failure));
            }
            Thread.sleep(1);
        }
    }

    /** Sends no new frame from now on; {@link #drained} completes once the last one is back. */
    void stop() {
        stopping = true;
        if (echoed.get() == sent.get()) {
            drained.complete(echoed.get());
        }
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline().addLast(new LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 4),
                new LengthFieldPrepender(4), new Checker());
    }

    private final class Checker extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            for (int i = 0; i < inFlight; i++) {
                send(ctx);
            }
            ctx.flush();
        }

        private void send(ChannelHandlerContext ctx) {
            ByteBuf frame = ctx.alloc().directBuffer(frameLength);
            frame.writeLong(sent.getAndIncrement());
            frame.writeBytes(PAYLOAD, Long.BYTES, frameLength - Long.BYTES);
            ctx.write(frame);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                long expected = echoed.getAndIncrement();
                if (frame.readableBytes() != frameLength || frame.getLong(frame.readerIndex()) != expected
                        || !ByteBufUtil.equals(frame, frame.readerIndex() + Long.BYTES, PAYLOAD, Long.BYTES,
                                frameLength - Long.BYTES)) {
                    wrong.incrementAndGet();
                }
            } finally {
                frame.release();
            }
            if (!stopping) {
                send(ctx);
                ctx.flush();
            } else if (echoed.get() == sent.get()) {
                drained.complete(echoed.get());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive.complete(System.nanoTime());
        }
    }
}
