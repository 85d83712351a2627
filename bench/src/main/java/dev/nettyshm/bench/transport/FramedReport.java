package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.TransportRuns.Rate;
import dev.nettyshm.bench.transport.TransportRuns.RoundTrip;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipelines users run, between two JVMs whose event loops are pinned to different CPUs: every message framed by
 * {@code LengthFieldPrepender} and {@code LengthFieldBasedFrameDecoder} ({@link Framing}). One way, the sender fills
 * each message into a buffer from {@code ctx.alloc()}, flushes after at most 256 writes and honours writability
 * (water marks 256/1024 KiB); the receiver decodes, checks and releases each frame ({@link FramedClient},
 * {@link FramedServer}). The round trip echoes a 64-byte frame through both sides' codecs, beside the raw Agrona
 * ring between the same two CPUs. NIO TCP, epoll domain sockets and this transport, in one run.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-framed} (about three minutes; {@code -Dbench.args=quick}
 * for a smoke run).
 */
public final class FramedReport {

    static final int[] SIZES = {64, 1024, 64 << 10, 1 << 20};
    static final List<Contender> ROWS = List.of(Contender.of(Transport.SHM), Contender.of(Transport.NIO_TCP),
            Contender.of(Transport.EPOLL_UDS));
    private static final Contender SHM = ROWS.get(0);
    private static final Contender NIO = ROWS.get(1);
    private static final Contender UDS = ROWS.get(2);
    private static final Placement PLACEMENT = Placement.DIFFERENT_CPUS;

    /** One run's figures. */
    public record Tables(Map<Contender, Map<Integer, Rate>> oneWay, Map<Contender, RoundTrip> echo,
            RoundTrip rawRing) {
    }

    private FramedReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        try (TransportRuns runs = new TransportRuns(quick ? 10 : 1)) {
            System.out.println(markdown(measure(runs, quick ? 10 : 1), "###"));
        }
    }

    /** Measures every row; {@code scale} divides the counts for a smoke run. */
    public static Tables measure(TransportRuns runs, int scale) throws Exception {
        Map<Contender, Map<Integer, Rate>> oneWay = new LinkedHashMap<>();
        Map<Contender, RoundTrip> echo = new LinkedHashMap<>();
        for (Contender row : ROWS) {
            Process server = BenchJvm.start(List.of(), FramedServer.class, List.of(row.transport().name(),
                    PLACEMENT.serverCpu));
            try {
                String address = BenchJvm.awaitReady(server);
                Map<Integer, Rate> bySize = new LinkedHashMap<>();
                for (int size : SIZES) {
                    long[] r = client(row, address, scale, List.of("throughput", String.valueOf(size),
                            String.valueOf(framesPerPhase(size) / scale)));
                    bySize.put(size, new Rate(r[0], r[1]));
                }
                oneWay.put(row, bySize);
                boolean fast = row.transport() == Transport.SHM;
                long[] p = client(row, address, scale, List.of("echo", "64",
                        String.valueOf((fast ? 20_000 : 5_000) / scale),
                        String.valueOf((fast ? 100_000 : 20_000) / scale)));
                echo.put(row, new RoundTrip(p[0], p[1], p[2]));
            } finally {
                BenchJvm.stop(server);
            }
        }
        return new Tables(oneWay, echo, runs.rawRing(PLACEMENT));
    }

    /** About a second's worth of frames at the rate this transport reaches on the development VM. */
    private static long framesPerPhase(int size) {
        return size >= 1 << 20 ? 5_000 : size >= 64 << 10 ? 60_000 : size >= 1024 ? 1_000_000 : 2_000_000;
    }

    private static long[] client(Contender row, String address, int scale, List<String> args) throws Exception {
        List<String> options = new ArrayList<>(row.clientOptions());
        options.add("-Dbench.warmupMillis=" + 3_000 / scale);
        List<String> all = new ArrayList<>(List.of(row.transport().name(), PLACEMENT.clientCpu, address));
        all.addAll(args);
        long[] result = BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(options, FramedClient.class, all)));
        System.err.printf("framed, %s, %s: %s%n", row.label(), String.join(" ", args),
                java.util.Arrays.toString(result));
        return result;
    }

    /** The tables, each under a heading of {@code level}. */
    public static String markdown(Tables tables, String level) {
        StringBuilder out = new StringBuilder(level + " Framed one way, two JVMs on different CPUs\n\n");
        out.append("`LengthFieldPrepender` and `LengthFieldBasedFrameDecoder`; messages filled from `ctx.alloc()`,"
                + " flushed every 256 writes, writability honoured; the receiver checks and releases each frame."
                + " 64 B in messages per second, the rest in MB/s of payload. In parentheses: as a multiple of NIO"
                + " TCP's and of epoll domain sockets'.\n\n");
        List<String> header = new ArrayList<>(List.of("transport"));
        for (int size : SIZES) {
            header.add(Units.size(size) + (size == 64 ? " msg/s" : " MB/s"));
        }
        MarkdownTable oneWay = new MarkdownTable(header);
        tables.oneWay().forEach((row, bySize) -> {
            List<String> cells = new ArrayList<>(List.of(row.label()));
            bySize.forEach((size, rate) -> {
                double value = size == 64 ? rate.messagesPerSecond() : rate.bytesPerSecond();
                double nio = value(tables.oneWay().get(NIO).get(size), size);
                double uds = value(tables.oneWay().get(UDS).get(size), size);
                String figure = size == 64 ? Units.whole(value) : Units.megabytes(value);
                cells.add(row == NIO || row == UDS ? figure
                        : figure + " (" + Units.ratio(value, nio) + ", " + Units.ratio(value, uds) + ")");
            });
            oneWay.row(cells);
        });
        out.append(oneWay);

        out.append("\n").append(level).append(" Framed echo round trip, 64 B, two JVMs on different CPUs\n\n");
        out.append("One frame in flight, echoed through the server's codecs; p50 and p99 in µs (HdrHistogram). In"
                + " parentheses: the p50 as a multiple of NIO TCP's and of the raw ring's.\n\n");
        MarkdownTable echo = new MarkdownTable("transport", "p50 µs", "p99 µs");
        RoundTrip raw = tables.rawRing();
        RoundTrip nio = tables.echo().get(NIO);
        tables.echo().forEach((row, trip) -> echo.row(row.label(), Units.micros(trip.p50()) + " ("
                + Units.ratio(trip.p50(), nio.p50()) + ", " + Units.ratio(trip.p50(), raw.p50()) + ")",
                Units.micros(trip.p99())));
        echo.row("raw Agrona ring, 64 B (no Netty, no codec)", Units.micros(raw.p50()), Units.micros(raw.p99()));
        out.append(echo);
        Rate shm1m = tables.oneWay().get(SHM).get(1 << 20);
        out.append(String.format("%nFramed, shared memory: 64 B at %s epoll domain sockets' message rate; 1 MiB at %s"
                + " NIO TCP's; the 64 B echo at %s NIO TCP's round trip and %s the raw ring's.%n",
                Units.ratio(tables.oneWay().get(SHM).get(64).messagesPerSecond(),
                        tables.oneWay().get(UDS).get(64).messagesPerSecond()),
                Units.ratio(shm1m.bytesPerSecond(), tables.oneWay().get(NIO).get(1 << 20).bytesPerSecond()),
                Units.ratio(tables.echo().get(SHM).p50(), nio.p50()),
                Units.ratio(tables.echo().get(SHM).p50(), raw.p50())));
        return out.toString();
    }

    private static double value(Rate rate, int size) {
        return size == 64 ? rate.messagesPerSecond() : rate.bytesPerSecond();
    }
}
