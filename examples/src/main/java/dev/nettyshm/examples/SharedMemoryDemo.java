package dev.nettyshm.examples;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Two processes, one shared-memory segment: this process creates the segment under a generated id and starts a
 * second JVM that opens it by that id. They play ping-pong through it — a sequence number each, published with a
 * release store and awaited with acquire loads — carrying a short text message that each side checks, and this
 * process prints the round-trip times. The segment's name is removed as soon as the second process has mapped it,
 * so nothing is left in {@code /dev/shm} however either process ends.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@shm-demo}
 */
public final class SharedMemoryDemo {

    private static final int ROUND_TRIPS = 200_000;
    private static final int WARMUP = 20_000;
    private static final long PING_SEQ = 0;      // written by the parent
    private static final long PONG_SEQ = 128;    // written by the child, on its own cache lines
    private static final long PING_TEXT = 256;
    private static final long PONG_TEXT = 512;
    private static final long CHILD_READY = 1024;
    private static final int TEXT_BYTES = 64;
    private static final long SIZE = 4096;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("child")) {
            child(Long.parseLong(args[1]));
        } else {
            parent();
        }
    }

    private static void parent() throws Exception {
        try (SharedMemory shm = SharedMemory.create(SIZE, MapOption.UNLINK_ON_CLOSE)) {
            MemorySegment memory = shm.segment();
            long id = shm.id().orElseThrow();
            System.out.printf("created %s (id %d, %d bytes); starting the second process%n", shm.path(), id, SIZE);
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    SharedMemoryDemo.class.getName(), "child", Long.toString(id)).inheritIO().start();
            try {
                while ((long) LONG.getAcquire(memory, CHILD_READY) != 1) {
                    Thread.onSpinWait();
                    if (!child.isAlive()) {
                        throw new IllegalStateException("the second process died before mapping the segment");
                    }
                }
                // Both processes have it mapped: the name has done its job, and a crash can no longer leak it.
                shm.unlink();
                long[] nanos = new long[ROUND_TRIPS];
                for (int i = 1; i <= WARMUP + ROUND_TRIPS; i++) {
                    long start = System.nanoTime();
                    writeText(memory, PING_TEXT, "ping " + i);
                    LONG.setRelease(memory, PING_SEQ, (long) i);
                    while ((long) LONG.getAcquire(memory, PONG_SEQ) != i) {
                        Thread.onSpinWait();
                        if (!child.isAlive()) {
                            throw new IllegalStateException("the second process died at round trip " + i);
                        }
                    }
                    long end = System.nanoTime();
                    expect(readText(memory, PONG_TEXT), "pong " + i);
                    if (i > WARMUP) {
                        nanos[i - WARMUP - 1] = end - start;
                    }
                }
                LONG.setRelease(memory, PING_SEQ, -1L);
                if (!child.waitFor(10, TimeUnit.SECONDS) || child.exitValue() != 0) {
                    throw new IllegalStateException("the second process did not end cleanly");
                }
                Arrays.sort(nanos);
                System.out.printf("%d round trips between two processes through shared memory, every message"
                        + " checked%n", ROUND_TRIPS);
                System.out.printf("round trip: median %.2f µs, p99 %.2f µs, p99.9 %.2f µs%n",
                        nanos[ROUND_TRIPS / 2] / 1e3, nanos[ROUND_TRIPS * 99 / 100] / 1e3,
                        nanos[ROUND_TRIPS * 999 / 1000] / 1e3);
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private static void child(long id) throws Exception {
        try (SharedMemory shm = SharedMemory.open(id)) {
            System.out.printf("second process %d opened %s by id%n", ProcessHandle.current().pid(), shm.path());
            MemorySegment memory = shm.segment();
            LONG.setRelease(memory, CHILD_READY, 1L);
            for (long expected = 1; ; expected++) {
                long seq;
                while ((seq = (long) LONG.getAcquire(memory, PING_SEQ)) != expected && seq != -1) {
                    Thread.onSpinWait();
                }
                if (seq == -1) {
                    return;
                }
                expect(readText(memory, PING_TEXT), "ping " + expected);
                writeText(memory, PONG_TEXT, "pong " + expected);
                LONG.setRelease(memory, PONG_SEQ, expected);
            }
        }
    }

    private static void writeText(MemorySegment memory, long offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        memory.set(ValueLayout.JAVA_BYTE, offset, (byte) bytes.length);
        MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, offset + 1, bytes.length);
    }

    private static String readText(MemorySegment memory, long offset) {
        int length = memory.get(ValueLayout.JAVA_BYTE, offset);
        if (length < 0 || length >= TEXT_BYTES) {
            throw new IllegalStateException("bad message length " + length + " at offset " + offset);
        }
        byte[] bytes = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset + 1, bytes, 0, length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static void expect(String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new IllegalStateException("expected '" + expected + "' but read '" + actual + "'");
        }
    }
}
