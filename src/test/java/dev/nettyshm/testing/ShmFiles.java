package dev.nettyshm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a test sees of shared memory from outside the library: the files in {@code /dev/shm}, and the connection
 * segments this JVM has mapped, named or not, from {@code /proc/self/maps}.
 */
public final class ShmFiles {

    private static final Path SHM = Path.of("/dev/shm");

    private ShmFiles() {
    }

    /** The names in {@code /dev/shm} that contain {@code part}, sorted. */
    public static List<String> containing(String part) throws IOException {
        try (Stream<Path> files = Files.list(SHM)) {
            return files.map(p -> p.getFileName().toString()).filter(f -> f.contains(part)).sorted().toList();
        }
    }

    /** The lines of {@code /proc/self/maps} that map a connection segment, unlinked ones included. */
    public static List<String> mappedSegments() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("nettyshm-id-"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this JVM has the segment {@code name} mapped. */
    public static boolean mapped(String name) {
        return mappedSegments().stream().anyMatch(line -> line.contains("/" + name));
    }

    /**
     * Waits up to {@code limit} for the segment {@code name} to be unmapped — the library unmaps on a thread of its
     * own, soon after a close.
     *
     * @return whether it was
     */
    public static boolean awaitUnmapped(String name, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (mapped(name)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
