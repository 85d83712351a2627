package dev.nettyshm.bench.transport;

import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Two numbers the idle policy is judged by, for connections between two JVMs: the CPU an idle connected
 * shared-memory pair burns (each side, in percent of one core, over ten seconds), and the one-way delay of a
 * message to a peer whose loop has gone to sleep — from the sender's clock before the write to the receiver's on
 * arrival; the machine's monotonic clock is shared by its processes. Messages go every 2 ms and every 20 ms, long
 * enough for the peer to fall asleep; the longer a CPU has been idle, the longer this VM takes to wake it. Beside
 * the shared-memory transport: Netty's NIO TCP (whose loop, like this transport's, sleeps in a JDK
 * {@code Selector}), its epoll domain sockets, and the floor — a thread blocked in a plain socket {@code read},
 * which every wake-up on the machine pays at least.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-idle} (about a minute).
 */
public final class IdleAndWakeup {

    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final int[] GAPS_MILLIS = {2, 20};
    private static final int SAMPLES = 200;
    private static final int WARMUP = 20_000;

    private IdleAndWakeup() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(idleCpu());
        System.out.println("\n| idle before each message | shared memory p50 / p90 µs | NIO TCP p50 / p90 µs"
                + " | epoll domain socket p50 / p90 µs | floor: blocked read p50 / p90 µs |\n|---|---:|---:|---:|---:|");
        for (int gap : GAPS_MILLIS) {
            Histogram shm = overNetty(Transport.SHM, gap);
            Histogram nio = overNetty(Transport.NIO_TCP, gap);
            Histogram uds = overNetty(Transport.EPOLL_UDS, gap);
            Histogram floor = floor(gap);
            System.out.printf("| %d ms | %s | %s | %s | %s |%n", gap, cell(shm), cell(nio), cell(uds), cell(floor));
        }
    }

    private static String idleCpu() throws Exception {
        Process server = startServer(Transport.SHM);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(ShmChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(Transport.parse(TransportReport.awaitReady(server))).sync().channel();
            channel.writeAndFlush(channel.alloc().buffer(1).writeByte('P')).sync();
            Thread.sleep(2_000);
            long serverBefore = cpuNanos(server.toHandle());
            long clientBefore = cpuNanos(ProcessHandle.current());
            Thread.sleep(IDLE.toMillis());
            double serverPercent = 100.0 * (cpuNanos(server.toHandle()) - serverBefore) / IDLE.toNanos();
            double clientPercent = 100.0 * (cpuNanos(ProcessHandle.current()) - clientBefore) / IDLE.toNanos();
            channel.close().sync();
            return String.format("idle connected shared-memory pair over %d s: server %.2f%% of a core, client %.2f%%"
                    + " (JVM total, all threads)", IDLE.toSeconds(), serverPercent, clientPercent);
        } finally {
            TransportReport.stop(server);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Histogram overNetty(Transport transport, int gapMillis) throws Exception {
        Process server = startServer(transport);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Probe probe = new Probe(gapMillis);
            Channel channel = new Bootstrap().group(group).channel(transport.channel).handler(probe)
                    .connect(Transport.parse(TransportReport.awaitReady(server))).sync().channel();
            Histogram delays = probe.done.get(120, TimeUnit.SECONDS);
            channel.close().sync();
            return delays;
        } finally {
            TransportReport.stop(server);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Histogram floor(int gapMillis) throws Exception {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "wake-floor-" + UUID.randomUUID() + ".sock");
        Process server = TransportReport.start(List.of(), WakeFloor.class, List.of(path.toString()));
        try {
            TransportReport.awaitReady(server);
            Histogram delays = new Histogram(3_600_000_000_000L, 3);
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                ByteBuffer stamp = ByteBuffer.allocateDirect(8);
                for (int i = -WARMUP; i < SAMPLES; i++) {
                    if (i >= 0) {
                        Thread.sleep(gapMillis);
                    }
                    stamp.clear();
                    stamp.putLong(0, System.nanoTime());
                    while (stamp.hasRemaining()) {
                        channel.write(stamp);
                    }
                    stamp.clear();
                    while (stamp.hasRemaining()) {
                        if (channel.read(stamp) < 0) {
                            throw new IOException("the floor's peer ended");
                        }
                    }
                    if (i >= 0) {
                        delays.recordValue(stamp.getLong(0));
                    }
                }
            }
            return delays;
        } finally {
            TransportReport.stop(server);
        }
    }

    /**
     * Sends stamps from the client's own event loop, which its timer has just woken. Warm-up stamps go back to
     * back, so the JIT has compiled the path before it is timed.
     */
    private static final class Probe extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Histogram> done = new CompletableFuture<>();
        private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        private final int gapMillis;
        private final ByteBuf reply = io.netty.buffer.Unpooled.buffer(8);
        private int round = -WARMUP;

        Probe(int gapMillis) {
            this.gapMillis = gapMillis;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.write(ctx.alloc().buffer(1).writeByte('W'));
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(System.nanoTime()));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            reply.writeBytes(buf, Math.min(buf.readableBytes(), reply.writableBytes()));
            buf.release();
            if (reply.isWritable()) {
                return;
            }
            long delay = reply.readLong();
            reply.clear();
            if (round >= 0) {
                histogram.recordValue(delay);
            }
            if (++round == SAMPLES) {
                done.complete(histogram);
            } else if (round <= 0) {
                send(ctx);
            } else {
                ctx.executor().schedule(() -> send(ctx), gapMillis, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private static Process startServer(Transport transport) throws IOException {
        return TransportReport.start(List.of(), BenchServer.class, List.of(transport.name(), "-"));
    }

    private static String cell(Histogram histogram) {
        return String.format("%.1f / %.1f", histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(90) / 1e3);
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
