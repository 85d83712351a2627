package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The client side of {@link FramedReport}: {@code FramedClient TRANSPORT CPU ADDRESS throughput SIZE COUNT} or
 * {@code … echo SIZE WARMUP COUNT}, its event loop pinned to CPU, its pipeline framed ({@link Framing}).
 *
 * <p>{@code throughput}: phases of COUNT frames, each a buffer from {@code ctx.alloc()} that SIZE payload bytes are
 * copied into, written through the prepender and flushed after at most {@value #BATCH} writes, the channel's
 * writability honoured with water marks of 256 and 1024 KiB. The server decodes, checks and releases each, and
 * answers at the end of a phase. Phases repeat for at least {@code bench.warmupMillis} (3 s by default); one more is
 * measured: {@code result bytesPerSecond messagesPerSecond}, payload bytes only.
 *
 * <p>{@code echo}: one frame of SIZE bytes in flight, echoed by the server through its own prepender and decoded
 * here; WARMUP round trips, then COUNT recorded with HdrHistogram: {@code result p50 p99 p999} in nanoseconds.
 */
public final class FramedClient {

    /** Writes between two flushes, at most. */
    static final int BATCH = 256;
    private static final long WARMUP_NANOS = Long.getLong("bench.warmupMillis", 3_000) * 1_000_000;

    private FramedClient() {
    }

    public static void main(String[] args) throws Exception {
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        Transport transport = Transport.valueOf(args[0]);
        int size = Integer.parseInt(args[4]);
        Measurement measurement = args[3].equals("echo")
                ? new Echo(size, Integer.parseInt(args[5]), Integer.parseInt(args[6]))
                : new Throughput(size, Long.parseLong(args[5]));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(group, args[1]);
            Channel channel = BenchClient.clientBootstrap(transport, group)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            Framing.addTo(ch.pipeline());
                            ch.pipeline().addLast(measurement);
                        }
                    })
                    .connect(Transport.parse(args[2])).sync().channel();
            String result = measurement.result.get(600, TimeUnit.SECONDS);
            channel.close().sync();
            System.out.println("result " + result);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private abstract static class Measurement extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> result = new CompletableFuture<>();
        final int size;
        final ByteBuf payload;
        final long start = System.nanoTime();

        Measurement(int size) {
            this.size = size;
            this.payload = Payload.of(size);
        }

        /** A frame's payload, as an encoder writes one: a buffer of the channel's allocator, filled. */
        ByteBuf message(ChannelHandlerContext ctx) {
            return ctx.alloc().buffer(size).writeBytes(payload, 0, size);
        }

        void finish(String outcome) {
            payload.release();
            result.complete(outcome);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("the server closed the connection"));
        }
    }

    private static final class Throughput extends Measurement {
        private final long count;
        private long sent;
        private long phaseStart;
        private boolean measuring;

        Throughput(int size, long count) {
            super(size);
            this.count = count;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            phase(ctx);
        }

        private void phase(ChannelHandlerContext ctx) {
            sent = 0;
            phaseStart = System.nanoTime();
            ctx.write(ctx.alloc().buffer(9).writeByte('T').writeLong(count));
            pump(ctx);
        }

        /** Writes while the channel is writable, as a well-behaved sender does, flushing every {@value #BATCH}. */
        private void pump(ChannelHandlerContext ctx) {
            int unflushed = 0;
            while (sent < count && ctx.channel().isWritable()) {
                ctx.write(message(ctx));
                sent++;
                if (++unflushed == BATCH || !ctx.channel().isWritable()) {
                    ctx.flush();
                    unflushed = 0;
                }
            }
            if (unflushed > 0) {
                ctx.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pump(ctx);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf answer = (ByteBuf) msg;
            boolean intact = answer.readByte() == '!';
            answer.release();
            if (!intact) {
                result.completeExceptionally(new IllegalStateException("a frame arrived damaged"));
                return;
            }
            long now = System.nanoTime();
            if (measuring) {
                double seconds = (now - phaseStart) / 1e9;
                finish((long) (count * size / seconds) + " " + (long) (count / seconds));
                return;
            }
            measuring = now - start >= WARMUP_NANOS;
            phase(ctx);
        }
    }

    private static final class Echo extends Measurement {
        private final int warmup;
        private final int count;
        private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        private int round;
        private int recorded;
        private long sentAt;

        Echo(int size, int warmup, int count) {
            super(size);
            this.warmup = warmup;
            this.count = count;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.write(ctx.alloc().buffer(1).writeByte('E'));
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            sentAt = System.nanoTime();
            ctx.writeAndFlush(message(ctx));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            boolean intact = frame.readableBytes() == size && Payload.endsIntact(frame, 0, size);
            frame.release();
            if (!intact) {
                result.completeExceptionally(new IllegalStateException("an echo arrived damaged"));
                return;
            }
            long now = System.nanoTime();
            if (round++ >= warmup && now - start >= WARMUP_NANOS) {
                histogram.recordValue(now - sentAt);
                recorded++;
            }
            if (recorded == count) {
                finish(histogram.getValueAtPercentile(50) + " " + histogram.getValueAtPercentile(99) + " "
                        + histogram.getValueAtPercentile(99.9));
            } else {
                send(ctx);
            }
        }
    }
}
