package dev.nettyshm.examples.reactor;

import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.channel.ShmServerChannel;
import dev.nettyshm.reactor.ShmLoopResources;
import io.netty.channel.Channel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty HTTP between two processes over shared memory, beside the same over loopback TCP. This process
 * starts itself again as the server ({@code ReactorHttpExample server}): two Reactor Netty {@code HttpServer}s that
 * echo the body of every {@code POST /echo}, over HTTP/1.1 and h2c — one {@code runOn(ShmLoopResources)}, one on
 * Reactor Netty's own TCP loops. The client sends 1 KiB and 1 MiB bodies over keep-alive HTTP/1.1 connections and
 * 1 KiB bodies over h2c to each, checks every byte that comes back, and prints requests per second and the median
 * and 99th percentile of the 1 KiB requests side by side. The shared-memory client is given the server's
 * {@code host:port}, as the TCP client is: the switch is the one {@code runOn(...)} line.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@example-reactor}; arguments
 * ({@code -Dexample.args="requests=20000 large=100 h2c=2000"}) set the numbers of 1 KiB, 1 MiB and h2c requests.
 */
public final class ReactorHttpExample {

    private static final int SMALL = 1024;
    private static final int LARGE = 1 << 20;

    private ReactorHttpExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("server")) {
            serve();
            return;
        }
        int requests = 5_000;
        int large = 50;
        int h2c = 1_000;
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            switch (pair[0]) {
                case "requests" -> requests = Integer.parseInt(pair[1]);
                case "large" -> large = Integer.parseInt(pair[1]);
                case "h2c" -> h2c = Integer.parseInt(pair[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + arg
                        + "'; this example takes requests=…, large=…, h2c=…");
            }
        }
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ReactorHttpExample.class.getName(), "server").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LoopResources shm = ShmLoopResources.create("example-client", 1);
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String[] ports = output.readLine().split(" ");
            System.out.println(output.readLine());
            Result overShm = run("shared memory", HttpClient.create(ConnectionProvider.create("shm", 1)).runOn(shm),
                    Integer.parseInt(ports[1]), requests, large, h2c);
            Result overTcp = run("loopback TCP", HttpClient.create(ConnectionProvider.create("tcp", 1)),
                    Integer.parseInt(ports[2]), requests, large, h2c);
            System.out.printf("%n%,d requests of 1 KiB, HTTP/1.1 keep-alive, one at a time, every byte checked%n",
                    requests);
            System.out.printf("  %-14s %,10.0f requests/s   p50 %7.1f µs   p99 %7.1f µs%n", "shared memory",
                    overShm.perSecond, overShm.p50Micros, overShm.p99Micros);
            System.out.printf("  %-14s %,10.0f requests/s   p50 %7.1f µs   p99 %7.1f µs%n", "loopback TCP",
                    overTcp.perSecond, overTcp.p50Micros, overTcp.p99Micros);
            System.out.printf("  shared memory is %.1f× loopback TCP in requests/s%n",
                    overShm.perSecond / overTcp.perSecond);
        } finally {
            server.getOutputStream().close();
            boolean ended = server.waitFor(30, TimeUnit.SECONDS);
            shm.disposeLater().block(Duration.ofSeconds(10));
            if (!ended) {
                server.destroyForcibly();
                throw new IllegalStateException("the server process did not end");
            }
            if (server.exitValue() != 0) {
                throw new IllegalStateException("the server process failed: " + server.exitValue());
            }
        }
    }

    private record Result(double perSecond, double p50Micros, double p99Micros) {
    }

    private static Result run(String name, HttpClient base, int port, int requests, int large, int h2c) {
        Set<String> routes = ConcurrentHashMap.newKeySet();
        HttpClient http11 = base.baseUrl("http://127.0.0.1:" + port).protocol(HttpProtocol.HTTP11)
                .doOnConnected(connection -> routes.add(routeOf(connection.channel())));
        HttpClient overH2c = base.baseUrl("http://127.0.0.1:" + port).protocol(HttpProtocol.H2C)
                .doOnConnected(connection -> routes.add(routeOf(connection.channel())));
        Random random = new Random(7);
        byte[] small = new byte[SMALL];
        byte[] big = new byte[LARGE];
        random.nextBytes(big);
        for (int i = 0; i < requests / 10; i++) {
            random.nextBytes(small);
            echo(http11, small);
        }
        long[] nanos = new long[requests];
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            random.nextBytes(small);
            long sent = System.nanoTime();
            echo(http11, small);
            nanos[i] = System.nanoTime() - sent;
        }
        long elapsed = System.nanoTime() - start;
        for (int i = 0; i < large; i++) {
            big[i] ^= 1;
            echo(http11, big);
        }
        for (int i = 0; i < h2c; i++) {
            random.nextBytes(small);
            echo(overH2c, small);
        }
        System.out.printf("%s: %,d + %,d requests of 1 KiB and %,d of 1 MiB echoed whole, over %s%n", name,
                requests + requests / 10, h2c, large, routes);
        Arrays.sort(nanos);
        return new Result(requests / (elapsed / 1e9), nanos[nanos.length / 2] / 1e3,
                nanos[(int) (nanos.length * 0.99)] / 1e3);
    }

    private static String routeOf(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            if (c instanceof ShmChannel shm) {
                return shm.route() == ShmRoute.SHARED_MEMORY ? "shared memory" : "TCP (this transport's)";
            }
        }
        return "TCP (Netty's)";
    }

    /** Posts {@code body} to {@code /echo} and checks that the answer is the same bytes. */
    private static void echo(HttpClient client, byte[] body) {
        byte[] answer = client.post().uri("/echo").send(ByteBufFlux.fromInbound(Mono.just(body)))
                .responseSingle((response, content) -> content.asByteArray()).block(Duration.ofSeconds(30));
        if (!Arrays.equals(answer, body)) {
            throw new IllegalStateException("the echo of a body of " + body.length + " bytes differs");
        }
    }

    /**
     * The server process: prints {@code ports SHM TCP} and the shared-memory server's name, serves until its input
     * ends, then disposes of both servers and their loops.
     */
    private static void serve() throws Exception {
        LoopResources shm = ShmLoopResources.create("example-server", 1);
        DisposableServer overShm = echoServer(HttpServer.create().runOn(shm));
        DisposableServer overTcp = echoServer(HttpServer.create());
        System.out.println("ports " + overShm.port() + " " + overTcp.port());
        System.out.println("server process " + ProcessHandle.current().pid() + ": shared memory as shm:"
                + ((ShmServerChannel) overShm.channel()).shmAddress().name() + " on 127.0.0.1:" + overShm.port()
                + ", loopback TCP on 127.0.0.1:" + overTcp.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Until the client closes our input.
        }
        overShm.disposeNow(Duration.ofSeconds(10));
        overTcp.disposeNow(Duration.ofSeconds(10));
        shm.disposeLater().block(Duration.ofSeconds(10));
    }

    private static DisposableServer echoServer(HttpServer server) {
        return server.host("127.0.0.1").port(0).protocol(HttpProtocol.HTTP11, HttpProtocol.H2C)
                .route(routes -> routes.post("/echo", (request, response) -> response.send(request.receive()
                        .retain())))
                .bindNow(Duration.ofSeconds(10));
    }
}
