package dev.nettyshm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A tmpfs of a given size mounted on a fresh temporary directory, for tests of a full file system: a container's
 * {@code /dev/shm} is 64 MiB by default. Mounting takes root; where the machine refuses, the test is aborted (shown
 * as skipped) with the reason the mount gave.
 */
public final class SmallTmpfs implements AutoCloseable {

    private final Path mount;

    private SmallTmpfs(Path mount) {
        this.mount = mount;
    }

    /** Mounts a tmpfs of {@code bytes}, or aborts the test saying why it cannot. */
    public static SmallTmpfs mountOrAbort(long bytes) throws IOException, InterruptedException {
        Path mount = Files.createTempDirectory("small-tmpfs");
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs",
                mount.toString()).redirectErrorStream(true).start();
        boolean mounted = process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        if (!mounted) {
            String why = new String(process.getInputStream().readAllBytes()).strip();
            Files.delete(mount);
            Assumptions.abort("this machine does not let the test mount a small tmpfs: " + why);
        }
        return new SmallTmpfs(mount);
    }

    public Path path() {
        return mount;
    }

    /** The names of the files in it now. */
    public java.util.List<String> files() throws IOException {
        try (var files = Files.list(mount)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Deletes what is left in it. */
    public void empty() throws IOException {
        try (var files = Files.list(mount)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        Files.delete(mount);
    }
}
