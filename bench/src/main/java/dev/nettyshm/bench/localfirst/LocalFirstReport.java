package dev.nettyshm.bench.localfirst;

import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmChannelOption;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The local-first paths beside Netty's NIO TCP, in one JVM, client and server on loops of their own: connection
 * setup — connect, one 64-byte echo, close, one after another — the 64-byte echo round trip on a connection already
 * made, and an echoed stream of 64 KiB messages. Writes {@code docs/benchmarks/local-first.md}.
 *
 * <p>{@code LocalFirstReport [SETUPS [ROUND_TRIPS]]}, per path and round; defaults 2,000 and 20,000. Three rounds are
 * recorded, after one for warm-up.
 */
public final class LocalFirstReport {

    private static final int MESSAGE = 64;
    /** The stream's messages: buffers of the channel's allocator, shared ones on the shared-memory paths. */
    private static final int CHUNK = 64 * 1024;
    private static final long STREAM_BYTES = 512L << 20;
    private static final int ROUNDS = 3;

    /** A way to connect: a server, a client, the address the server binds and the client's route option. */
    private record Contender(String name, Class<? extends io.netty.channel.ServerChannel> serverType,
            IoHandlerFactory io, Class<? extends Channel> clientType, SocketAddress bind, ShmRoute route) {
    }

    private LocalFirstReport() {
    }

    public static void main(String[] args) throws Exception {
        int setups = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int roundTrips = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        Contender nio = new Contender("Netty NIO TCP", NioServerSocketChannel.class, NioIoHandler.newFactory(),
                NioSocketChannel.class, loopback, null);
        // The TCP path right after NIO, and NIO once more at the end: the drift of the machine over the run shows.
        List<Contender> paths = List.of(nio,
                new Contender("this transport's TCP path", ShmServerChannel.class, ShmIoHandler.newFactory(),
                        ShmChannel.class, loopback, ShmRoute.TCP),
                new Contender("shared memory, by ShmAddress", ShmServerChannel.class, ShmIoHandler.newFactory(),
                        ShmChannel.class, new ShmAddress("local-first-bench-" + UUID.randomUUID()), null),
                new Contender("shared memory, by TCP address", ShmServerChannel.class, ShmIoHandler.newFactory(),
                        ShmChannel.class, loopback, ShmRoute.AUTO),
                new Contender("Netty NIO TCP, again", nio.serverType(), NioIoHandler.newFactory(), nio.clientType(),
                        loopback, null));
        MarkdownTable setup = new MarkdownTable("path", "setup p50 µs", "p90 µs", "p99 µs", "p50 vs NIO");
        MarkdownTable echo = new MarkdownTable("path", "round trip p50 µs", "p99 µs", "p50 vs NIO", "route taken");
        MarkdownTable stream = new MarkdownTable("path", "echoed MB/s, median", "rounds", "vs NIO");
        // In rounds, the paths in turn: the machine's drift over a run spreads over all of them alike. The first round
        // is not recorded: the JIT compiler was still busy with the transport's loop seconds into a path's first
        // setups, on one of the two CPUs.
        Map<Contender, Histogram> setupTimes = new LinkedHashMap<>();
        Map<Contender, Histogram> echoTimes = new LinkedHashMap<>();
        Map<Contender, List<Double>> rates = new LinkedHashMap<>();
        Map<Contender, String> routes = new HashMap<>();
        for (int round = 0; round <= ROUNDS; round++) {
            boolean recorded = round > 0;
            for (Contender path : paths) {
                Histogram setupInto = recorded ? setupTimes.computeIfAbsent(path, p -> histogram()) : histogram();
                Histogram echoInto = recorded ? echoTimes.computeIfAbsent(path, p -> histogram()) : histogram();
                Measured measured = withServer(path, (client, address) -> {
                    setups(client, address, setups, setupInto);
                    return measure(client, address, roundTrips, echoInto);
                });
                if (recorded) {
                    rates.computeIfAbsent(path, p -> new ArrayList<>()).add(measured.megabytesPerSecond());
                    routes.put(path, measured.route());
                }
            }
            System.out.println("round " + round + " done");
        }
        double nioSetup = setupTimes.get(nio).getValueAtPercentile(50);
        double nioEcho = echoTimes.get(nio).getValueAtPercentile(50);
        double nioStream = median(rates.get(nio));
        for (Contender path : paths) {
            Histogram setupTime = setupTimes.get(path);
            Histogram echoTime = echoTimes.get(path);
            List<Double> rate = rates.get(path);
            setup.row(path.name(), micros(setupTime, 50), micros(setupTime, 90), micros(setupTime, 99),
                    ratio(setupTime.getValueAtPercentile(50) / nioSetup));
            echo.row(path.name(), micros(echoTime, 50), micros(echoTime, 99),
                    ratio(echoTime.getValueAtPercentile(50) / nioEcho), routes.get(path));
            stream.row(path.name(), megabytes(median(rate)), megabytes(Collections.min(rate)) + "–"
                    + megabytes(Collections.max(rate)), ratio(median(rate) / nioStream));
        }
        String when = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        String report = "# Local-first: the paths of one address\n\n"
                + "Produced by `./mvnw -q test-compile exec:exec@bench-local-first` on " + when + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs. Client and server in one JVM, each on a loop"
                + " of its own, not pinned; a 64-byte message, echoed by the server.\n\n"
                + "Each path is measured in " + ROUNDS + " rounds, the paths in turn, after one round for warm-up:"
                + " its setups, then its round trips, then its stream, against a server of its own.\n\n"
                + "## Connection setup: connect, one echo, close\n\n" + setups + " in a row per round, after a tenth"
                + " as many; percentiles of all " + ROUNDS * setups + ".\n\n" + setup
                + "\n## Round trip on a connection already made\n\n" + roundTrips + " in a row per round, after a"
                + " tenth as many; percentiles of all " + ROUNDS * roundTrips + ".\n\n" + echo
                + "\n## A stream of 64 KiB messages, echoed\n\n" + (STREAM_BYTES >> 20) + " MiB each way per"
                + " round, from the channel's allocator, written while the channel is writable, after "
                + (STREAM_BYTES >> 22) + " MiB; bytes sent per second.\n\n" + stream;
        Path out = Path.of("docs", "benchmarks", "local-first.md");
        Files.writeString(out, report);
        System.out.println(report);
    }

