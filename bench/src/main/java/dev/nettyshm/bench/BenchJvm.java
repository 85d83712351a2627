package dev.nettyshm.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of the benchmarks: how one starts, tells it is ready, hands over its result and ends. A child
 * prints {@code ready [ADDRESS]} once it serves, {@code result …} once it has measured, and ends when its input
 * closes.
 */
public final class BenchJvm {

    private BenchJvm() {
    }

    /** Starts {@code main} in a JVM of its own, with this one's class path and {@code options}. */
    public static Process start(List<String> options, Class<?> main, List<String> args) throws IOException {
        return start(options, main.getName(), args);
    }

    /**
     * Starts the class named {@code mainClass} in a JVM of its own, with this one's class path, its
     * {@code dev.nettyshm.*} system properties and {@code options}.
     */
    public static Process start(List<String> options, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                // Above 512 MiB of heap: below it Netty's allocator turns to its low-memory mode and stops pooling
                // large buffers, which then costs every transport more than its own work.
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                // Agrona 2 reaches for the JDK's internal Unsafe.
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path")));
        // The library's switches (-Ddev.nettyshm.futex=false, say) hold for the children too.
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("dev.nettyshm."))
                .sorted().forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.addAll(options);
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for a child's {@code ready} line; returns what follows the word. */
    public static String awaitReady(Process process) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("ready")) {
                return line.length() > 6 ? line.substring(6) : "";
            }
        }
        throw new IllegalStateException("the child ended before it was ready");
    }

    /** Reads a child's output to its end and returns what its last {@code result} line says. */
    public static String resultOf(Process child) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8));
        String result = null;
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("result ")) {
                result = line.substring(7);
            }
        }
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor();
            throw new IllegalStateException("the child closed its output but did not end");
        }
        if (child.exitValue() != 0 || result == null) {
            throw new IllegalStateException("the child failed (exit " + child.exitValue() + ")");
        }
        return result;
    }

    /** The numbers of a {@code result} line, separated by spaces. */
    public static long[] numbers(String result) {
        String[] parts = result.trim().split(" ");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        return values;
    }

    /**
     * Closes a child's input, its signal to end; kills it if it has not ended ten seconds later, or at once if
     * this thread is interrupted (whose interrupt status then stays set).
     */
    public static void stop(Process child) {
        try {
            child.getOutputStream().close();
        } catch (IOException alreadyGone) {
            // Nothing left to tell: it ended.
        }
        try {
            // A spinning raw-ring server only stops on its STOP message: do not wait for it long.
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
