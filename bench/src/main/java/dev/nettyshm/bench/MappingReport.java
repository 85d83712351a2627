package dev.nettyshm.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link MappingBenchmark} and prints its Markdown table: MB/s of each operation by size, and each as a share
 * of the copy baseline measured in the same run.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench}; {@code -Dbench.args=quick} for a short smoke run.
 */
public final class MappingReport {

    private static final String[] COLUMNS = {
        "copyBaseline", "mappedFileWriteAt", "mappedFileReadAt", "sharedMemoryWriteAt", "sharedMemoryReadAt"};

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        OptionsBuilder options = new OptionsBuilder();
        options.include(MappingBenchmark.class.getName());
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(300));
        }
        Options built = options.build();
        Collection<RunResult> results = new Runner(built).run();

        Map<Integer, Map<String, Double>> mbPerSecond = new TreeMap<>();
        for (RunResult result : results) {
            int size = Integer.parseInt(result.getParams().getParam("size"));
            String method = result.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            double opsPerSecond = result.getPrimaryResult().getScore();
            mbPerSecond.computeIfAbsent(size, s -> new TreeMap<>()).put(method, opsPerSecond * size / 1e6);
        }
        StringBuilder table = new StringBuilder("| size |");
        for (String column : COLUMNS) {
            table.append(' ').append(column).append(" MB/s |");
        }
        table.append("\n|---:|");
        table.append("---:|".repeat(COLUMNS.length)).append('\n');
        mbPerSecond.forEach((size, row) -> {
            double baseline = row.getOrDefault(COLUMNS[0], Double.NaN);
            table.append("| ").append(human(size)).append(" |");
            for (String column : COLUMNS) {
                double value = row.getOrDefault(column, Double.NaN);
                table.append(String.format(" %,.0f", value));
                if (!column.equals(COLUMNS[0])) {
                    table.append(String.format(" (%.0f%%)", 100 * value / baseline));
                }
                table.append(" |");
            }
            table.append('\n');
        });
        System.out.println();
        System.out.println(table);
    }

    private static String human(int size) {
        return size >= 1 << 20 ? (size >> 20) + " MiB" : (size >> 10) + " KiB";
    }
}
