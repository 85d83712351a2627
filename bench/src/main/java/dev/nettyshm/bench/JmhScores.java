package dev.nettyshm.bench;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;

/**
 * Runs JMH benchmarks for a report and hands back their scores as numbers. Every benchmark a report runs this way
 * measures throughput and has a {@code size} parameter.
 */
public final class JmhScores {

    private JmhScores() {
    }

    /**
     * Runs the benchmarks {@code options} select.
     *
     * @return operations per second of all threads together, by benchmark method name, then by {@code size}
     */
    public static Map<String, SortedMap<Integer, Double>> run(Options options) throws RunnerException {
        Map<String, SortedMap<Integer, Double>> scores = new TreeMap<>();
        for (RunResult result : new Runner(options).run()) {
            String benchmark = result.getParams().getBenchmark();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            int size = Integer.parseInt(result.getParams().getParam("size"));
            scores.computeIfAbsent(method, m -> new TreeMap<>()).put(size, result.getPrimaryResult().getScore());
        }
        return scores;
    }
}
