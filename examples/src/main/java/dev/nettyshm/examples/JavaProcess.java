package dev.nettyshm.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The other processes of the examples: JVMs on this one's class path, with native access granted to the library. */
final class JavaProcess {

    private JavaProcess() {
    }

    /** A builder for {@code main} with {@code args} in a JVM of its own; the caller chooses the redirects. */
    static ProcessBuilder of(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /**
     * Waits up to {@code seconds} for {@code process} to end on its own, then kills it: an example never leaves a
     * process behind.
     *
     * @return whether it ended on its own with exit status 0
     */
    static boolean endedCleanly(Process process, long seconds) throws InterruptedException {
        if (process.waitFor(seconds, TimeUnit.SECONDS)) {
            return process.exitValue() == 0;
        }
        process.destroyForcibly().waitFor();
        return false;
    }
}
