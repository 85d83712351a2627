package dev.nettyshm.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A second JVM on this test's class path, with native access granted as in the build. */
public final class ChildJvm {

    private final Process process;
    private final java.io.BufferedReader lines;

    private ChildJvm(Process process) {
        this.process = process;
        this.lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts {@code mainClass} with {@code args}; {@code jvmArgs} go before the class name. */
    public static ChildJvm start(List<String> jvmArgs, Class<?> mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(jvmArgs);
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true).start());
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

    /** All the child printed (that {@link #awaitLine} did not take); call after it exited. */
    public String output() throws IOException {
        StringBuilder all = new StringBuilder();
        String line;
        while ((line = lines.readLine()) != null) {
            all.append(line).append('\n');
        }
        return all.toString();
    }

    /** Reads the child's output until a line equal to {@code expected}; fails if the child ends first. */
    public void awaitLine(String expected) throws IOException {
        awaitLine(expected::equals, "'" + expected + "'");
    }

    /**
     * Reads the child's output until a line that starts with {@code prefix}, and returns the rest of that line: for
     * a value the child announces, such as a port it bound. Fails if the child ends first.
     */
    public String awaitLineStartingWith(String prefix) throws IOException {
        return awaitLine(line -> line.startsWith(prefix), "a line starting with '" + prefix + "'")
                .substring(prefix.length());
    }

    private String awaitLine(Predicate<String> wanted, String description) throws IOException {
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = lines.readLine()) != null) {
            if (wanted.test(line)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("child ended before printing " + description + ":\n" + seen);
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
