package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIdlePolicy;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Two numbers the idle policy is judged by, for connections between two JVMs: the CPU an idle connected
 * shared-memory pair burns (each side, in percent of one core, over ten seconds in the standalone run), and the
 * one-way delay of a message to a peer whose loop has gone to sleep — from the sender's clock before the write to
 * the receiver's on arrival; the machine's monotonic clock is shared by its processes. Messages go every 2 ms and
 * every 20 ms, long enough for the peer to fall asleep; the longer a CPU has been idle, the longer this VM takes to
 * wake it. The shared-memory transport twice — its loops asleep on futexes, and forced into their selectors, the
 * portable fallback — beside Netty's NIO TCP (whose loop sleeps in a JDK {@code Selector}), its epoll domain
 * sockets, and the floor: a thread blocked in a plain socket {@code read}.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-idle} (about two minutes).
 */
public final class IdleAndWakeup {

    private static final int[] GAPS_MILLIS = {2, 20};

    /** The wake-up table's columns: this transport sleeping either way, and the kernel's transports. */
    private enum Column {
        SHM_FUTEX("shared memory, futex", Transport.SHM, true),
        SHM_SELECTOR("shared memory, selector (the fallback)", Transport.SHM, false),
        NIO_TCP("NIO TCP", Transport.NIO_TCP, true),
        EPOLL_UDS("epoll domain socket", Transport.EPOLL_UDS, true);

        final String label;
        final Transport transport;
        /** For shared memory: whether both sides may sleep on futexes. */
        final boolean futex;

        Column(String label, Transport transport, boolean futex) {
            this.label = label;
            this.transport = transport;
            this.futex = futex;
        }
    }
    /** Between the {@link Length#asleep()} warm-up messages: long enough for every loop here to fall asleep. */
    private static final int ASLEEP_GAP_MILLIS = 4;

    /**
     * How long a run is: the idle CPU is measured over {@code idle}; each wake-up column has {@code samples}
     * messages, after {@code warmup} sent back to back and {@code asleep} sent {@value #ASLEEP_GAP_MILLIS} ms apart,
     * so that the JIT has compiled both the busy path and the wake-up path before they are timed — as in a service
     * that has run for a while. Without the second warm-up the first few hundred wake-ups ran partly interpreted:
     * on the development VM the shared-memory median fell from about 200 µs to about 40 µs over the first 500.
     */
    public record Length(Duration idle, int samples, int warmup, int asleep) {
        /** The standalone run's. */
        public static final Length FULL = new Length(Duration.ofSeconds(10), 200, 20_000, 1_000);
        /** Half of it, for the combined report. */
        public static final Length SHORT = new Length(Duration.ofSeconds(5), 100, 10_000, 1_000);
        /** Enough to see that it runs. */
        public static final Length SMOKE = new Length(Duration.ofSeconds(1), 20, 2_000, 20);
    }

