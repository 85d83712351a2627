package dev.nettyshm.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A second JVM on this test's class path, with native access granted as in the build. */
public final class ChildJvm {

    private final Process process;

    private ChildJvm(Process process) {
        this.process = process;
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

    /** All the child printed; call after it exited. */
    public String output() throws IOException {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
