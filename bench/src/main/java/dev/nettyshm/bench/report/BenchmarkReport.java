package dev.nettyshm.bench.report;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.GoComparison;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.FramedReport;
import dev.nettyshm.bench.transport.IdleAndWakeup;
import dev.nettyshm.bench.transport.Placement;
import dev.nettyshm.bench.transport.TransportReport;
import dev.nettyshm.bench.transport.TransportRuns;
import dev.nettyshm.bench.transport.ZeroCopyReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whole benchmark suite in one run, written as one Markdown report with two charts: the machine; first, the
 * pipelines users run — framed by {@code LengthFieldPrepender} and {@code LengthFieldBasedFrameDecoder} over this
 * transport, NIO TCP and epoll domain sockets ({@link FramedReport}), the report's headline; the tables of
 * the Go package godcong/mmap measured here in Java ({@link GoComparison}); every Netty transport between two JVMs
 * ({@link TransportReport}) with the event loops on different CPUs and, for the 64-byte round trip, on one; the
 * shared buffers ({@link ZeroCopyReport}); idle CPU and wake-up ({@link IdleAndWakeup}, shortened); and gRPC and
 * Reactor Netty HTTP over the transport, when the build has their reports. Every number in the report comes from the run. About a quarter of an
 * hour on the 2-CPU development VM, written to {@code docs/benchmarks/} ({@code report.md}, {@code round-trip.png},
 * {@code throughput.png}). {@code smoke} keeps the smallest and largest sizes, cuts every count tenfold and writes
 * to {@code target/benchmark-report/} instead, in under two minutes: numbers that show the run works, not numbers
 * to quote.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-report} ({@code -Dbench.args=smoke} for the smoke run).
 */
public final class BenchmarkReport {

    private static final String GRPC_REPORT = "dev.nettyshm.bench.grpc.GrpcReport";
    private static final String REACTOR_REPORT = "dev.nettyshm.bench.reactor.ReactorReport";
    private static final String RAW_RING = "raw Agrona ring (no Netty)";

    private final boolean smoke;
    private final Map<String, Duration> took = new LinkedHashMap<>();

    private BenchmarkReport(boolean smoke) {
        this.smoke = smoke;
    }

    public static void main(String[] args) throws Exception {
        // Charts are drawn with no display.
        System.setProperty("java.awt.headless", "true");
        boolean smoke = args.length > 0 && (args[0].equals("smoke") || args[0].equals("quick"));
        Path directory = smoke ? Path.of("target", "benchmark-report") : Path.of("docs", "benchmarks");
        Files.createDirectories(directory);
        new BenchmarkReport(smoke).run(directory);
        System.err.println("wrote " + directory.resolve("report.md").toAbsolutePath());
    }

