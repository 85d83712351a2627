package dev.nettyshm.bench.grpc;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.Transport;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * gRPC-java over shared memory, NIO loopback TCP and epoll Unix domain sockets, server and client each in a JVM of
 * its own with its one event loop pinned — the server's to CPU 0, the client's to CPU 1 — and the service and the
 * client's callbacks run on those loops: 64-byte unary call latency (HdrHistogram, after a warm-up), and the
 * message and byte rates of a client stream of 64-byte and of 64 KiB messages, whose every byte the server
 * digests; and unary calls of 1 MiB each way, one at a time. Prints Markdown tables with ratios to NIO TCP; {@code quick} as the first argument cuts the counts to
 * a smoke run of under half a minute, whose numbers are those of code still being compiled.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-grpc} (about a minute and a half;
 * {@code -Dbench.args=quick}).
 */
public final class GrpcReport {

    private static final List<Transport> TRANSPORTS = List.of(Transport.SHM, Transport.NIO_TCP,
            Transport.EPOLL_UDS);
    private static final String SERVER_CPU = "0";
    private static final String CLIENT_CPU = "1";
    private static final Counts FULL = new Counts(20_000, 100_000, 2_000_000, 20_000, 1_000);
    private static final Counts QUICK = new Counts(500, 2_000, 20_000, 200, 50);

    /**
     * How much each client does: unary calls untimed and timed, messages of each client stream of 64 B and of
     * 64 KiB, unary calls of 1 MiB untimed and as many timed. A full run takes about two minutes on the
     * development VM.
     */
    private record Counts(int warmup, int calls, int small, int large, int megabyteCalls) {
    }

    private GrpcReport() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(markdown(args.length > 0 && args[0].equals("quick")));
    }

    /** Runs every measurement and returns the report's Markdown section. */
    public static String markdown(boolean quick) throws Exception {
        Counts counts = quick ? QUICK : FULL;
        Map<Transport, long[]> results = new EnumMap<>(Transport.class);
        for (Transport transport : TRANSPORTS) {
            results.put(transport, measure(transport, counts));
        }
        long[] tcp = results.get(Transport.NIO_TCP);
        StringBuilder out = new StringBuilder("### gRPC, two JVMs, event loops on different CPUs\n\n");
        out.append("gRPC-java's Netty transport on one event loop per side, the server's pinned to CPU 0 and the"
                + " client's to CPU 1, the service and the client's callbacks running on those loops (gRPC's direct"
                + " executor).\n\n");
        out.append(String.format("Unary calls of 64 bytes each way, one at a time, %,d timed after %,d:%n%n",
                counts.calls(), counts.warmup()));
        out.append("| transport | p50 µs | p99 µs | p99.9 µs | p50 vs NIO TCP |\n|---|---:|---:|---:|---:|\n");
        results.forEach((transport, r) -> out.append(String.format("| %s | %s | %s | %s | %.2f× |%n",
                transport.label, Units.micros(r[0]), Units.micros(r[1]),
                Units.micros(r[2]), (double) r[0] / tcp[0])));
        out.append(String.format("%nA client stream, as fast as gRPC's flow control lets it; %,d messages of 64 B,"
                + " %,d of 64 KiB, each stream timed after an untimed one as long:%n%n", counts.small(),
                counts.large()));
        out.append("| transport | 64 B msg/s | 64 B MB/s | 64 B vs NIO TCP | 64 KiB msg/s | 64 KiB MB/s"
                + " | 64 KiB vs NIO TCP |\n|---|---:|---:|---:|---:|---:|---:|\n");
        results.forEach((transport, r) -> out.append(String.format("| %s | %,d | %,d | %.2f× | %,d | %,d | %.2f× |%n",
                transport.label, r[3], r[4] / 1_000_000, (double) r[3] / tcp[3], r[5], r[6] / 1_000_000,
                (double) r[6] / tcp[6])));
        out.append(String.format("%nUnary calls of 1 MiB each way, one at a time, %,d timed after as many; MB/s"
                + " counts the request's bytes at the median call:%n%n", counts.megabyteCalls()));
        out.append("| transport | p50 µs | p99 µs | MB/s at p50 | speed vs NIO TCP |\n|---|---:|---:|---:|---:|\n");
        results.forEach((transport, r) -> out.append(String.format("| %s | %s | %s | %,d | %.2f× |%n",
                transport.label, Units.micros(r[7]), Units.micros(r[8]), (long) ((1 << 20) * 1e3 / r[7]),
                (double) tcp[7] / r[7])));
        return out.toString();
    }

    /** One client JVM against a fresh server JVM: {@link GrpcBenchClient}'s result. */
    private static long[] measure(Transport transport, Counts counts) throws Exception {
        Process server = BenchJvm.start(List.of(), GrpcBenchServer.class,
                List.of(transport.name(), SERVER_CPU));
        try {
            String address = BenchJvm.awaitReady(server);
            return BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(List.of(),
                    GrpcBenchClient.class, List.of(transport.name(), CLIENT_CPU, address,
                            String.valueOf(counts.warmup()), String.valueOf(counts.calls()),
                            String.valueOf(counts.small()), String.valueOf(counts.large()),
                            String.valueOf(counts.megabyteCalls())))));
        } finally {
            BenchJvm.stop(server);
        }
    }
}
