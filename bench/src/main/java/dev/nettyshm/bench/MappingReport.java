package dev.nettyshm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link MappingBenchmark}'s {@code writeAt}/{@code readAt} benchmarks and prints their Markdown table: MB/s
 * of each operation by size, and each as a share of the copy baseline measured in the same run.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench}; {@code -Dbench.args=quick} for a short smoke run.
 */
public final class MappingReport {

    private static final List<String> COLUMNS = List.of(
            "copyBaseline", "mappedFileWriteAt", "mappedFileReadAt", "sharedMemoryWriteAt", "sharedMemoryReadAt");

    private MappingReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        OptionsBuilder options = new OptionsBuilder();
        options.include(MappingBenchmark.class.getName() + "\\.(" + String.join("|", COLUMNS) + ")$");
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(300));
        }
        Map<String, SortedMap<Integer, Double>> opsPerSecond = JmhScores.run(options.build());

        List<String> header = new ArrayList<>(List.of("size"));
        COLUMNS.forEach(column -> header.add(column + " MB/s"));
        MarkdownTable table = new MarkdownTable(header);
        for (int size : opsPerSecond.get(COLUMNS.getFirst()).keySet()) {
            double baseline = opsPerSecond.get(COLUMNS.getFirst()).get(size);
            List<String> row = new ArrayList<>(List.of(Units.size(size)));
            for (String column : COLUMNS) {
                double value = opsPerSecond.get(column).get(size);
                String share = column.equals(COLUMNS.getFirst()) ? ""
                        : String.format(" (%.0f%%)", 100 * value / baseline);
                row.add(Units.megabytes(value * size) + share);
            }
            table.row(row);
        }
        System.out.println();
        System.out.println(table);
    }
}
