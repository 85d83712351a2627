package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.TransportRuns.Rate;
import dev.nettyshm.bench.transport.TransportRuns.RoundTrip;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Netty transport between two JVMs ({@link TransportRuns}): round trips by message size, one-way
 * throughput by size, and the 64-byte message rate flushing each message — as a latency-sensitive sender does —
 * and flushing every 64, where the kernel transports share one system call among 64 messages and the sender's
 * pipeline bounds every transport. Shared memory appears twice: as it comes, its buffers from 4 KiB up shared,
 * and by its copy path. Markdown tables with ratios to NIO TCP; the raw Agrona ring is the floor of the round
 * trip. {@code LocalChannel} cannot cross processes: its rows are one JVM with two event loops.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-transport} (both placements, about 5 minutes;
 * {@code -Dbench.args=quick} cuts the counts tenfold for a smoke run).
 */
public final class TransportReport {

    public static final int[] ROUND_TRIP_SIZES = {64, 1024, 64 << 10, 1 << 20};
    public static final int[] THROUGHPUT_SIZES = {64, 64 << 10, 1 << 20};
    /** The rows of the round-trip and throughput tables. */
    public static final List<Contender> ROWS = List.of(Contender.of(Transport.SHM), Contender.SHM_COPY_PATH,
            Contender.of(Transport.NIO_TCP), Contender.of(Transport.EPOLL_TCP), Contender.of(Transport.EPOLL_UDS),
            Contender.of(Transport.LOCAL));

    private static final Contender NIO = Contender.of(Transport.NIO_TCP);
    private static final int BATCH = 64;

    /**
     * One placement's numbers: round trips by row and size, and — unless measured without — throughput by row and
     * size and the 64-byte rate flushing every {@value #BATCH} messages, by row (the copy path has none: below
     * 4 KiB it is the same path).
     */
    public record Tables(Placement placement, Map<Contender, Map<Integer, RoundTrip>> roundTrips, RoundTrip rawRing,
            Map<Contender, Map<Integer, Rate>> throughput, Map<Contender, Rate> batched) {
    }