    private void run(Path directory) throws Exception {
        ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
        long start = System.nanoTime();
        Machine machine = Machine.current();
        GoComparison.Results go = timed("the Go package's tables", () -> GoComparison.measure(smoke));
        FramedReport.Tables framed;
        TransportReport.Tables apart;
        TransportReport.Tables oneCpu;
        String zeroCopy;
        try (TransportRuns runs = new TransportRuns(smoke ? 10 : 1)) {
            framed = timed("framed pipelines", () -> FramedReport.measure(runs, smoke ? 10 : 1));
            // The smoke run keeps the smallest and the largest size.
            int[] roundTripSizes = smoke ? new int[] {64, 1 << 20} : TransportReport.ROUND_TRIP_SIZES;
            int[] throughputSizes = smoke ? new int[] {64, 1 << 20} : TransportReport.THROUGHPUT_SIZES;
            apart = timed("transports, different CPUs", () -> TransportReport.measure(runs,
                    Placement.DIFFERENT_CPUS, roundTripSizes, throughputSizes));
            oneCpu = timed("transports, one CPU", () -> TransportReport.measure(runs, Placement.ONE_CPU,
                    new int[] {64}, new int[0]));
            zeroCopy = timed("shared buffers", () -> ZeroCopyReport.markdown(runs, "###",
                    Duration.ofMillis(smoke ? 400 : 2_000)));
        }
        String idle = timed("idle and wake-up", () -> IdleAndWakeup.markdown(
                smoke ? IdleAndWakeup.Length.SMOKE : IdleAndWakeup.Length.SHORT));
        String grpc = timed("gRPC", () -> childReport("gRPC", GRPC_REPORT));
        String reactor = timed("Reactor Netty", () -> childReport("Reactor Netty", REACTOR_REPORT));
        charts(directory, apart);
        Duration total = Duration.ofNanos(System.nanoTime() - start);

        StringBuilder out = new StringBuilder("# Benchmark report\n\n");
        out.append("Measured ").append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append(" by `./mvnw -q test-compile exec:exec@bench-report")
                .append(smoke ? " -Dbench.args=smoke" : "").append("`, in ").append(minutes(total))
                .append(" (");
        took.forEach((section, duration) -> out.append(section).append(": ").append(minutes(duration)).append("; "));
        out.setLength(out.length() - 2);
        out.append("). Every number below comes from this one run.\n\n");
        if (smoke) {
            out.append("**Smoke run:** the smallest and largest sizes only, counts cut tenfold, JMH iterations of"
                    + " 100 ms. These numbers show that the run works; they are not numbers to quote.\n\n");
        }
        out.append("## Machine\n\n").append(machine.markdown()).append('\n');
        out.append("## The pipelines users run\n\n");
        out.append("Every real Netty pipeline frames its messages. These are the headline figures: two JVMs, each"
                + " with its event loop pinned with `taskset` (the server's to CPU 0, the client's to CPU 1), a fresh"
                + " client JVM and server JVM for each transport.\n\n");
        out.append(FramedReport.markdown(framed, "###")).append('\n');
        out.append("## Charts\n\nBoth from the transport tables below: two JVMs, event loops on different CPUs;"
                + " logarithmic value axes.\n\n");
        out.append("![Median round trip by message size and transport](round-trip.png)\n\n");
        out.append("![One-way throughput by message size and transport](throughput.png)\n\n");
        out.append("## The Go package's benchmarks, in Java\n\n");
        out.append("The README of the Go package [godcong/mmap](https://github.com/godcong/mmap) shows five tables"
                + " under \"Benchmark Results\". These are the same operations at the same sizes, measured here with"
                + " JMH: one fork, 2 × 200 ms of warm-up and 3 × 200 ms measured per cell — short, so a cell can move"
                + " by a fifth between runs. MB/s counts each operation's `size` bytes once, as Go's `b.SetBytes`"
                + " does; ns/op is 10⁹ / (ops/s). Go allocates its read buffer in every operation; these reuse"
                + " theirs.\n\n");
        out.append(GoComparison.markdown(go, "###")).append('\n');
        out.append("## Netty transports between two JVMs, no codec\n\n");
        out.append("Diagnostics, not headlines: no pipeline here has a codec — the receiver looks at 8 bytes of each"
                + " message as it arrives. Each number is one run of a fresh client JVM against a server JVM of its transport, which is"
                + " started once and serves every run on a connection of its own. Their event loop threads are"
                + " pinned with `taskset` to CPUs 0 and 1 (different CPUs), or both to CPU 0 (one CPU); the rest"
                + " of each JVM is not pinned. *shared memory* is the transport as it comes: buffers its channel's"
                + " allocator hands out from 4 KiB up live in shared memory, and such a message crosses as a"
                + " descriptor. *shared memory, copy path* is the same transport with `POOL_SIZE` 0: every byte is"
                + " copied through the rings. `LocalChannel` cannot cross processes: its row is one JVM with two"
                + " event loops. The raw Agrona ring is the floor: two rings over one `/dev/shm` file, both sides"
                + " spinning, no Netty.\n\n");
        out.append(TransportReport.markdown(apart, "###")).append('\n');
        out.append(TransportReport.markdown(oneCpu, "###")).append('\n');
        out.append("## Shared buffers, idle CPU and wake-up\n\n");
        out.append(zeroCopy).append('\n');
        out.append("### Idle CPU and wake-up\n\n");
        out.append("The CPU an idle connected shared-memory pair of JVMs burns, and the one-way delay of a 64-byte"
                + " message to a peer whose loop has gone to sleep — from the sender's clock before the write to the"
                + " receiver's on arrival — after 2 ms and 20 ms of quiet, each after 1,000 warm-up messages to a"
                + " sleeping peer. Shared memory twice: its loops asleep on futexes (the default on Linux) and forced"
                + " into their selectors (the portable fallback). The floor is a thread blocked in a plain `read` of a"
                + " Unix domain socket. Shortened: half the idle time and half the samples of"
                + " `exec:exec@bench-idle`.\n\n");
        out.append(idle).append('\n');
        out.append("## gRPC\n\n").append(grpc).append('\n');
        out.append("## Reactor Netty\n\n").append(reactor);
        Files.writeString(directory.resolve("report.md"), out);
    }