    private record Measured(String route, double megabytesPerSecond) {
    }

    /** What runs against a path's server: {@code client} is set up to connect to it at {@code address}. */
    private interface Run<T> {
        T run(Bootstrap client, SocketAddress address) throws Exception;
    }

    /** Runs {@code body} against a server of {@code path}, each side on a loop of its own. */
    private static <T> T withServer(Contender path, Run<T> body) throws Exception {
        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, path.io());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, path.io());
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(path.serverType())
                    .childHandler(new Echo()).bind(path.bind()).sync().channel();
            Bootstrap client = new Bootstrap().group(clientGroup).channel(path.clientType());
            if (path.route() != null) {
                client.option(ShmChannelOption.ROUTE, path.route());
            }
            try {
                return body.run(client, server.localAddress());
            } finally {
                server.close().sync();
            }
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Records {@code setups} times connect, echo and close into {@code times}, after a tenth as many. */
    private static void setups(Bootstrap client, SocketAddress address, int setups, Histogram times)
            throws Exception {
        for (int i = -setups / 10; i < setups; i++) {
            long start = System.nanoTime();
            Pong pong = new Pong();
            Channel channel = client.handler(pong).connect(address).sync().channel();
            pong.ping(channel).get(10, TimeUnit.SECONDS);
            channel.close().sync();
            if (i >= 0) {
                times.recordValue(System.nanoTime() - start);
            }
        }
    }

    /** Records {@code roundTrips} round trips into {@code echo}; then streams. */
    private static Measured measure(Bootstrap client, SocketAddress address, int roundTrips, Histogram echo)
            throws Exception {
        Pong pong = new Pong();
        Channel channel = client.handler(pong).connect(address).sync().channel();
        String route = channel instanceof ShmChannel shm ? shm.route().name() : "TCP";
        for (int i = -roundTrips / 10; i < roundTrips; i++) {
            long start = System.nanoTime();
            pong.ping(channel).get(10, TimeUnit.SECONDS);
            if (i >= 0) {
                echo.recordValue(System.nanoTime() - start);
            }
        }
        channel.close().sync();
        stream(client, address, STREAM_BYTES / 4);
        long nanos = stream(client, address, STREAM_BYTES);
        return new Measured(route, STREAM_BYTES / 1e6 / (nanos / 1e9));
    }

    /** Streams {@code bytes} through a new connection and back; returns the nanoseconds until the last came back. */
    private static long stream(Bootstrap client, SocketAddress address, long bytes) throws Exception {
        Stream stream = new Stream(bytes);
        Channel channel = client.handler(stream).connect(address).sync().channel();
        channel.eventLoop().execute(() -> stream.start(channel));
        long nanos = stream.done.get(120, TimeUnit.SECONDS);
        channel.close().sync();
        return nanos;
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static String megabytes(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    private static String micros(Histogram histogram, double percentile) {
        return String.format(Locale.ROOT, "%.1f", histogram.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.2f×", ratio);
    }

    /** The server: echoes what it reads. */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** The stream's client: writes while writable, counts what comes back, completes with the time it took. */
    private static final class Stream extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final long total;
        private long sent;
        private long received;
        private long start;

        Stream(long total) {
            this.total = total;
        }

        void start(Channel channel) {
            start = System.nanoTime();
            write(channel);
        }

        private void write(Channel channel) {
            while (sent < total && channel.isWritable()) {
                channel.write(channel.alloc().directBuffer(CHUNK).writeZero(CHUNK));
                sent += CHUNK;
            }
            channel.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (start != 0) {
                write(ctx.channel());
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received == total) {
                done.complete(System.nanoTime() - start);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** The client: sends a message and completes when all of it came back. */
    private static final class Pong extends ChannelInboundHandlerAdapter {
        private CompletableFuture<Void> answered;
        private int pending;

        CompletableFuture<Void> ping(Channel channel) {
            CompletableFuture<Void> future = new CompletableFuture<>();
            channel.eventLoop().execute(() -> {
                answered = future;
                pending = MESSAGE;
                ByteBuf message = channel.alloc().buffer(MESSAGE).writeZero(MESSAGE);
                channel.writeAndFlush(message);
            });
            return future;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            pending -= buf.readableBytes();
            buf.release();
            if (pending == 0) {
                answered.complete(null);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answered.completeExceptionally(cause);
        }
    }
}