    private TransportReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        try (TransportRuns runs = new TransportRuns(quick ? 10 : 1)) {
            for (Placement placement : Placement.values()) {
                System.out.println(markdown(measure(runs, placement, ROUND_TRIP_SIZES, THROUGHPUT_SIZES), "###"));
            }
        }
    }

    /**
     * Measures the round trips of {@code roundTripSizes} and the throughput of {@code throughputSizes}, 64 among
     * each — or no throughput at all if {@code throughputSizes} is empty.
     */
    public static Tables measure(TransportRuns runs, Placement placement, int[] roundTripSizes,
            int[] throughputSizes) throws Exception {
        Map<Contender, Map<Integer, RoundTrip>> roundTrips = new LinkedHashMap<>();
        Map<Contender, Map<Integer, Rate>> throughput = new LinkedHashMap<>();
        Map<Contender, Rate> batched = new LinkedHashMap<>();
        for (Contender row : ROWS) {
            Map<Integer, RoundTrip> bySize = new LinkedHashMap<>();
            for (int size : roundTripSizes) {
                bySize.put(size, runs.roundTrip(row, placement, size));
            }
            roundTrips.put(row, bySize);
            if (throughputSizes.length > 0) {
                Map<Integer, Rate> rateBySize = new LinkedHashMap<>();
                for (int size : throughputSizes) {
                    rateBySize.put(size, runs.throughput(row, placement, size, 1));
                }
                throughput.put(row, rateBySize);
                if (row != Contender.SHM_COPY_PATH) {
                    batched.put(row, runs.throughput(row, placement, 64, BATCH));
                }
            }
        }
        return new Tables(placement, roundTrips, runs.rawRing(placement), throughput, batched);
    }

    /** The tables, each under a heading of {@code level}. */
    public static String markdown(Tables tables, String level) {
        String where = "two JVMs on " + tables.placement().label;
        StringBuilder out = new StringBuilder(level + " Round trip, " + where + "\n\n");
        out.append("One message in flight, echoed by the server; p50 and p99 in µs, recorded with HdrHistogram."
                + " In parentheses: the p50 as a multiple of NIO TCP's.\n\n");
        List<String> header = new ArrayList<>(List.of("transport"));
        for (int size : tables.roundTrips().get(NIO).keySet()) {
            header.addAll(List.of(Units.size(size) + " p50 µs", Units.size(size) + " p99 µs"));
        }
        MarkdownTable roundTrips = new MarkdownTable(header);
        tables.roundTrips().forEach((row, bySize) -> {
            List<String> cells = new ArrayList<>(List.of(row.label()));
            bySize.forEach((size, trip) -> cells.addAll(List.of(
                    p50(trip, row, tables.roundTrips().get(NIO).get(size)), Units.micros(trip.p99()))));
            roundTrips.row(cells);
        });
        RoundTrip raw = tables.rawRing();
        roundTrips.row("raw Agrona ring, 64 B (no Netty)", p50(raw, null, tables.roundTrips().get(NIO).get(64)),
                Units.micros(raw.p99()));
        out.append(roundTrips);
        RoundTrip shm = tables.roundTrips().get(Contender.of(Transport.SHM)).get(64);
        out.append(String.format("%n64 B median round trip, shared memory: %s NIO TCP's, %s epoll domain sockets',"
                + " %s the raw ring's.%n", Units.ratio(shm.p50(), tables.roundTrips().get(NIO).get(64).p50()),
                Units.ratio(shm.p50(), tables.roundTrips().get(Contender.of(Transport.EPOLL_UDS)).get(64).p50()),
                Units.ratio(shm.p50(), raw.p50())));
        if (tables.throughput().isEmpty()) {
            return out.toString();
        }

        out.append("\n").append(level).append(" Throughput, ").append(where).append("\n\n");
        out.append("One way, each message flushed; the sender copies its payload into a buffer from its channel's"
                + " allocator and the receiver checks the first and last 8 bytes of each message and releases it."
                + " In parentheses: MB/s as a multiple of NIO TCP's.\n\n");
        List<String> rateHeader = new ArrayList<>(List.of("transport"));
        for (int size : tables.throughput().get(NIO).keySet()) {
            rateHeader.addAll(List.of(Units.size(size) + " MB/s", Units.size(size) + " msg/s"));
        }
        MarkdownTable throughput = new MarkdownTable(rateHeader);
        tables.throughput().forEach((row, bySize) -> {
            List<String> cells = new ArrayList<>(List.of(row.label()));
            bySize.forEach((size, rate) -> {
                long nio = tables.throughput().get(NIO).get(size).bytesPerSecond();
                cells.add(Units.megabytes(rate.bytesPerSecond())
                        + (row.equals(NIO) ? "" : " (" + Units.ratio(rate.bytesPerSecond(), nio) + ")"));
                cells.add(Units.whole(rate.messagesPerSecond()));
            });
            throughput.row(cells);
        });
        out.append(throughput);

        out.append("\n").append(level).append(" 64 B message rate, ").append(where).append("\n\n");
        out.append("The 64 B throughput above, flushing each message, beside the same flushing every " + BATCH
                + " messages. In parentheses: multiples of NIO TCP's rate.\n\n");
        MarkdownTable rates = new MarkdownTable("transport", "msg/s, flush each", "msg/s, flush per " + BATCH);
        Rate nioEach = tables.throughput().get(NIO).get(64);
        Rate nioBatched = tables.batched().get(NIO);
        tables.batched().forEach((row, batch) -> {
            Rate each = tables.throughput().get(row).get(64);
            rates.row(row.label(), rate(each, nioEach, row), rate(batch, nioBatched, row));
        });
        out.append(rates);
        return out.toString();
    }

    private static String p50(RoundTrip trip, Contender row, RoundTrip nio) {
        return Units.micros(trip.p50()) + (NIO.equals(row) ? "" : " (" + Units.ratio(trip.p50(), nio.p50()) + ")");
    }

    private static String rate(Rate rate, Rate nio, Contender row) {
        return Units.whole(rate.messagesPerSecond())
                + (NIO.equals(row) ? "" : " (" + Units.ratio(rate.messagesPerSecond(), nio.messagesPerSecond()) + ")");
    }
}
