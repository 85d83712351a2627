package dev.nettyshm.bench.transport;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pins an event loop's thread — not its whole JVM, whose compiler and GC threads must not compete with a spinning
 * loop — to one CPU, with {@code taskset} on the thread's id.
 */
public final class Pinning {

    private Pinning() {
    }

    /** Pins the single thread of {@code group} to {@code cpu}; {@code "-"} leaves it alone. */
    public static void pin(EventLoopGroup group, String cpu) throws Exception {
        if (cpu.equals("-")) {
            return;
        }
        group.submit(() -> {
            pinCurrentThread(cpu);
            return null;
        }).sync();
    }

    /** Pins the calling thread to {@code cpu}. */
    public static void pinCurrentThread(String cpu) throws Exception {
        // "/proc/thread-self" links to "<pid>/task/<tid>".
        Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
        String tid = self.getFileName().toString();
        Process taskset = new ProcessBuilder("taskset", "-pc", cpu, tid).redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes());
        if (taskset.waitFor() != 0) {
            throw new IllegalStateException("taskset failed: " + output);
        }
    }
}
