package dev.nettyshm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The tables of the Go package godcong/mmap's README, measured here in Java on the same terms: shared memory,
 * loopback TCP, a pipe and a plain memory copy by size from 1 KiB to 1 MiB, and shared memory at 4 KiB from 1 to
 * 16 threads — operations per second, MB/s (the operation's {@code size} bytes, counted once) and nanoseconds per
 * operation. JMH with one fork and short iterations, so that the whole set fits in a couple of minutes.
 */
public final class GoComparison {

    /** Thread counts of the concurrent table. */
    public static final int[] THREADS = {1, 2, 4, 8, 16};

    private static final int CONCURRENT_SIZE = 4096;

    /**
     * Operations per second: {@code bySize} by benchmark method, then size; {@code byThreads} of the concurrent
     * benchmark, by thread count.
     */
    public record Results(Map<String, SortedMap<Integer, Double>> bySize, SortedMap<Integer, Double> byThreads) {
    }

    private GoComparison() {
    }

    /**
     * Runs every benchmark of the tables; {@code smoke} shortens the iterations and keeps two sizes, 1 KiB and
     * 1 MiB, to check the run works.
     */
    public static Results measure(boolean smoke) throws RunnerException {
        ChainedOptionsBuilder bySizeOptions = options(smoke)
                .include(MappingBenchmark.class.getName()
                        + "\\.(copyBaseline|sharedMemoryWriteOpenRead|sharedMemoryWriteRead)$")
                .include(LoopbackBenchmark.class.getName());
        if (smoke) {
            bySizeOptions.param("size", "1024", "1048576");
        }
        Map<String, SortedMap<Integer, Double>> bySize = JmhScores.run(bySizeOptions.build());
        SortedMap<Integer, Double> byThreads = new TreeMap<>();
        for (int threads : THREADS) {
            byThreads.put(threads, JmhScores.run(options(smoke)
                    .include(ConcurrentSharedMemoryBenchmark.class.getName())
                    .param("size", String.valueOf(CONCURRENT_SIZE))
                    .threads(threads)
                    .build()).get("sharedMemoryWriteOpenRead").get(CONCURRENT_SIZE));
        }
        return new Results(bySize, byThreads);
    }

    private static ChainedOptionsBuilder options(boolean smoke) {
        return new OptionsBuilder().forks(1).shouldFailOnError(true).verbosity(VerboseMode.SILENT)
                .warmupIterations(smoke ? 1 : 2).warmupTime(TimeValue.milliseconds(smoke ? 100 : 200))
                .measurementIterations(smoke ? 1 : 3).measurementTime(TimeValue.milliseconds(smoke ? 100 : 200));
    }

    /** The tables, each under a heading of {@code level}, with a sentence on how each was measured. */
    public static String markdown(Results results, String level) {
        StringBuilder out = new StringBuilder();
        Map<String, SortedMap<Integer, Double>> bySize = results.bySize();
        out.append(level).append(" Shared memory\n\n");
        out.append("Through `SharedMemory`, from a byte array into the segment and back into another array. As the"
                + " Go benchmark does, each operation also maps the segment again by its id for the read and unmaps"
                + " it after (`SharedMemory.open(id)`, `readAt`, `close`): the first three columns. The last three"
                + " read from the mapping already open, as a process that keeps its segment mapped does.\n\n");
        MarkdownTable shared = new MarkdownTable("size", "ops/s", "MB/s", "ns/op", "ops/s, mapped",
                "MB/s, mapped", "ns/op, mapped");
        bySize.get("sharedMemoryWriteOpenRead").forEach((size, opsPerSecond) -> {
            List<String> row = new ArrayList<>(List.of(Units.size(size)));
            row.addAll(cells(size, opsPerSecond));
            row.addAll(cells(size, bySize.get("sharedMemoryWriteRead").get(size)));
            shared.row(row);
        });
        out.append(shared).append('\n');
        bySizeTable(out, level + " TCP local", "A round trip over a loopback `SocketChannel` (`TCP_NODELAY`, as Go's"
                + " sockets have by default) between the benchmark thread and an echo thread of the same process:"
                + " `size` bytes there and back, counted once, as Go counts them.", bySize.get("tcpRoundTrip"));
        bySizeTable(out, level + " Pipe", "`size` bytes one way through a `java.nio.channels.Pipe` (an OS pipe on"
                + " Linux) from the benchmark thread to a reader thread of the same process; the operation ends when"
                + " the reader has read them all and said so with one byte through a second pipe.",
                bySize.get("pipeOneWay"));
        bySizeTable(out, level + " Memory copy (baseline)", "`MemorySegment.copy` between two page-aligned native"
                + " segments in one thread.", bySize.get("copyBaseline"));
        out.append(level).append(" Concurrent shared memory (4 KiB)\n\n");
        out.append("The first operation of the shared-memory table — write, map again by id, read, unmap — by every"
                + " thread at once on one segment; ops/s is all threads' together.\n\n");
        MarkdownTable concurrent = new MarkdownTable("threads", "ops/s", "MB/s", "ns/op");
        results.byThreads().forEach((threads, opsPerSecond) -> {
            List<String> row = new ArrayList<>(List.of(String.valueOf(threads)));
            row.addAll(cells(CONCURRENT_SIZE, opsPerSecond));
            concurrent.row(row);
        });
        out.append(concurrent);
        return out.toString();
    }

    private static void bySizeTable(StringBuilder out, String heading, String how,
            SortedMap<Integer, Double> opsPerSecond) {
        out.append(heading).append("\n\n").append(how).append("\n\n");
        MarkdownTable table = new MarkdownTable("size", "ops/s", "MB/s", "ns/op");
        opsPerSecond.forEach((size, ops) -> {
            List<String> row = new ArrayList<>(List.of(Units.size(size)));
            row.addAll(cells(size, ops));
            table.row(row);
        });
        out.append(table).append('\n');
    }

    private static List<String> cells(int size, double opsPerSecond) {
        double nanos = 1e9 / opsPerSecond;
        return List.of(Units.whole(opsPerSecond), Units.megabytes(opsPerSecond * size),
                nanos < 100 ? String.format(Locale.ROOT, "%.1f", nanos) : Units.whole(nanos));
    }
}
