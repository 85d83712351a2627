package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.bench.Units;
import dev.nettyshm.bench.transport.TransportRuns.RoundTrip;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;

/**
 * The shared-buffer path of the shared-memory transport against its copy path and the kernel's transports, two
 * JVMs with their event loops pinned to different CPUs: one-way throughput of 64 KiB and 1 MiB messages, and the
 * round trip of 64 KiB, beside {@link MemorySegment#copy} of the same size in one thread — the price of the one
 * copy a sender pays anyway. Honest work on every path: the sender copies its payload into a buffer from the
 * channel's allocator; the receiver checks the first and last 8 bytes of each message and releases it — both ways
 * in the round trip. A second round trip has the server read all of each request: it answers with a copy of it in
 * a buffer from its own allocator. The copy path is the same transport with {@code POOL_SIZE} 0.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-zero-copy} (about 2 minutes; {@code -Dbench.args=quick}).
 */
public final class ZeroCopyReport {

    private static final Contender SHARED = new Contender("shared memory, shared buffers", Transport.SHM, List.of());
    private static final List<Contender> ROWS = List.of(SHARED, Contender.SHM_COPY_PATH,
            Contender.of(Transport.NIO_TCP), Contender.of(Transport.EPOLL_UDS));
    private static final int KIB_64 = 64 << 10;
    private static final int MIB_1 = 1 << 20;

    private ZeroCopyReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        try (TransportRuns runs = new TransportRuns(quick ? 10 : 1)) {
            System.out.println(markdown(runs, "###", Duration.ofSeconds(quick ? 1 : 2)));
        }
    }

    /**
     * The table under a heading of {@code level}, measured through {@code runs} — which already knows the
     * throughput numbers if it measured them for another table. Each {@code MemorySegment.copy} rate takes
     * {@code copyTime}, the first half warming up.
     */
    public static String markdown(TransportRuns runs, String level, Duration copyTime) throws Exception {
        MarkdownTable table = new MarkdownTable("path", "64 KiB MB/s", "1 MiB MB/s", "64 KiB round trip p50 µs",
                "p99 µs", "64 KiB round trip, answer copied from the request, p50 µs", "p99 µs");
        long[][] numbers = new long[ROWS.size()][];
        for (int i = 0; i < ROWS.size(); i++) {
            Contender row = ROWS.get(i);
            RoundTrip trip = runs.filledRoundTrip(row, Placement.DIFFERENT_CPUS, KIB_64);
            RoundTrip copied = runs.refilledRoundTrip(row, Placement.DIFFERENT_CPUS, KIB_64);
            numbers[i] = new long[] {
                runs.throughput(row, Placement.DIFFERENT_CPUS, KIB_64, 1).bytesPerSecond(),
                runs.throughput(row, Placement.DIFFERENT_CPUS, MIB_1, 1).bytesPerSecond(), trip.p50(),
                copied.p50()};
            table.row(row.label(), Units.megabytes(numbers[i][0]), Units.megabytes(numbers[i][1]),
                    Units.micros(trip.p50()), Units.micros(trip.p99()), Units.micros(copied.p50()),
                    Units.micros(copied.p99()));
        }
        long copy64 = copyRate(KIB_64, copyTime);
        long copy1m = copyRate(MIB_1, copyTime);
        table.row("`MemorySegment.copy`, one thread", Units.megabytes(copy64), Units.megabytes(copy1m));
        long[] shared = numbers[0];
        long[] copied = numbers[1];
        long[] nio = numbers[2];
        return level + " Shared buffers, two JVMs on different CPUs\n\n" + table + String.format("%n1 MiB one-way,"
                + " shared buffers: %s the copy path, %s NIO TCP, %.0f%% of `MemorySegment.copy`. 64 KiB median round"
                + " trip, shared buffers: %s the copy path's; %s when the server answers with a copy of each"
                + " request.%n", Units.ratio(shared[1], copied[1]), Units.ratio(shared[1], nio[1]),
                100.0 * shared[1] / copy1m, Units.ratio(shared[2], copied[2]), Units.ratio(shared[3], copied[3]));
    }

    /** Bytes per second of {@link MemorySegment#copy} between two native segments of {@code size}. */
    private static long copyRate(int size, Duration time) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = arena.allocate(size, 64).fill((byte) 1);
            MemorySegment to = arena.allocate(size, 64);
            long rounds = 0;
            long start = 0;
            long deadline = System.nanoTime() + time.toNanos();
            for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
                if (start == 0 && now > deadline - time.toNanos() / 2) {
                    // The first half warms up; the second is measured.
                    start = now;
                    rounds = 0;
                }
                for (int i = 0; i < 16; i++) {
                    MemorySegment.copy(from, 0, to, 0, size);
                }
                rounds += 16;
            }
            return (long) (rounds * (double) size / ((System.nanoTime() - start) / 1e9));
        }
    }
}
