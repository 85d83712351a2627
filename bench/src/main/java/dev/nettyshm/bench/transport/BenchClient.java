package dev.nettyshm.bench.transport;

import dev.nettyshm.channel.ShmChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.net.SocketAddress;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The client side of a measurement: {@code BenchClient TRANSPORT CPU ADDRESS pingpong SIZE WARMUP COUNT [WORK]}
 * ({@link RoundTripWork}, {@code echo} by default) prints {@code result p50 p99 p999} in nanoseconds
 * (HdrHistogram); {@code … throughput SIZE COUNT FLUSHEVERY [alloc]} prints
 * {@code result bytesPerSecond messagesPerSecond}. The event loop is pinned to CPU. For {@code LOCAL} the address
 * is {@code -SERVERCPU}: the server runs in this JVM on its own event loop, pinned to SERVERCPU.
 */
public final class BenchClient {

    /**
     * The shortest warm-up, whatever its count of messages ({@code -Dbench.warmupMillis}): a few thousand large
     * messages are too few for the JIT to finish compiling the send path. At 1 MiB one-way with a 3,000-message
     * warm-up, the shared-memory transport measured 6–13 GB/s; with 3 s of warm-up, 34–38 GB/s.
     */
    private static final long WARMUP_NANOS = Long.getLong("bench.warmupMillis", 3_000) * 1_000_000;

    private BenchClient() {
    }

    public static void main(String[] args) throws Exception {
        // Logback, which Netty's testsuite brings onto the class path, would take half a second of the JVM's start.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        Transport transport = Transport.valueOf(args[0]);
        String cpu = args[1];
        String target = args[2];
        String mode = args[3];
        int size = Integer.parseInt(args[4]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        EventLoopGroup serverGroup = null;
        try {
            Pinning.pin(group, cpu);
            SocketAddress address;
            Channel localServer = null;
            if (target.startsWith("-")) {
                serverGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
                Pinning.pin(serverGroup, target.substring(1));
                localServer = BenchServer.bind(transport, serverGroup, serverGroup, "bench-" + UUID.randomUUID());
                address = localServer.localAddress();
            } else {
                address = Transport.parse(target);
            }
            Measurement handler = mode.equals("pingpong")
                    ? new PingPong(size, Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                            args.length > 7 ? RoundTripWork.valueOf(args[7].toUpperCase()) : RoundTripWork.ECHO)
                    : new Throughput(size, Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                            args.length > 7 && args[7].equals("alloc"));
            Bootstrap bootstrap = clientBootstrap(transport, group).handler(handler)
                    // Room for several of the largest messages, so writability does not flip on every one.
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 2 << 20));
            Channel channel = bootstrap.connect(address).sync().channel();
            String result = handler.result.get(600, TimeUnit.SECONDS);
            channel.close().sync();
            if (localServer != null) {
                localServer.close().sync();
            }
            System.out.println("result " + result);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            if (serverGroup != null) {
                serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /**
     * A client of {@code transport} on {@code group}, set as every measurement's client is: {@code TCP_NODELAY} over
     * TCP; for shared memory, the ring capacity and pool size of {@code bench.ringCapacity} and {@code bench.poolSize}
     * if set — the client's values are the connection's.
     */
    static Bootstrap clientBootstrap(Transport transport, EventLoopGroup group) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.channel);
        if (transport == Transport.NIO_TCP || transport == Transport.EPOLL_TCP) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        Integer ringCapacity = Integer.getInteger("bench.ringCapacity");
        if (transport == Transport.SHM && ringCapacity != null) {
            bootstrap.option(ShmChannelOption.RING_CAPACITY, ringCapacity);
        }
        Integer poolSize = Integer.getInteger("bench.poolSize");
        if (transport == Transport.SHM && poolSize != null) {
            bootstrap.option(ShmChannelOption.POOL_SIZE, poolSize);
        }
        return bootstrap;
    }

