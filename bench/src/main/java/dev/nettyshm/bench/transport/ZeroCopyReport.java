package dev.nettyshm.bench.transport;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared-buffer path of the shared-memory transport against its copy path and the kernel's transports, two
 * JVMs with their event loops pinned to different CPUs: one-way throughput of 64 KiB and 1 MiB messages, and the
 * round trip of 64 KiB, beside {@link MemorySegment#copy} of the same size in one thread — the price of the one
 * copy a sender pays anyway. Honest work on every path: the sender copies its payload into a buffer from the
 * channel's allocator; the receiver checks the first and last 8 bytes of each message and releases it; the
 * round trip's server copies each message into a buffer of its own allocator to answer. The copy path is the same
 * transport with {@code POOL_SIZE} 0.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-zero-copy} (about 4 minutes; {@code -Dbench.args=quick}).
 */
public final class ZeroCopyReport {

    private record Row(String label, Transport transport, List<String> clientOptions) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("shared memory, shared buffers", Transport.SHM, List.of()),
            new Row("shared memory, copy path", Transport.SHM, List.of("-Dbench.poolSize=0")),
            new Row("NIO TCP", Transport.NIO_TCP, List.of()),
            new Row("epoll domain socket", Transport.EPOLL_UDS, List.of()));

    private ZeroCopyReport() {
    }

    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 && args[0].equals("quick") ? 10 : 1;
        Map<String, long[]> results = new LinkedHashMap<>();
        for (Row row : ROWS) {
            long kib64 = throughput(row, 64 << 10, 100_000 / scale);
            long mib1 = throughput(row, 1 << 20, 10_000 / scale);
            long[] ping = TransportReport.parse(TransportReport.measure(row.clientOptions(), row.transport(), "0",
                    "1", "pingpong", String.valueOf(64 << 10), String.valueOf(5_000 / scale),
                    String.valueOf(20_000 / scale), "refill"));
            results.put(row.label(), new long[] {kib64, mib1, ping[0], ping[1]});
        }
        long copy64 = copyRate(64 << 10);
        long copy1m = copyRate(1 << 20);
        StringBuilder out = new StringBuilder("### Shared buffers, two JVMs on different CPUs\n\n| path | 64 KiB MB/s"
                + " | 1 MiB MB/s | 64 KiB round trip p50 µs | p99 µs |\n|---|---:|---:|---:|---:|\n");
        results.forEach((label, r) -> out.append(String.format("| %s | %,d | %,d | %s | %s |%n", label,
                r[0] / 1_000_000, r[1] / 1_000_000, TransportReport.micros(r[2]), TransportReport.micros(r[3]))));
        out.append(String.format("| `MemorySegment.copy`, one thread | %,d | %,d | | |%n", copy64 / 1_000_000,
                copy1m / 1_000_000));
        long[] shared = results.get("shared memory, shared buffers");
        long[] copied = results.get("shared memory, copy path");
        long[] nio = results.get("NIO TCP");
        out.append(String.format("%n1 MiB one-way, shared buffers: %.1f× the copy path, %.1f× NIO TCP, %.0f%% of"
                + " `MemorySegment.copy`. 64 KiB round trip: %.1f× faster than the copy path.%n",
                (double) shared[1] / copied[1], (double) shared[1] / nio[1], 100.0 * shared[1] / copy1m,
                (double) copied[2] / shared[2]));
        System.out.println(out);
    }

    private static long throughput(Row row, int size, int count) throws Exception {
        return TransportReport.parse(TransportReport.measure(row.clientOptions(), row.transport(), "0", "1",
                "throughput", String.valueOf(size), String.valueOf(count), "1", "alloc"))[0];
    }

    /** Bytes per second of {@link MemorySegment#copy} between two native segments of {@code size}. */
    private static long copyRate(int size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = arena.allocate(size, 64).fill((byte) 1);
            MemorySegment to = arena.allocate(size, 64);
            long rounds = 0;
            long start = 0;
            long deadline = System.nanoTime() + 2_000_000_000L;
            for (long now = System.nanoTime(); now < deadline; now = System.nanoTime()) {
                if (start == 0 && now > deadline - 1_000_000_000L) {
                    // The first second warms up; the second is measured.
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
