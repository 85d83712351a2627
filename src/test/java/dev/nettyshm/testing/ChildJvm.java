package dev.nettyshm.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A second JVM on this test's class path, with native access granted as in the build. A thread of its own reads
 * what the child prints, so that waiting for a line can end: a child that neither prints it nor ends in time is
 * killed, and the wait fails with what it printed — a stuck child fails its test instead of hanging the build.
 */
public final class ChildJvm {

    /** How long {@link #awaitLine(String)} and {@link #output()} wait. */
    public static final Duration LINE_TIMEOUT = Duration.ofSeconds(60);
    /** Queued after the last line, when the child's output ends; compared by identity. */
    private static final String END = new String("end of output");

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readLines, "child-jvm-" + process.pid() + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLines() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("(reading the child's output failed: " + e + ")");
        } finally {
            lines.add(END);
        }
    }

    /** Starts {@code mainClass} with {@code args}; {@code jvmArgs} go before the class name. */
    public static ChildJvm start(List<String> jvmArgs, Class<?> mainClass, String... args) throws IOException {
        return new ChildJvm(new ProcessBuilder(command(jvmArgs, mainClass, args)).redirectErrorStream(true).start());
    }

    /** The command line of {@link #start}, for a caller that runs it under another command. */
    public static List<String> command(List<String> jvmArgs, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(jvmArgs);
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        return start(List.of(), mainClass, args);
    }

    /** Runs {@code mainClass} to its end and fails unless it exits with 0; returns what it printed. */
    public static String run(List<String> jvmArgs, Class<?> mainClass, String... args) throws Exception {
        ChildJvm child = start(jvmArgs, mainClass, args);
        int exit = child.waitFor(60);
        String output = child.output();
        if (exit != 0) {
            throw new AssertionError(mainClass.getSimpleName() + " exited with " + exit + ":\n" + output);
        }
        return output;
    }

    public static String run(Class<?> mainClass, String... args) throws Exception {
        return run(List.of(), mainClass, args);
    }

    public Process process() {
        return process;
    }

    /** Waits for the exit; kills the child and fails after {@code seconds}. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child JVM still running after " + seconds + " s");
        }
        return process.exitValue();
    }

    /**
     * All the child printed (that {@link #awaitLine} did not take); call after it exited.
     *
     * @throws AssertionError if its output has not ended within {@link #LINE_TIMEOUT}
     */
    public String output() throws IOException {
        StringBuilder all = new StringBuilder();
        if (take(line -> false, LINE_TIMEOUT, all) != END) {
            throw new AssertionError("the child's output did not end; it printed:\n" + all);
        }
        return all.toString();
    }

    /**
     * Reads the child's output until a line equal to {@code expected}, for at most {@link #LINE_TIMEOUT}.
     *
     * @throws AssertionError if the child ends first, or has not printed it in time (then it is killed)
     */
    public void awaitLine(String expected) throws IOException {
        awaitLine(expected, LINE_TIMEOUT);
    }

    /** As {@link #awaitLine(String)}, for at most {@code timeout}. */
    public void awaitLine(String expected, Duration timeout) throws IOException {
        awaitLine(expected::equals, "'" + expected + "'", timeout);
    }

    /**
     * Reads the child's output until a line that starts with {@code prefix}, and returns the rest of that line: for
     * a value the child announces, such as a port it bound. Fails as {@link #awaitLine(String)} does.
     */
    public String awaitLineStartingWith(String prefix) throws IOException {
        return awaitLine(line -> line.startsWith(prefix), "a line starting with '" + prefix + "'", LINE_TIMEOUT)
                .substring(prefix.length());
    }

    private String awaitLine(Predicate<String> wanted, String description, Duration timeout) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line = take(wanted, timeout, seen);
        if (line == END) {
            throw new AssertionError("child ended before printing " + description + ":\n" + seen);
        }
        if (line == null) {
            process.destroyForcibly();
            throw new AssertionError("child did not print " + description + " within " + timeout.toMillis()
                    + " ms; killed it. It printed:\n" + seen);
        }
        return line;
    }

    /**
     * Takes lines until one is {@code wanted} and returns it, appending the others to {@code seen}; returns
     * {@link #END} if the output ends first, {@code null} if the time is up first.
     */
    private String take(Predicate<String> wanted, Duration timeout, StringBuilder seen) throws InterruptedIOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (;;) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == END) {
                    // For the next caller: the output stays ended.
                    lines.add(END);
                    return END;
                }
                if (line == null || wanted.test(line)) {
                    return line;
                }
                seen.append(line).append('\n');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the child's output");
        }
    }

    /** Writes {@code line} to the child's standard input. */
    public void sendLine(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Closes the child's standard input: the peers of the tests take that as their signal to end cleanly. */
    public void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /** Kills the child with SIGKILL and waits for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