    private IdleAndWakeup() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(markdown(Length.FULL));
    }

    /** The idle CPU sentence and the wake-up table. */
    public static String markdown(Length length) throws Exception {
        String idle = idleCpu(length.idle());
        List<List<Histogram>> delays = new ArrayList<>();
        List<String> headers = new ArrayList<>(List.of("idle before each message"));
        for (Column column : Column.values()) {
            delays.add(overNetty(column, length));
            headers.add(column.label + " p50 / p90 µs");
        }
        headers.add("floor: blocked read p50 / p90 µs");
        MarkdownTable table = new MarkdownTable(headers.toArray(String[]::new));
        for (int i = 0; i < GAPS_MILLIS.length; i++) {
            List<String> row = new ArrayList<>(List.of(GAPS_MILLIS[i] + " ms"));
            for (List<Histogram> column : delays) {
                row.add(cell(column.get(i)));
            }
            row.add(cell(floor(GAPS_MILLIS[i], length)));
            table.row(row);
        }
        return idle + "\n\n" + table;
    }

    private static String idleCpu(Duration idle) throws Exception {
        Process server = BenchJvm.start(List.of(), BenchServer.class, List.of(Transport.SHM.name(), "-"));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(ShmChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(Transport.parse(BenchJvm.awaitReady(server))).sync().channel();
            channel.writeAndFlush(channel.alloc().buffer(5).writeByte(RoundTripWork.ECHO.mode).writeInt(0)).sync();
            // Let both JVMs finish starting up before their CPU time counts.
            Thread.sleep(Math.min(2_000, idle.toMillis()));
            long serverBefore = cpuNanos(server.toHandle());
            long clientBefore = cpuNanos(ProcessHandle.current());
            Thread.sleep(idle.toMillis());
            double serverPercent = 100.0 * (cpuNanos(server.toHandle()) - serverBefore) / idle.toNanos();
            double clientPercent = 100.0 * (cpuNanos(ProcessHandle.current()) - clientBefore) / idle.toNanos();
            channel.close().sync();
            return String.format("idle connected shared-memory pair over %d s: server %.2f%% of a core, client %.2f%%"
                    + " (JVM total, all threads)", idle.toSeconds(), serverPercent, clientPercent);
        } finally {
            BenchJvm.stop(server);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The delays after each of {@link #GAPS_MILLIS}, each on a connection of its own to one server. */
    private static List<Histogram> overNetty(Column column, Length length) throws Exception {
        Transport transport = column.transport;
        Process server = BenchJvm.start(List.of("-Ddev.nettyshm.futex=" + column.futex), BenchServer.class,
                List.of(transport.name(), "-"));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport == Transport.SHM
                ? ShmIoHandler.newFactory(ShmIdlePolicy.DEFAULT.withFutex(column.futex))
                : transport.ioHandlerFactory);
        try {
            SocketAddress address = Transport.parse(BenchJvm.awaitReady(server));
            List<Histogram> delays = new ArrayList<>();
            for (int gap : GAPS_MILLIS) {
                Probe probe = new Probe(gap, length);
                Channel channel = new Bootstrap().group(group).channel(transport.channel).handler(probe)
                        .connect(address).sync().channel();
                delays.add(probe.done.get(120, TimeUnit.SECONDS));
                channel.close().sync();
            }
            return delays;
        } finally {
            BenchJvm.stop(server);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Histogram floor(int gapMillis, Length length) throws Exception {
        Path path = Path.of(System.getProperty("java.io.tmpdir"), "wake-floor-" + UUID.randomUUID() + ".sock");
        Process server = BenchJvm.start(List.of(), WakeFloor.class, List.of(path.toString()));
        try {
            BenchJvm.awaitReady(server);
            Histogram delays = new Histogram(3_600_000_000_000L, 3);
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                ByteBuffer stamp = ByteBuffer.allocateDirect(8);
                for (int i = -length.warmup() - length.asleep(); i < length.samples(); i++) {
                    if (i >= -length.asleep()) {
                        Thread.sleep(i >= 0 ? gapMillis : ASLEEP_GAP_MILLIS);
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
            BenchJvm.stop(server);
        }
    }

    /**
     * Sends stamps from the client's own event loop, which its timer has just woken, after the warm-up stamps the
     * {@link Length} asks for.
     */
    private static final class Probe extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Histogram> done = new CompletableFuture<>();
        private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        private final int gapMillis;
        private final int samples;
        private final int asleep;
        private final ByteBuf reply = io.netty.buffer.Unpooled.buffer(8);
        private int round;

        Probe(int gapMillis, Length length) {
            this.gapMillis = gapMillis;
            this.samples = length.samples();
            this.asleep = length.asleep();
            this.round = -length.warmup() - length.asleep();
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
            if (++round == samples) {
                done.complete(histogram);
            } else if (round < -asleep) {
                send(ctx);
            } else {
                ctx.executor().schedule(() -> send(ctx), round < 0 ? ASLEEP_GAP_MILLIS : gapMillis,
                        TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private static String cell(Histogram histogram) {
        return String.format("%.1f / %.1f", histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(90) / 1e3);
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
