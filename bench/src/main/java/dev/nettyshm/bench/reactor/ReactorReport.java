package dev.nettyshm.bench.reactor;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.Transport;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/1.1 through Reactor Netty over shared memory ({@code runOn(ShmLoopResources)}), NIO loopback TCP and epoll
 * Unix domain sockets, server and client each in a JVM of its own with its one event loop pinned — the server's to
 * CPU 0, the client's to CPU 1: a blocking caller's request/response of 64-byte and 64 KiB bodies on one keep-alive
 * connection. Prints a Markdown section with ratios to NIO TCP; {@code quick} as the first argument cuts the counts to
 * a smoke run.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-reactor} (about a minute; {@code -Dbench.args=quick}).
 */
public final class ReactorReport {

    private static final List<Transport> TRANSPORTS = List.of(Transport.SHM, Transport.NIO_TCP,
            Transport.EPOLL_UDS);
    private static final String SERVER_CPU = "0";
    private static final String CLIENT_CPU = "1";

    private ReactorReport() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(markdown(args.length > 0 && args[0].equals("quick")));
    }

    /** Runs every measurement and returns the report's Markdown section. */
    public static String markdown(boolean quick) throws Exception {
        int warmup = quick ? 200 : 5_000;
        int requests = quick ? 500 : 10_000;
        Map<Transport, long[]> results = new EnumMap<>(Transport.class);
        for (Transport transport : TRANSPORTS) {
            results.put(transport, measure(transport, warmup, requests));
        }
        long[] tcp = results.get(Transport.NIO_TCP);
        StringBuilder out = new StringBuilder("### Reactor Netty HTTP/1.1, two JVMs, event loops on different CPUs\n\n");
        out.append(String.format("A Reactor Netty `HttpServer` echoing `POST /echo`, and an `HttpClient` on one"
                + " keep-alive connection whose blocking caller sends one request after another; each side on one"
                + " event loop, the server's pinned to CPU 0 and the client's to CPU 1. The shared-memory client is"
                + " given the server's TCP address (`runOn(ShmLoopResources)` on both sides). %,d requests timed"
                + " after %,d, for each body size:%n%n", requests, warmup));
        String[] sizes = {"64 B", "64 KiB"};
        for (int s = 0; s < sizes.length; s++) {
            int at = 3 * s;
            out.append(String.format("Bodies of %s each way:%n%n", sizes[s]));
            out.append("| transport | requests/s | p50 µs | p99 µs | requests/s vs NIO TCP |\n"
                    + "|---|---:|---:|---:|---:|\n");
            results.forEach((transport, r) -> out.append(String.format("| %s | %,d | %s | %s | %.2f× |%n",
                    transport.label, r[at + 2], Units.micros(r[at]), Units.micros(r[at + 1]),
                    (double) r[at + 2] / tcp[at + 2])));
            out.append('\n');
        }
        return out.toString();
    }

    private static long[] measure(Transport transport, int warmup, int requests) throws Exception {
        Process server = BenchJvm.start(List.of(), ReactorBenchServer.class, List.of(transport.name(), SERVER_CPU));
        try {
            String address = BenchJvm.awaitReady(server);
            return BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(List.of(), ReactorBenchClient.class,
                    List.of(transport.name(), CLIENT_CPU, address, String.valueOf(warmup),
                            String.valueOf(requests)))));
        } finally {
            BenchJvm.stop(server);
        }
    }
}
