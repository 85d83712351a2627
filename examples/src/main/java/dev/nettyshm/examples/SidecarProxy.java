package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A local sidecar proxy: a TCP-facing Netty server (NIO) that relays each TCP connection to a backend over shared
 * memory, one shared-memory connection for each TCP one ({@link ProxyFrontend}, {@link ProxyBackend}). The backend,
 * a {@link ReverseService}, runs in a second JVM. A TCP client in this one sends requests through the proxy over
 * several connections at once, checks every answer — its id and every byte of its reversed payload — and prints the
 * round trip's median and p99. Most requests are small; every 250th is 256 KiB, four times a ring's first window,
 * so the relay's backpressure has work to do and the rings grow. At the end the client closes half of the connections and the service the other half,
 * and the example checks that the proxy closed the other side of each.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@example-sidecar} (the defaults:
 * {@code -Dexample.args="connections=4 requests=5000"})
 */
public final class SidecarProxy {

    private static final int LARGE = 256 * 1024;
    private static final int LARGE_EVERY = 250;

    private SidecarProxy() {
    }

    public static void main(String[] args) throws Exception {
        ExampleArgs options = new ExampleArgs(args, "connections", "requests");
        int connections = options.number("connections", 4);
        int requests = options.number("requests", 5_000);
        ShmAddress backend = new ShmAddress("sidecar-" + UUID.randomUUID());
        Process service = JavaProcess.of(ReverseService.class, backend.name())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader serviceOutput = new BufferedReader(new InputStreamReader(service.getInputStream(),
                StandardCharsets.UTF_8));
        try {
            if (!"ready".equals(serviceOutput.readLine())) {
                throw new IllegalStateException("the service ended before it was ready");
            }
            relay(backend, service.pid(), connections, requests);
        } finally {
            service.getOutputStream().close();
            boolean clean = JavaProcess.endedCleanly(service, 10);
            serviceOutput.lines().forEach(line -> System.out.println("service: " + line));
            if (!clean) {
                throw new IllegalStateException("the service did not end cleanly");
            }
        }
        System.out.println("SidecarProxy done: every answer checked, every connection closed on both sides");
    }

    private static void relay(ShmAddress backend, long servicePid, int connections, int requests) throws Exception {
        // A loop runs one kind of I/O: one group for TCP, one for shared memory.
        EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        ChannelGroup relaying = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        try {
            Channel proxy = new ServerBootstrap().group(tcpGroup).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            channel.pipeline().addLast(new ProxyFrontend(shmGroup, backend, relaying));
                        }
                    }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            int port = ((InetSocketAddress) proxy.localAddress()).getPort();
            System.out.printf("sidecar proxy (pid %d) on TCP 127.0.0.1:%d relays to the service (pid %d) on %s%n",
                    ProcessHandle.current().pid(), port, servicePid, backend);

            Histogram roundTrips = new Histogram(3);
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Histogram>> results = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    boolean serviceCloses = i % 2 == 1;
                    long seed = i;
                    results.add(clients.submit(() -> converse(port, requests, serviceCloses, seed)));
                }
                for (Future<Histogram> result : results) {
                    roundTrips.add(result.get(120, TimeUnit.SECONDS));
                }
            }
            System.out.printf("%,d requests over %d TCP connections, every answer checked; round trip through the"
                    + " proxy, after a warm-up of a tenth: median %.1f µs, p99 %.1f µs%n", connections * requests,
                    connections, roundTrips.getValueAtPercentile(50) / 1e3, roundTrips.getValueAtPercentile(99) / 1e3);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!relaying.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the proxy left channels open: " + relaying);
                }
                Thread.sleep(10);
            }
            System.out.printf("connections closed: %d by the client, %d by the service; the proxy closed the other"
                    + " side of each%n", connections - connections / 2, connections / 2);
            proxy.close().sync();
        } finally {
            tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * One client connection: {@code requests} requests one after the other, each answer checked; then either this
     * side closes, or it asks the service to close and expects the proxy to end the TCP stream.
     *
     * @return the round trips after the warm-up, in nanoseconds
     */
    private static Histogram converse(int port, int requests, boolean serviceCloses, long seed) throws IOException {
        Histogram roundTrips = new Histogram(3);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] payload = new byte[LARGE];
        byte[] answer = new byte[LARGE];
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            for (long id = 1; id <= requests; id++) {
                int size = id % LARGE_EVERY == 0 ? LARGE : random.nextInt(16, 2049);
                for (int i = 0; i < size; i++) {
                    payload[i] = (byte) random.nextInt();
                }
                long start = System.nanoTime();
                out.writeInt(Long.BYTES + size);
                out.writeLong(id);
                out.write(payload, 0, size);
                out.flush();
                int length = in.readInt();
                long answered = in.readLong();
                if (length != Long.BYTES + size || answered != id) {
                    throw new IllegalStateException("request " + id + " of " + size + " bytes was answered as "
                            + answered + " with " + (length - Long.BYTES) + " bytes");
                }
                in.readFully(answer, 0, size);
                long elapsed = System.nanoTime() - start;
                for (int i = 0; i < size; i++) {
                    if (answer[i] != payload[size - 1 - i]) {
                        throw new IllegalStateException("byte " + i + " of the answer to request " + id + " is wrong");
                    }
                }
                if (id > requests / 10) {
                    roundTrips.recordValue(elapsed);
                }
            }
            if (serviceCloses) {
                out.writeInt(Long.BYTES);
                out.writeLong(ReverseService.QUIT);
                out.flush();
                try {
                    if (in.read() != -1) {
                        throw new IllegalStateException("bytes after the service closed the connection");
                    }
                } catch (SocketTimeoutException e) {
                    throw new IllegalStateException("the service closed its connection but the proxy kept the TCP"
                            + " one open", e);
                }
            }
        }
        return roundTrips;
    }
}
