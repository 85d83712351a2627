package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.BenchJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Measurements between two JVMs, each run by a fresh {@link BenchClient} JVM against a {@link BenchServer} JVM —
 * one server per transport and CPU, started on first use and serving every later run, each on a connection of
 * its own. Results are remembered: reports that share an instance share each number, measured once. Counts are
 * set so that a run lasts about a second on the development VM; {@code scale} divides them for a smoke run.
 * Progress goes to standard error.
 */
public final class TransportRuns implements AutoCloseable {

    /** Percentiles of a round trip, in nanoseconds. */
    public record RoundTrip(long p50, long p99, long p999) {
    }

    /** One-way throughput. */
    public record Rate(long bytesPerSecond, long messagesPerSecond) {
    }

    private record Server(Process process, String address) {
    }

    /** The shortest warm-up of a client at scale 1, whatever its count of messages; see {@link BenchClient}. */
    private static final int WARMUP_MILLIS = 3_000;

    private final int scale;
    private final Map<String, Server> servers = new HashMap<>();
    private final Map<List<Object>, long[]> results = new HashMap<>();

    public TransportRuns(int scale) {
        this.scale = scale;
    }

    /** Ping-pong of {@code size}-byte messages, one in flight; the server echoes what it reads. */
    public RoundTrip roundTrip(Contender contender, Placement placement, int size) throws Exception {
        return roundTrip(contender, placement, size, RoundTripWork.ECHO);
    }

    /**
     * Ping-pong of {@code size}-byte messages in which the server answers with a copy of each in a buffer from its
     * own channel's allocator, as a handler that builds its reply from the request does: it reads every byte.
     */
    public RoundTrip refilledRoundTrip(Contender contender, Placement placement, int size) throws Exception {
        return roundTrip(contender, placement, size, RoundTripWork.REFILL);
    }

    /**
     * Ping-pong of {@code size}-byte messages with the throughput runs' honest work both ways: each side fills its
     * message by copying its payload into a buffer from its channel's allocator, and checks the first and last 8
     * bytes of what it receives.
     */
    public RoundTrip filledRoundTrip(Contender contender, Placement placement, int size) throws Exception {
        return roundTrip(contender, placement, size, RoundTripWork.FILL);
    }

    private RoundTrip roundTrip(Contender contender, Placement placement, int size, RoundTripWork work)
            throws Exception {
        boolean fast = contender.transport() == Transport.SHM;
        int divisor = scale * (size >= 1 << 20 ? 20 : size >= 64 << 10 ? 5 : 1);
        int warmup = (fast ? 20_000 : 5_000) / divisor;
        int count = (fast ? 100_000 : 20_000) / divisor;
        List<String> args = new ArrayList<>(List.of("pingpong", String.valueOf(size), String.valueOf(warmup),
                String.valueOf(count)));
        if (work != RoundTripWork.ECHO) {
            args.add(work.name().toLowerCase());
        }
        long[] p = measure(contender, placement, args);
        return new RoundTrip(p[0], p[1], p[2]);
    }

    /**
     * One-way {@code size}-byte messages, flushed every {@code flushEvery}, after warm-up phases as long as the
     * measured one, for at least {@value #WARMUP_MILLIS} ms. Honest work on every transport: the sender copies its
     * payload into a buffer from its channel's allocator, as an encoder does — for shared memory, a shared buffer from
     * 4 KiB up — and the server checks the first and last 8 bytes of each message and releases it.
     */
    public Rate throughput(Contender contender, Placement placement, int size, int flushEvery) throws Exception {
        boolean tcp = contender.transport() == Transport.NIO_TCP || contender.transport() == Transport.EPOLL_TCP;
        int count = size >= 1 << 20 ? 3_000 : size >= 64 << 10 ? 150_000
                : flushEvery > 1 ? 2_000_000 : tcp ? 150_000 : 1_000_000;
        long[] r = measure(contender, placement, List.of("throughput", String.valueOf(size),
                String.valueOf(count / scale), String.valueOf(flushEvery), "alloc"));
        return new Rate(r[0], r[1]);
    }

    /**
     * The floor: ping-pong of 64-byte messages through two Agrona rings in one {@code /dev/shm} file, both sides
     * spinning, no Netty ({@link RawRing}).
     */
    public RoundTrip rawRing(Placement placement) throws Exception {
        List<Object> key = List.of(RawRing.class, placement);
        long[] known = results.get(key);
        if (known == null) {
            // On one CPU each round trip waits for the other side's time slice: fewer of them.
            int warmup = (placement == Placement.ONE_CPU ? 10_000 : 50_000) / scale;
            int count = (placement == Placement.ONE_CPU ? 50_000 : 500_000) / scale;
            Path file = Path.of("/dev/shm", "bench-raw-ring-" + UUID.randomUUID());
            Process server = BenchJvm.start(List.of(), RawRing.class,
                    List.of("server", file.toString(), placement.serverCpu));
            try {
                BenchJvm.awaitReady(server);
                known = BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(List.of(), RawRing.class, List.of("client",
                        file.toString(), placement.clientCpu, "64", String.valueOf(warmup), String.valueOf(count)))));
            } finally {
                BenchJvm.stop(server);
                Files.deleteIfExists(file);
            }
            results.put(key, known);
            progress("raw ring", placement, List.of("pingpong", "64"), known);
        }
        return new RoundTrip(known[0], known[1], known[2]);
    }

    private long[] measure(Contender contender, Placement placement, List<String> clientArgs) throws Exception {
        List<Object> key = List.of(contender.transport(), contender.clientOptions(), placement, clientArgs);
        long[] known = results.get(key);
        if (known != null) {
            return known;
        }
        Transport transport = contender.transport();
        List<String> client = new ArrayList<>(List.of(transport.name(), placement.clientCpu,
                transport.crossesProcesses ? server(transport, placement.serverCpu).address()
                        : "-" + placement.serverCpu));
        client.addAll(clientArgs);
        List<String> options = new ArrayList<>(contender.clientOptions());
        // A shorter run is shorter in its warm-up too.
        options.add("-Dbench.warmupMillis=" + WARMUP_MILLIS / scale);
        long[] result = BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(options, BenchClient.class, client)));
        results.put(key, result);
        progress(contender.label(), placement, clientArgs, result);
        return result;
    }

    private Server server(Transport transport, String cpu) throws Exception {
        String key = transport.name() + "@" + cpu;
        Server server = servers.get(key);
        if (server == null) {
            Process process = BenchJvm.start(List.of(), BenchServer.class, List.of(transport.name(), cpu));
            server = new Server(process, BenchJvm.awaitReady(process));
            servers.put(key, server);
        }
        return server;
    }

    /** Ends the server JVMs. */
    @Override
    public void close() {
        for (Server server : servers.values()) {
            BenchJvm.stop(server.process());
        }
        servers.clear();
    }

    private static void progress(String label, Placement placement, List<String> args, long[] result) {
        System.err.printf("%s, %s, %s: %s%n", label, placement.label, String.join(" ", args),
                Arrays.toString(result));
    }
}
