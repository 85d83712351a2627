package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.FixedLengthFrameDecoder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The publisher of the {@link FanOut} example: a {@link ShmServerChannel} whose every connection subscribes to one
 * feed of {@link Tick}s. The feed runs on the server's single event loop, which its connections share, so no write
 * crosses threads: once a millisecond it sends the ticks due at the steady rate, and every 100 ms a burst. Each
 * batch is encoded once and every subscriber is written a duplicate of it, which the transport copies into that
 * subscriber's ring.
 *
 * <p>A feed cannot wait for its slowest reader. A subscriber whose connection stays unwritable — its ring full and
 * more than the high water mark waiting behind it — for longer than a grace period is cut off: the publisher closes
 * its connection and drops what was waiting. So one slow subscriber holds at most the water mark plus what the grace
 * period publishes, and the others never notice it.
 */
final class TickPublisher {

    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long BURST_INTERVAL = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int SYMBOLS = 16;

    private final int rate;
    private final int burstSize;
    private final long graceNanos;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final CountDownLatch introduced;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final long[] prices = new long[SYMBOLS];
    private final SplittableRandom random = new SplittableRandom(42);
    /**
     * Paces the feed. The shared-memory event loop polls for a deadline less than a millisecond away, so ticks
     * scheduled on it would keep its CPU busy, a CPU the subscribers may need; this timer sleeps between them and
     * hands each millisecond's work to the loop.
     */
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("feed-pacer").daemon().factory());
    private Channel server;
    // The feed's state: touched only on the event loop.
    private boolean feedEnded;
    private long start;
    private long warmupNanos;
    private long endNanos;
    private long steadySent;
    private long nextBurst;
    private long sequence;

    /**
     * @param subscribers how many subscribers {@link #awaitSubscribers} waits for
     * @param rate        ticks a second at the steady rate
     * @param burstSize   ticks in each burst
     * @param grace       how long a subscriber may stay unwritable before it is cut off
     */
    TickPublisher(int subscribers, int rate, int burstSize, Duration grace) {
        this.introduced = new CountDownLatch(subscribers);
        this.rate = rate;
        this.burstSize = burstSize;
        this.graceNanos = grace.toNanos();
        Arrays.fill(prices, 100 * 10_000);
    }

    /** Binds {@code address} on {@code group}, which must have one event loop: the feed's and its connections'. */
    void bind(EventLoopGroup group, ShmAddress address) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        Subscription subscription = new Subscription(channel);
                        subscriptions.add(subscription);
                        channel.pipeline().addLast(new FixedLengthFrameDecoder(SubscriberStatus.BYTES), subscription);
                    }
                }).bind(address).sync().channel();
    }

    /** Waits until every subscriber has introduced itself; fails if one of {@code processes} ends first. */
    void awaitSubscribers(List<Process> processes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!introduced.await(100, TimeUnit.MILLISECONDS)) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("subscriber process " + process.pid() + " ended with status "
                            + process.exitValue() + " before it subscribed");
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the subscribers did not all connect within " + timeout);
            }
        }
    }

    /**
     * Publishes for {@code warmup} then {@code measured}, then ends the feed.
     *
     * @return completes when every subscription has closed
     */
    CompletableFuture<Void> publish(Duration warmup, Duration measured) {
        EventLoop loop = server.eventLoop();
        loop.execute(() -> {
            start = System.nanoTime();
            warmupNanos = warmup.toNanos();
            endNanos = warmupNanos + measured.toNanos();
            nextBurst = BURST_INTERVAL;
            pacer.scheduleAtFixedRate(() -> loop.execute(this::publishDue), 0, 1, TimeUnit.MILLISECONDS);
        });
        return ended;
    }

    /** Ticks published, the last sequence number. */
    long published() {
        return sequence;
    }

    List<Subscription> subscriptions() {
        return List.copyOf(subscriptions);
    }

    void close() throws InterruptedException {
        server.close().sync();
    }

    private void publishDue() {
        long now = System.nanoTime();
        long elapsed = now - start;
        if (feedEnded) {
            return;
        }
        if (elapsed >= endNanos) {
            endFeed(now);
            return;
        }
        int steady = (int) (rate * elapsed / SECOND - steadySent);
        int burst = 0;
        if (elapsed >= nextBurst) {
            burst = burstSize;
            nextBurst += BURST_INTERVAL;
        }
        if (steady + burst == 0) {
            return;
        }
        int flags = elapsed < warmupNanos ? Tick.WARMUP : 0;
        ByteBuf batch = ByteBufAllocator.DEFAULT.directBuffer((steady + burst) * Tick.BYTES);
        for (int i = 0; i < steady + burst; i++) {
            nextTick(now, i < steady ? flags : flags | Tick.BURST).writeTo(batch);
        }
        steadySent += steady;
        for (Subscription subscription : subscriptions) {
            subscription.send(batch, steady + burst, now);
        }
        batch.release();
    }

    private Tick nextTick(long now, int flags) {
        long number = ++sequence;
        int symbol = (int) (number % SYMBOLS);
        prices[symbol] = Math.max(1, prices[symbol] + random.nextInt(-50, 51));
        return new Tick(number, now, prices[symbol], symbol, flags);
    }

    private void endFeed(long now) {
        feedEnded = true;
        pacer.shutdown();
        ByteBuf end = ByteBufAllocator.DEFAULT.directBuffer(Tick.BYTES);
        Tick.end(sequence + 1, now).writeTo(end);
        CompletableFuture<?>[] closed = new CompletableFuture<?>[subscriptions.size()];
        for (int i = 0; i < closed.length; i++) {
            Subscription subscription = subscriptions.get(i);
            subscription.send(end, 0, now);
            closed[i] = subscription.closed;
        }
        end.release();
        CompletableFuture.allOf(closed).whenComplete((done, failure) -> ended.complete(null));
    }

    /** One subscriber's connection, as the publisher sees it. */
    final class Subscription extends SimpleChannelInboundHandler<ByteBuf> {
        private final Channel channel;
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private volatile SubscriberStatus hello;
        private volatile SubscriberStatus report;
        private volatile long ticksSent;
        private volatile boolean cutOff;
        private long unwritableSince;

        Subscription(Channel channel) {
            this.channel = channel;
            channel.closeFuture().addListener(future -> closed.complete(null));
        }

        /** Who is on this connection; {@code null} until it said so. */
        SubscriberStatus hello() {
            return hello;
        }

        /** Its report of the run; {@code null} unless it received the whole feed. */
        SubscriberStatus report() {
            return report;
        }

        long ticksSent() {
            return ticksSent;
        }

        boolean cutOff() {
            return cutOff;
        }

        /** Writes a duplicate of {@code batch}, or cuts the subscriber off if it has been unwritable too long. */
        void send(ByteBuf batch, int ticks, long now) {
            if (cutOff || !channel.isActive()) {
                return;
            }
            if (channel.isWritable()) {
                unwritableSince = 0;
            } else if (unwritableSince == 0) {
                unwritableSince = now;
            } else if (now - unwritableSince > graceNanos) {
                cutOff = true;
                // What must drain before it is writable again, plus the low water mark: what waits for it.
                long waiting = channel.bytesBeforeWritable() + WATER_MARK.low();
                System.out.printf("publisher: subscriber %d unwritable for %d ms: cut off after %,d ticks, dropping"
                        + " the %,d KiB that waited for it%n", hello.index(), TimeUnit.NANOSECONDS.toMillis(graceNanos),
                        ticksSent, waiting / 1024);
                channel.close();
                return;
            }
            channel.writeAndFlush(batch.retainedDuplicate(), channel.voidPromise());
            ticksSent += ticks;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            SubscriberStatus status = SubscriberStatus.readFrom(frame);
            if (hello == null) {
                hello = status;
                introduced.countDown();
            } else {
                report = status;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A subscriber that went away: its connection closes, and the summary shows it without a report.
            ctx.close();
        }
    }
}
