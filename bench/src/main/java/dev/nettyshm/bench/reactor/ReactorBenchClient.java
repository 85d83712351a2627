package dev.nettyshm.bench.reactor;

import dev.nettyshm.bench.transport.Pinning;
import dev.nettyshm.bench.transport.Transport;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The client side of a Reactor Netty measurement, in its own JVM:
 * {@code ReactorBenchClient TRANSPORT CPU ADDRESS WARMUP REQUESTS}. One keep-alive HTTP/1.1 connection from a
 * Reactor Netty {@code HttpClient} on one event loop pinned to CPU; a blocking caller posts a body, waits for its
 * echo and checks it, one request after another — as a service calling its sidecar through a blocking
 * {@code WebClient} does. For bodies of 64 B, then 64 KiB: WARMUP untimed requests, then REQUESTS timed. The shared
 * memory client is given the server's TCP address, as the TCP client is. Prints
 * {@code result P50_64 P99_64 RPS_64 P50_64K P99_64K RPS_64K}, times in nanoseconds.
 */
public final class ReactorBenchClient {

    private static final int[] SIZES = {64, 64 << 10};

    private ReactorBenchClient() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        SocketAddress address = Transport.parse(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int requests = Integer.parseInt(args[4]);
        LoopResources loops = ReactorBenchServer.loops(transport, "bench-client");
        boolean nativeLoops = transport == Transport.EPOLL_UDS;
        ConnectionProvider connections = ConnectionProvider.create("bench", 1);
        try {
            Pinning.pin(loops.onClient(nativeLoops), args[1]);
            HttpClient client = HttpClient.create(connections).runOn(loops, nativeLoops)
                    .protocol(HttpProtocol.HTTP11).remoteAddress(() -> address instanceof InetSocketAddress inet
                            ? InetSocketAddress.createUnresolved(inet.getHostString(), inet.getPort()) : address);
            StringBuilder result = new StringBuilder("result");
            for (int size : SIZES) {
                byte[] body = new byte[size];
                new Random(size).nextBytes(body);
                for (int i = 0; i < warmup; i++) {
                    post(client, body);
                }
                long[] nanos = new long[requests];
                long start = System.nanoTime();
                for (int i = 0; i < requests; i++) {
                    long sent = System.nanoTime();
                    post(client, body);
                    nanos[i] = System.nanoTime() - sent;
                }
                long elapsed = System.nanoTime() - start;
                Arrays.sort(nanos);
                result.append(' ').append(nanos[requests / 2]).append(' ').append(nanos[(int) (requests * 0.99)])
                        .append(' ').append((long) (requests / (elapsed / 1e9)));
            }
            System.out.println(result);
        } finally {
            connections.disposeLater().block(Duration.ofSeconds(10));
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(10));
        }
    }

    private static void post(HttpClient client, byte[] body) {
        byte[] answer = client.post().uri("/echo").send(ByteBufFlux.fromInbound(Mono.just(Unpooled.wrappedBuffer(
                body)))).responseSingle((response, content) -> content.asByteArray()).block(Duration.ofSeconds(30));
        if (!Arrays.equals(answer, body)) {
            throw new IllegalStateException("the echo of a body of " + body.length + " bytes differs");
        }
    }
}
