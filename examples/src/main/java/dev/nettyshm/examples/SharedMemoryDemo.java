package dev.nettyshm.examples;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Two processes, one shared-memory segment, meeting in both ways {@link SharedMemory} offers: by a name both know,
 * then by a generated id. Each time, this process creates the segment and starts a second JVM that opens it — by the
 * name, then by the id — and the two play ping-pong through it: a sequence number each, published with a release
 * store and awaited with acquire loads, carrying a short text message that each side checks; this process prints
 * the round-trip times. The segment's name is removed as soon as the second process has mapped it (until then a
 * shutdown hook removes it if this process is interrupted or terminated), and the second process ends when this one
 * does, so nothing is left in {@code /dev/shm} however either process ends — short of a SIGKILL of this process in
 * the half second the second one takes to start.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@shm-demo} ({@code -Dexample.args=round-trips=N} sets the
 * round trips each way, 200,000 by default, after a tenth as many to warm up)
 */
public final class SharedMemoryDemo {

    private static final long PING_SEQ = 0;      // written by this process
    private static final long PONG_SEQ = 128;    // written by the second process, on its own cache lines
    private static final long PING_TEXT = 256;
    private static final long PONG_TEXT = 512;
    private static final long CHILD_READY = 1024;
    private static final int TEXT_BYTES = 64;
    private static final long SIZE = 4096;
    private static final long PARENT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private SharedMemoryDemo() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("child")) {
            child(args[1], args[2]);
            return;
        }
        int roundTrips = new ExampleArgs(args, "round-trips").number("round-trips", 200_000);
        String name = "shm-demo-" + UUID.randomUUID();
        try (SharedMemory shm = SharedMemory.create(name, SIZE, MapOption.UNLINK_ON_CLOSE)) {
            System.out.printf("by name: created %s (%d bytes)%n", shm.path(), SIZE);
            pingPong(shm, roundTrips, "name", name);
        }
        try (SharedMemory shm = SharedMemory.create(SIZE, MapOption.UNLINK_ON_CLOSE)) {
            long id = shm.id().orElseThrow();
            System.out.printf("by id: created %s under the generated id %d (%d bytes)%n", shm.path(), id, SIZE);
            pingPong(shm, roundTrips, "id", Long.toString(id));
        }
        System.out.println("SharedMemoryDemo done: two processes met by name and by id, every message checked,"
                + " no segment left");
    }

    /** Plays {@code roundTrips} round trips with a second process that opens {@code shm} by {@code way}. */
    private static void pingPong(SharedMemory shm, int roundTrips, String way, String key) throws Exception {
        MemorySegment memory = shm.segment();
        Thread unlinkOnExit = new Thread(() -> {
            try {
                shm.unlink();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Process child;
        Runtime.getRuntime().addShutdownHook(unlinkOnExit);
        try {
            child = JavaProcess.of(SharedMemoryDemo.class, "child", way, key).inheritIO().start();
            awaitChild(memory, CHILD_READY, 1, child, "mapping the segment");
            // Both processes have it mapped: the name has done its job, and a crash can no longer leak it.
            shm.unlink();
        } finally {
            Runtime.getRuntime().removeShutdownHook(unlinkOnExit);
        }
        try {
            long[] nanos = new long[roundTrips];
            int warmup = roundTrips / 10;
            for (int i = 1; i <= warmup + roundTrips; i++) {
                long start = System.nanoTime();
                writeText(memory, PING_TEXT, "ping " + i);
                LONG.setRelease(memory, PING_SEQ, (long) i);
                awaitChild(memory, PONG_SEQ, i, child, "round trip " + i);
                long end = System.nanoTime();
                expect(readText(memory, PONG_TEXT), "pong " + i);
                if (i > warmup) {
                    nanos[i - warmup - 1] = end - start;
                }
            }
            LONG.setRelease(memory, PING_SEQ, -1L);
            if (!JavaProcess.endedCleanly(child, 10)) {
                throw new IllegalStateException("the second process did not end cleanly");
            }
            Arrays.sort(nanos);
            System.out.printf("   %,d round trips through the segment, every message checked: median %.2f µs,"
                    + " p99 %.2f µs, p99.9 %.2f µs%n", roundTrips, nanos[roundTrips / 2] / 1e3,
                    nanos[(int) (roundTrips * 0.99)] / 1e3, nanos[(int) (roundTrips * 0.999)] / 1e3);
            System.out.printf("   %s: %s%n", shm.path(), Files.exists(shm.path()) ? "still there" : "gone");
        } finally {
            child.destroyForcibly();
        }
    }

    /** Spins until the long at {@code offset} is {@code value}; fails if the second process dies first. */
    private static void awaitChild(MemorySegment memory, long offset, long value, Process child, String what) {
        while ((long) LONG.getAcquire(memory, offset) != value) {
            Thread.onSpinWait();
            if (!child.isAlive()) {
                throw new IllegalStateException("the second process died before " + what);
            }
        }
    }

    private static void child(String way, String key) throws Exception {
        ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
        try (SharedMemory shm = way.equals("id") ? SharedMemory.open(Long.parseLong(key)) : SharedMemory.open(key)) {
            System.out.printf("   second process %d opened %s by %s%n", ProcessHandle.current().pid(), shm.path(),
                    way);
            MemorySegment memory = shm.segment();
            LONG.setRelease(memory, CHILD_READY, 1L);
            long nextParentCheck = System.nanoTime() + PARENT_CHECK_NANOS;
            for (long expected = 1; ; expected++) {
                long seq;
                while ((seq = (long) LONG.getAcquire(memory, PING_SEQ)) != expected && seq != -1) {
                    Thread.onSpinWait();
                    // Spinning for a dead parent would burn a CPU forever; a look at it now and then costs nothing.
                    if (System.nanoTime() - nextParentCheck > 0) {
                        if (!parent.isAlive()) {
                            throw new IllegalStateException("the first process ended in the middle of the game");
                        }
                        nextParentCheck += PARENT_CHECK_NANOS;
                    }
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
