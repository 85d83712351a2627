package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty ping-pong between two processes, over shared memory and over loopback TCP, side by side: this process
 * starts an {@link EchoServer} in a second JVM, then sends 64-byte messages one at a time over each transport and
 * times each round trip, checking every echoed byte. The two clients differ only in group, channel class and
 * address.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@demo} ({@code -Dexample.args=round-trips=N} sets the
 * measured round trips, 50,000 by default, after a warm-up of two fifths as many)
 */
public final class PingPong {

    private static final int SIZE = 64;

    private PingPong() {
    }

    public static void main(String[] args) throws Exception {
        int measured = new ExampleArgs(args, "round-trips").number("round-trips", 50_000);
        int warmup = measured * 2 / 5;
        String name = "pingpong-" + UUID.randomUUID();
        Process server = JavaProcess.of(EchoServer.class, name).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            int tcpPort = -1;
            for (String line; !"ready".equals(line = out.readLine()); ) {
                if (line == null) {
                    throw new IllegalStateException("the echo server ended before it was ready");
                }
                if (line.startsWith("tcp ")) {
                    tcpPort = Integer.parseInt(line.substring("tcp ".length()));
                }
            }
            System.out.printf("echo server in process %d: shm:%s and 127.0.0.1:%d%n", server.pid(), name, tcpPort);

            EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
            EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                long[] shm = pingPong(new Bootstrap().group(shmGroup).channel(ShmChannel.class),
                        new ShmAddress(name), warmup, measured);
                long[] tcp = pingPong(new Bootstrap().group(tcpGroup).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true), new InetSocketAddress("127.0.0.1", tcpPort), warmup,
                        measured);
                System.out.printf("%n%d round trips of %d bytes each, every byte checked%n", measured, SIZE);
                System.out.printf("%-22s %12s %12s %12s%n", "transport", "median µs", "p99 µs", "p99.9 µs");
                print("shared memory", shm);
                print("loopback TCP (NIO)", tcp);
                System.out.printf("shared memory is %.1fx faster at the median%n",
                        (double) tcp[measured / 2] / shm[measured / 2]);
            } finally {
                shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        } finally {
            server.getOutputStream().close();
            JavaProcess.endedCleanly(server, 10);
        }
    }

    private static void print(String transport, long[] sorted) {
        int count = sorted.length;
        System.out.printf("%-22s %12.2f %12.2f %12.2f%n", transport, sorted[count / 2] / 1e3,
                sorted[(int) (count * 0.99)] / 1e3, sorted[(int) (count * 0.999)] / 1e3);
    }

    /** Round-trip times in nanoseconds, sorted. */
    private static long[] pingPong(Bootstrap bootstrap, SocketAddress address, int warmup, int measured)
            throws Exception {
        Player player = new Player(warmup, measured);
        Channel channel = bootstrap.handler(player).connect(address).sync().channel();
        try {
            long[] nanos = player.done.get(120, TimeUnit.SECONDS);
            Arrays.sort(nanos);
            return nanos;
        } finally {
            channel.close().sync();
        }
    }

    /** Sends a message, waits for all of its echo, checks it, times it, and sends the next. */
    private static final class Player extends ChannelInboundHandlerAdapter {
        private final int warmup;
        private final long[] nanos;
        private final CompletableFuture<long[]> done = new CompletableFuture<>();
        private int round;
        private int received;
        private long sentAt;

        Player(int warmup, int measured) {
            this.warmup = warmup;
            this.nanos = new long[measured];
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            ByteBuf ping = ctx.alloc().buffer(SIZE);
            for (int i = 0; i < SIZE; i++) {
                ping.writeByte(round + i);
            }
            received = 0;
            sentAt = System.nanoTime();
            ctx.writeAndFlush(ping);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf pong = (ByteBuf) msg;
            try {
                while (pong.isReadable()) {
                    if (pong.readByte() != (byte) (round + received)) {
                        done.completeExceptionally(new IllegalStateException("wrong byte in round " + round));
                        ctx.close();
                        return;
                    }
                    received++;
                }
            } finally {
                pong.release();
            }
            if (received < SIZE) {
                return;
            }
            long elapsed = System.nanoTime() - sentAt;
            if (round >= warmup) {
                nanos[round - warmup] = elapsed;
            }
            if (++round == warmup + nanos.length) {
                done.complete(nanos);
            } else {
                send(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