    /** The two charts, from the transport tables with the loops on different CPUs. */
    private static void charts(Path directory, TransportReport.Tables apart) throws IOException {
        Map<String, Map<String, Double>> roundTrips = new LinkedHashMap<>();
        apart.roundTrips().forEach((row, bySize) -> bySize.forEach((size, trip) -> roundTrips
                .computeIfAbsent(row.label(), label -> new LinkedHashMap<>()).put(Units.size(size), trip.p50() / 1e3)));
        roundTrips.put(RAW_RING, Map.of(Units.size(64), apart.rawRing().p50() / 1e3));
        BarChart.save(directory.resolve("round-trip.png"), "Median round trip, two JVMs on different CPUs",
                "message size", "p50 round trip, µs (log scale)", "#,##0.#", roundTrips);

        Map<String, Map<String, Double>> throughput = new LinkedHashMap<>();
        apart.throughput().forEach((row, bySize) -> bySize.forEach((size, rate) -> throughput
                .computeIfAbsent(row.label(), label -> new LinkedHashMap<>())
                .put(Units.size(size), rate.bytesPerSecond() / 1e6)));
        BarChart.save(directory.resolve("throughput.png"), "One-way throughput, two JVMs on different CPUs",
                "message size", "MB/s (log scale)", "#,##0", throughput);
    }

    /**
     * The Markdown of the report class {@code className} (gRPC's, Reactor Netty's), from a JVM of its own; a sentence
     * saying why not if it did not run.
     */
    private String childReport(String section, String className) throws Exception {
        try {
            Class.forName(className, false, BenchmarkReport.class.getClassLoader());
        } catch (ClassNotFoundException absent) {
            return "The " + section + " section was not run: this build has no `" + className + "`.\n";
        }
        String simpleName = className.substring(className.lastIndexOf('.') + 1);
        Process child = BenchJvm.start(List.of(), className, smoke ? List.of("quick") : List.of());
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Duration limit = Duration.ofMinutes(smoke ? 2 : 5);
        if (!child.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            child.destroyForcibly().waitFor();
            return "The " + section + " section was stopped: `" + simpleName + "` had not finished after "
                    + minutes(limit) + ".\n";
        }
        if (child.exitValue() != 0) {
            return "The " + section + " section failed: `" + simpleName + "` exited with " + child.exitValue()
                    + "; its errors went to the run's standard error.\n";
        }
        return output.get();
    }

    /** A measurement whose duration the report states. */
    private interface Section<T> {
        T run() throws Exception;
    }

    private <T> T timed(String name, Section<T> section) throws Exception {
        System.err.println("== " + name);
        long start = System.nanoTime();
        T result = section.run();
        took.put(name, Duration.ofNanos(System.nanoTime() - start));
        return result;
    }

    private static String minutes(Duration duration) {
        return duration.toMinutes() > 0 ? duration.toMinutes() + " min " + duration.toSecondsPart() + " s"
                : duration.toSeconds() + " s";
    }
}
