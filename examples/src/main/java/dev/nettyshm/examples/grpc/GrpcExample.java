package dev.nettyshm.examples.grpc;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java between two processes over shared memory, beside the same over loopback TCP: this process starts
 * itself again as the server ({@code GrpcExample server NAME}, serving {@link EchoGrpc} on {@code shm:NAME} and on
 * a TCP port), makes a call of each kind — unary, server stream, client stream, bidi stream — over each transport,
 * checking every byte, then times 64-byte unary calls from a blocking stub and prints their median and 99th
 * percentile side by side. Both sides are gRPC's own Netty transport, which {@link ShmGrpc} sets up with the
 * shared-memory channel classes, a group of {@code ShmIoHandler}s and an {@link ShmAddress} in place of TCP's.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@example-grpc}
 */
public final class GrpcExample {

    /** Long enough for the compiler to have gone over gRPC's call path on a small, busy host. */
    private static final Duration WARMUP = Duration.ofSeconds(10);
    private static final int MEASURED = 10_000;
    private static final int STREAMED = 16;
    private static final int STREAMED_SIZE = 64 << 10;

    private GrpcExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("server")) {
            serve(args[1]);
            return;
        }
        String name = "grpc-example-" + UUID.randomUUID();
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                GrpcExample.class.getName(), "server", name).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            int tcpPort = awaitReady(server);
            System.out.printf("gRPC server in process %d on shm:%s and 127.0.0.1:%d%n", server.pid(), name, tcpPort);
            ManagedChannel shm = ShmGrpc.channelBuilder(new ShmAddress(name), shmGroup).build();
            ManagedChannel tcp = ShmGrpc.channelBuilder(new InetSocketAddress("127.0.0.1", tcpPort),
                    NioSocketChannel.class, tcpGroup).build();
            try {
                System.out.println("\nshared memory:");
                callEachKind(shm);
                System.out.println("loopback TCP (NIO):");
                callEachKind(tcp);
                // Both warm up, in turns, before either is timed: they share most of gRPC's code, which the
                // compiler would otherwise still be working on while the first is timed.
                long warmUpEnd = System.nanoTime() + WARMUP.toNanos();
                while (System.nanoTime() < warmUpEnd) {
                    unaryRoundTrips(shm, 1_000);
                    unaryRoundTrips(tcp, 1_000);
                }
                long[] shmNanos = unaryRoundTrips(shm, MEASURED);
                long[] tcpNanos = unaryRoundTrips(tcp, MEASURED);
                System.out.printf("%n%,d unary calls of 64 bytes each after %d s of warm-up, blocking stub%n",
                        MEASURED, WARMUP.toSeconds());
                System.out.printf("%-22s %12s %12s%n", "transport", "median µs", "p99 µs");
                print("shared memory", shmNanos);
                print("loopback TCP (NIO)", tcpNanos);
                System.out.printf("shared memory takes %.2f of TCP's time at the median%n",
                        (double) shmNanos[MEASURED / 2] / tcpNanos[MEASURED / 2]);
            } finally {
                shm.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                tcp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The server process: prints {@code tcp PORT} and {@code ready}; ends when its input closes. */
    private static void serve(String name) throws Exception {
        EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            // The echo never blocks, so it may run on the event loop: no hand-off to an executor thread, which on
            // a small host competes for the CPUs with the loops.
            Server shm = ShmGrpc.serverBuilder(new ShmAddress(name), shmGroup).directExecutor()
                    .addService(EchoGrpc.service()).build().start();
            Server tcp = ShmGrpc.serverBuilder(new InetSocketAddress("127.0.0.1", 0), NioServerSocketChannel.class,
                    tcpGroup, tcpGroup).directExecutor().addService(EchoGrpc.service()).build().start();
            System.out.println("tcp " + ((InetSocketAddress) tcp.getListenSockets().getFirst()).getPort());
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            shm.shutdown().awaitTermination(5, TimeUnit.SECONDS);
            tcp.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        } finally {
            shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static int awaitReady(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(),
                StandardCharsets.UTF_8));
        int tcpPort = -1;
        for (String line; !"ready".equals(line = out.readLine()); ) {
            if (line == null) {
                throw new IllegalStateException("the gRPC server ended before it was ready");
            }
            if (line.startsWith("tcp ")) {
                tcpPort = Integer.parseInt(line.substring("tcp ".length()));
            }
        }
        return tcpPort;
    }

    /** One call of each kind, each message checked; fails on the first wrong byte. */
    private static void callEachKind(ManagedChannel channel) throws Exception {
        byte[] request = Payloads.of(1, 64);
        check(Arrays.equals(ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, options(), request), request),
                "the unary answer differs from its request");
        System.out.println("  unary: 64 bytes answered with themselves");

        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, EchoGrpc.SERVER_STREAM, options(),
                EchoGrpc.streamRequest(STREAMED, STREAMED_SIZE));
        int received = 0;
        for (; stream.hasNext(); received++) {
            check(Payloads.matches(stream.next(), received, STREAMED_SIZE), "server stream message " + received);
        }
        check(received == STREAMED, "the server streamed " + received + " messages");
        System.out.printf("  server stream: %d messages of 64 KiB, each as expected%n", received);

        Responses digest = new Responses();
        StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(EchoGrpc.CLIENT_STREAM, options()), digest);
        Digest sent = new Digest();
        for (int i = 0; i < STREAMED; i++) {
            byte[] message = Payloads.of(i, STREAMED_SIZE);
            requests.onNext(message);
            sent.add(message);
        }
        requests.onCompleted();
        check(Arrays.equals(digest.all(30).getFirst(), sent.toBytes()),
                "the server's digest differs from the client's");
        System.out.println("  client stream: the server's digest matches, " + sent);

        Responses echoes = new Responses();
        requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(EchoGrpc.BIDI, options()), echoes);
        for (int i = 0; i < STREAMED; i++) {
            requests.onNext(Payloads.of(i, 1024));
        }
        requests.onCompleted();
        List<byte[]> echoed = echoes.all(30);
        for (int i = 0; i < STREAMED; i++) {
            check(Payloads.matches(echoed.get(i), i, 1024), "bidi echo " + i);
        }
        System.out.printf("  bidi stream: %d messages of 1 KiB echoed in order%n", echoed.size());
    }

    /** The times of {@code count} unary round trips in nanoseconds, sorted. */
    private static long[] unaryRoundTrips(ManagedChannel channel, int count) {
        byte[] request = Payloads.of(2, 64);
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            byte[] response = ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, options(), request);
            nanos[i] = System.nanoTime() - start;
            check(Arrays.equals(response, request), "unary answer " + i);
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException(failure);
        }
    }

    private static void print(String transport, long[] sorted) {
        System.out.printf("%-22s %12.1f %12.1f%n", transport, sorted[MEASURED / 2] / 1e3,
                sorted[MEASURED * 99 / 100] / 1e3);
    }
}
