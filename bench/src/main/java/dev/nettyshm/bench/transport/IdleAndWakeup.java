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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Two numbers the idle policy is judged by, for a shared-memory connection between two JVMs: the CPU an idle
 * connected pair burns (each side, in percent of one core, over ten seconds), and the round trip of a 64-byte
 * message sent to a peer whose loop has gone to sleep (one every 20 ms, so it always has).
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-idle}
 */
public final class IdleAndWakeup {

    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final int WAKEUPS = 250;
    private static final int WARMUP = 20_000;

    private IdleAndWakeup() {
    }

    public static void main(String[] args) throws Exception {
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                BenchServer.class.getName(), Transport.SHM.name(), "-")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String ready;
            while (!(ready = lines.readLine()).startsWith("ready ")) {
                // skip
            }
            LinkedBlockingQueue<Long> replies = new LinkedBlockingQueue<>();
            Channel channel = new Bootstrap().group(group).channel(ShmChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        private int received;

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            received += ((ByteBuf) msg).readableBytes();
                            ((ByteBuf) msg).release();
                            if (received == 64) {
                                received = 0;
                                replies.offer(System.nanoTime());
                            }
                        }
                    }).connect(Transport.parse(ready.substring(6))).sync().channel();
            channel.writeAndFlush(channel.alloc().buffer(1).writeByte('P')).sync();

            Thread.sleep(2_000);
            long serverBefore = cpuNanos(server.toHandle());
            long clientBefore = cpuNanos(ProcessHandle.current());
            Thread.sleep(IDLE.toMillis());
            double serverPercent = 100.0 * (cpuNanos(server.toHandle()) - serverBefore) / IDLE.toNanos();
            double clientPercent = 100.0 * (cpuNanos(ProcessHandle.current()) - clientBefore) / IDLE.toNanos();

            Histogram wakeups = new Histogram(3_600_000_000_000L, 3);
            for (int i = -WARMUP; i < WAKEUPS; i++) {
                // Warm-up round trips go back to back, so that the JIT has compiled the path before it is timed.
                if (i >= 0) {
                    Thread.sleep(20);
                }
                long sent = System.nanoTime();
                channel.writeAndFlush(channel.alloc().buffer(64).writeZero(64));
                Long received = replies.poll(5, TimeUnit.SECONDS);
                if (received == null) {
                    throw new IllegalStateException("no reply from the sleeping peer");
                }
                if (i >= 0) {
                    wakeups.recordValue(received - sent);
                }
            }
            channel.close().sync();
            System.out.printf("idle connected pair over %d s: server %.2f%% of a core, client %.2f%% (JVM total,"
                    + " all threads)%n", IDLE.toSeconds(), serverPercent, clientPercent);
            System.out.printf("round trip to a sleeping peer (%d samples): median %.1f µs, p90 %.1f µs, max %.1f µs%n",
                    WAKEUPS, wakeups.getValueAtPercentile(50) / 1e3, wakeups.getValueAtPercentile(90) / 1e3,
                    wakeups.getMaxValue() / 1e3);
        } finally {
            server.getOutputStream().close();
            server.waitFor(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static long cpuNanos(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow().toNanos();
    }
}
