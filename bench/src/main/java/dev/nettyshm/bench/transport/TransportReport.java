package dev.nettyshm.bench.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Runs every transport's ping-pong and throughput between two JVMs, in both placements — the two event loops
 * pinned to different CPUs, then both to one CPU (see {@link Pinning}) — and prints Markdown tables with ratios to
 * NIO TCP and to the raw ring. {@code quick} as the first argument cuts the counts tenfold for a smoke run.
 *
 * <p>Throughput runs a warm-up phase as long as the measured one first. The 64-byte message rate is measured twice:
 * flushing every message, as a latency-sensitive sender does, and flushing every 64, where the kernel transports
 * share one system call among 64 messages and the sender's pipeline is the bottleneck of every transport.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-transport} (about 8 minutes; {@code -Dbench.args=quick}).
 */
public final class TransportReport {

    private static final int[] PING_SIZES = {64, 1024, 64 * 1024};

    private final int scale;

    private TransportReport(int scale) {
        this.scale = scale;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        TransportReport report = new TransportReport(quick ? 10 : 1);
        System.out.println(report.run("different CPUs", "0", "1"));
        System.out.println(report.run("one CPU", "0", "0"));
    }

    private String run(String placement, String serverCpu, String clientCpu) throws Exception {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        Map<Transport, long[]> ping64 = new EnumMap<>(Transport.class);
        Map<Transport, long[]> rates = new EnumMap<>(Transport.class);
        for (Transport transport : Transport.values()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int size : PING_SIZES) {
                long[] p = parse(measure(transport, serverCpu, clientCpu, "pingpong", String.valueOf(size),
                        String.valueOf(warmup(transport, size)), String.valueOf(count(transport, size))));
                if (size == 64) {
                    ping64.put(transport, p);
                    row.put("64 B p50 µs", micros(p[0]));
                    row.put("64 B p99 µs", micros(p[1]));
                    row.put("64 B p99.9 µs", micros(p[2]));
                } else {
                    row.put(label(size) + " p50 µs", micros(p[0]));
                }
            }
            long[] rate = {throughput(transport, serverCpu, clientCpu, 64, 1)[1],
                    throughput(transport, serverCpu, clientCpu, 64, 64)[1],
                    throughput(transport, serverCpu, clientCpu, 64 * 1024, 1)[0]};
            rates.put(transport, rate);
            row.put("64 B msg/s, flush each", String.format("%,d", rate[0]));
            row.put("64 B msg/s, flush per 64", String.format("%,d", rate[1]));
            row.put("64 KiB MB/s", String.format("%,d", rate[2] / 1_000_000));
            rows.put(transport.label, row);
        }
        long[] raw = parse(rawRing(serverCpu, clientCpu));
        StringBuilder out = new StringBuilder("### Netty transports, two JVMs on " + placement + "\n\n");
        List<String> columns = new ArrayList<>(rows.values().iterator().next().keySet());
        out.append("| transport | ").append(String.join(" | ", columns)).append(" |\n|---|");
        out.append("---:|".repeat(columns.size())).append('\n');
        rows.forEach((name, row) -> out.append("| ").append(name).append(" | ")
                .append(String.join(" | ", row.values())).append(" |\n"));
        out.append("| raw Agrona ring (no Netty) | ").append(micros(raw[0])).append(" | ").append(micros(raw[1]))
                .append(" | ").append(micros(raw[2])).append(" |").append(" |".repeat(columns.size() - 3))
                .append('\n');
        long shm = ping64.get(Transport.SHM)[0];
        out.append(String.format("%n64 B median round trip, shared memory: %.3f of NIO TCP's, %.3f of epoll domain"
                + " sockets', %.1f× the raw ring's.%n", (double) shm / ping64.get(Transport.NIO_TCP)[0],
                (double) shm / ping64.get(Transport.EPOLL_UDS)[0], (double) shm / raw[0]));
        long[] shmRate = rates.get(Transport.SHM);
        long[] nioRate = rates.get(Transport.NIO_TCP);
        out.append(String.format("Shared memory over NIO TCP: 64 B messages %.1f× flushing each, %.1f× flushing per 64;"
                + " 64 KiB bytes %.2f×.%n", (double) shmRate[0] / nioRate[0], (double) shmRate[1] / nioRate[1],
                (double) shmRate[2] / nioRate[2]));
        return out.toString();
    }

    /**
     * One-way messages of {@code size}, flushed every {@code flushEvery}: bytes and messages per second. Counts
     * are set so that each run lasts about a second or two on the development VM.
     */
    private long[] throughput(Transport transport, String serverCpu, String clientCpu, int size, int flushEvery)
            throws Exception {
        boolean userSpace = transport == Transport.SHM || transport == Transport.LOCAL;
        int count = size > 64 ? 100_000 : flushEvery > 1 ? 5_000_000 : userSpace ? 3_000_000 : 300_000;
        return parse(measure(transport, serverCpu, clientCpu, "throughput", String.valueOf(size),
                String.valueOf(count / scale), String.valueOf(flushEvery)));
    }

    private int warmup(Transport transport, int size) {
        return (transport == Transport.SHM || transport == Transport.LOCAL ? 20_000 : 5_000) / scale;
    }

    private int count(Transport transport, int size) {
        int count = transport == Transport.SHM || transport == Transport.LOCAL ? 100_000 : 30_000;
        return (size >= 64 * 1024 ? count / 5 : count) / scale;
    }

    private String measure(Transport transport, String serverCpu, String clientCpu, String... clientArgs)
            throws Exception {
        return measure(List.of(), transport, serverCpu, clientCpu, clientArgs);
    }

    /** One client run against a fresh server; {@code clientOptions} go to the client's JVM. */
    static String measure(List<String> clientOptions, Transport transport, String serverCpu, String clientCpu,
            String... clientArgs) throws Exception {
        List<String> client = new ArrayList<>(List.of(transport.name(), clientCpu));
        if (!transport.crossesProcesses) {
            client.add("-" + serverCpu);
            client.addAll(List.of(clientArgs));
            return resultOf(start(clientOptions, BenchClient.class, client));
        }
        Process server = start(List.of(), BenchServer.class, List.of(transport.name(), serverCpu));
        try {
            String address = awaitReady(server);
            client.add(address);
            client.addAll(List.of(clientArgs));
            return resultOf(start(clientOptions, BenchClient.class, client));
        } finally {
            stop(server);
        }
    }

    private String rawRing(String serverCpu, String clientCpu) throws Exception {
        Path file = Path.of("/dev/shm", "bench-raw-ring-" + UUID.randomUUID());
        Process server = start(List.of(), RawRing.class, List.of("server", file.toString(), serverCpu));
        try {
            awaitReady(server);
            return resultOf(start(List.of(), RawRing.class, List.of("client", file.toString(), clientCpu, "64",
                    String.valueOf(100_000 / scale), String.valueOf(1_000_000 / scale))));
        } finally {
            stop(server);
            Files.deleteIfExists(file);
        }
    }

    /** Starts {@code main} in a JVM of its own, with this one's class path and {@code options}. */
    public static Process start(List<String> options, Class<?> main, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                // Above 512 MiB of heap: below it Netty's allocator turns to its low-memory mode and stops pooling
                // large buffers, which then costs every transport more than its own work.
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                // Agrona 2 reaches for the JDK's internal Unsafe.
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path")));
        command.addAll(options);
        command.add(main.getName());
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for a server's {@code ready} line; returns what follows the word. */
    public static String awaitReady(Process process) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("ready")) {
                return line.length() > 6 ? line.substring(6) : "";
            }
        }
        throw new IllegalStateException("server ended before it was ready");
    }

    /**
     * Reads a client's output to its end and returns what follows {@code result} on its last result line; fails
     * unless the client exits with 0.
     */
    public static String resultOf(Process client) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8));
        String result = null;
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("result ")) {
                result = line.substring(7);
            }
        }
        if (!client.waitFor(60, TimeUnit.SECONDS) || client.exitValue() != 0 || result == null) {
            throw new IllegalStateException("client failed (exit " + client.exitValue() + ")");
        }
        return result;
    }

    /** Closes a server's input, its signal to end; kills it if it has not ended ten seconds later. */
    public static void stop(Process server) throws Exception {
        server.getOutputStream().close();
        // A spinning raw-ring server only stops on its STOP message: do not wait for it long.
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor();
        }
    }

    public static long[] parse(String result) {
        String[] parts = result.trim().split(" ");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return values;
    }

    public static String micros(long nanos) {
        return String.format("%.2f", nanos / 1e3);
    }

    public static String label(int size) {
        return size >= 1024 ? (size / 1024) + " KiB" : size + " B";
    }
}
