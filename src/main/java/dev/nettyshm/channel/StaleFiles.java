package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The removal of what killed processes left in a shared-memory directory, once per JVM and directory: on the first
 * bind or connect there, before it. A SIGKILLed server leaves its {@code .sock} and {@code .lock}, a client killed
 * in its handshake its connection segment; with generated names nothing else would ever remove them. What
 * {@link ShmInventory} judges stale goes — a server whose lock nobody holds, a segment none of whose processes
 * exists — and nothing else: see {@code docs/decisions/007-stale-files.md}.
 *
 * <p>Failing to remove never fails the bind or connect: each file that cannot be examined or removed is logged at
 * {@code DEBUG} and left (it may be another user's, or gone meanwhile), a directory that cannot be listed at
 * {@code WARNING}.
 *
 * <p>Thread safety: any thread. A caller that comes while the directory is being swept waits for the sweep: had it
 * bound meanwhile, closing the sweep's own channel on its lock file would drop the lock it took.
 */
final class StaleFiles {

    private static final System.Logger LOG = System.getLogger(StaleFiles.class.getName());
    /** The directories swept; one is added when its sweep has ended. */
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private StaleFiles() {
    }

    /** Removes the stale files of the transport in {@code directory}, unless this JVM did before. */
    static void removeOnce(SharedMemoryDirectory directory) {
        Path path = directory.path().toAbsolutePath().normalize();
        if (SWEPT.contains(path)) {
            return;
        }
        synchronized (SWEPT) {
            if (!SWEPT.contains(path)) {
                remove(directory);
                SWEPT.add(path);
            }
        }
    }

    private static void remove(SharedMemoryDirectory directory) {
        try {
            List<ShmInventory.Entry> removed = ShmInventory.removeStale(directory, (file, error) ->
                    LOG.log(Level.DEBUG, "left {0} as it is: {1}", file, error.toString()));
            for (ShmInventory.Entry entry : removed) {
                LOG.log(Level.DEBUG, "removed {0}: its processes {1} are gone", entry.files(), entry.pids());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not look for what dead processes left in " + directory.path()
                    + "; the next process will", e);
        }
    }
}
