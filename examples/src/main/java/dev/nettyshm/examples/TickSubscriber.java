package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A subscriber process of the {@link FanOut} example. It connects to the publisher over shared memory and introduces
 * itself, checks that the ticks arrive in sequence without a gap, records each tick's latency — from the publisher's
 * send time to its arrival here — in HdrHistograms, and when the feed ends prints its rate and latency and reports
 * them to the publisher. A slow one stops reading for a while after {@value #STALL_AFTER} ticks, as a subscriber
 * stuck in a long pause would. It ends when its connection does, with status 0 if it saw no gap — cut off by the
 * publisher or not.
 *
 * <p>Started by {@link FanOut} as {@code TickSubscriber NAME INDEX STALL_MILLIS}.
 */
public final class TickSubscriber {

    static final int STALL_AFTER = 20_000;

    private TickSubscriber() {
    }

    public static void main(String[] args) throws Exception {
        Reader reader = new Reader(Integer.parseInt(args[1]), Long.parseLong(args[2]));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(ShmChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            channel.pipeline().addLast(new FixedLengthFrameDecoder(Tick.BYTES), reader);
                        }
                    }).connect(new ShmAddress(args[0])).sync().channel();
            channel.closeFuture().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        System.out.println(reader.summary());
        if (reader.gaps > 0) {
            throw new IllegalStateException("subscriber " + reader.index + " missed " + reader.gaps + " ticks");
        }
    }

    /** Reads the feed on the subscriber's event loop; its fields are read by the main thread after the loop ended. */
    private static final class Reader extends SimpleChannelInboundHandler<ByteBuf> {
        private final int index;
        private final long stallMillis;
        private final Histogram steady = new Histogram(3);
        private final Histogram burst = new Histogram(3);
        private long expected = 1;
        private long ticks;
        private long gaps;
        private long measured;
        private long firstMeasured;
        private long lastMeasured;
        private boolean ended;

        Reader(int index, long stallMillis) {
            this.index = index;
            this.stallMillis = stallMillis;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx, SubscriberStatus.hello(index));
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            long now = System.nanoTime();
            Tick tick = Tick.readFrom(frame);
            if (tick.sequence() != expected) {
                gaps += Math.abs(tick.sequence() - expected);
            }
            expected = tick.sequence() + 1;
            if (tick.is(Tick.END)) {
                ended = true;
                send(ctx, report()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ticks++;
            if (!tick.is(Tick.WARMUP)) {
                if (measured++ == 0) {
                    firstMeasured = now;
                }
                lastMeasured = now;
                (tick.is(Tick.BURST) ? burst : steady).recordValue(Math.max(0, now - tick.sentNanos()));
            }
            if (ticks == STALL_AFTER && stallMillis > 0) {
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> ctx.channel().config().setAutoRead(true), stallMillis,
                        TimeUnit.MILLISECONDS);
            }
        }

        private static ChannelFuture send(ChannelHandlerContext ctx, SubscriberStatus status) {
            ByteBuf out = ctx.alloc().buffer(SubscriberStatus.BYTES);
            status.writeTo(out);
            return ctx.writeAndFlush(out);
        }

        private SubscriberStatus report() {
            return new SubscriberStatus(index, ProcessHandle.current().pid(), ticks, gaps, measured,
                    lastMeasured - firstMeasured, SubscriberStatus.Latency.of(steady),
                    SubscriberStatus.Latency.of(burst));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("subscriber " + index + ": " + cause);
            ctx.close();
        }

        String summary() {
            String who = String.format("subscriber %d (pid %d)", index, ProcessHandle.current().pid());
            String sequence = gaps == 0 ? "every one in sequence" : gaps + " MISSING from the sequence";
            if (!ended) {
                String stalled = stallMillis > 0
                        ? String.format("stalled %,d ms on purpose after %,d ticks; ", stallMillis, STALL_AFTER) : "";
                return String.format("%s: %sthe connection closed before the end of the feed, after %,d ticks, %s",
                        who, stalled, ticks, sequence);
            }
            SubscriberStatus report = report();
            return String.format("%s: %,d ticks, %s; %,d ticks/s; latency p50 / p99 / p99.9 µs: steady %s,"
                    + " bursts %s", who, ticks, sequence, report.rate(), report.steady(), report.burst());
        }
    }
}