    /** A client handler that completes its result line, or fails it with the channel's first exception. */
    private abstract static class Measurement extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> result = new CompletableFuture<>();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("the server closed the connection"));
        }
    }

    /**
     * One message in flight; times each round trip after at least {@code warmup} of them and WARMUP_NANOS. The
     * {@link RoundTripWork} says what each side does with a message.
     */
    private static final class PingPong extends Measurement {
        private final int size;
        private final int warmup;
        private final int count;
        private final RoundTripWork work;
        /** What {@link RoundTripWork#FILL} copies into each message; {@code null} for the other kinds of work. */
        private final ByteBuf payload;
        private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        private int round;
        private int recorded;
        private int received;
        private long sentAt;
        private long warmupStart;

        PingPong(int size, int warmup, int count, RoundTripWork work) {
            this.size = size;
            this.warmup = warmup;
            this.count = count;
            this.work = work;
            this.payload = work == RoundTripWork.FILL ? Payload.of(size) : null;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.write(ctx.alloc().buffer(5).writeByte(work.mode).writeInt(size));
            warmupStart = System.nanoTime();
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            received = 0;
            sentAt = System.nanoTime();
            ByteBuf message = ctx.alloc().buffer(size);
            ctx.writeAndFlush(work == RoundTripWork.FILL ? message.writeBytes(payload, 0, size)
                    : message.writeZero(size));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            boolean intact = work != RoundTripWork.FILL || Payload.endsIntact(buf, received, size);
            received += buf.readableBytes();
            buf.release();
            if (!intact) {
                result.completeExceptionally(new IllegalStateException("a reply arrived damaged"));
                return;
            }
            if (received < size) {
                return;
            }
            long now = System.nanoTime();
            if (round++ >= warmup && now - warmupStart >= WARMUP_NANOS) {
                histogram.recordValue(now - sentAt);
                recorded++;
            }
            if (recorded == count) {
                if (payload != null) {
                    payload.release();
                }
                result.complete(histogram.getValueAtPercentile(50) + " " + histogram.getValueAtPercentile(99) + " "
                        + histogram.getValueAtPercentile(99.9));
            } else {
                send(ctx);
            }
        }
    }

    /**
     * Messages as fast as the channel takes them, flushed every {@code flushEvery}; the server checks the first and
     * last 8 bytes of each and answers once it has every byte. Warm-up phases of the same length run first, as many as
     * WARMUP_NANOS takes, so that the measured one meets compiled code. Each message is either a duplicate of one
     * prepared buffer, which keeps the allocator's cost for large buffers out of the transport's, or — with {@code
     * alloc} — a buffer from the channel's allocator that the payload is copied into, as an encoder does: the work a
     * sender does anyway, and the way a shared-memory channel's buffers cross without a copy.
     */
    private static final class Throughput extends Measurement {
        private final ByteBuf payload;
        private final int size;
        private final int count;
        private final int flushEvery;
        private final boolean fill;
        private boolean warm;
        private long warmupStart;
        private int sent;
        private long start;

        Throughput(int size, int count, int flushEvery, boolean fill) {
            this.payload = Payload.of(size);
            this.size = size;
            this.count = count;
            this.flushEvery = flushEvery;
            this.fill = fill;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.write(ctx.alloc().buffer(5).writeByte('T').writeInt(size));
            warmupStart = System.nanoTime();
            startPhase(ctx);
        }

        private void startPhase(ChannelHandlerContext ctx) {
            sent = 0;
            start = System.nanoTime();
            ctx.write(ctx.alloc().buffer(8).writeLong((long) size * count));
            sendWhileWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            sendWhileWritable(ctx);
        }

        private void sendWhileWritable(ChannelHandlerContext ctx) {
            while (sent < count && ctx.channel().isWritable()) {
                ctx.write(fill ? ctx.alloc().directBuffer(size).writeBytes(payload, 0, size)
                        : payload.retainedDuplicate());
                if (++sent % flushEvery == 0) {
                    ctx.flush();
                }
            }
            ctx.flush();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf answer = (ByteBuf) msg;
            boolean intact = answer.getByte(answer.readerIndex()) == '!';
            answer.release();
            if (!intact) {
                result.completeExceptionally(new IllegalStateException("the server found a message damaged"));
                return;
            }
            if (!warm) {
                warm = System.nanoTime() - warmupStart >= WARMUP_NANOS;
                startPhase(ctx);
                return;
            }
            payload.release();
            double seconds = (System.nanoTime() - start) / 1e9;
            result.complete((long) ((double) size * count / seconds) + " " + (long) (count / seconds));
        }
    }
}