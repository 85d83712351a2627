package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connection segments this process created as a client whose server has not mapped them yet. The server removes a
 * segment's name as soon as it maps it; until then the name is the client's to remove. A channel closed in the
 * handshake removes it itself, but a JVM ending meanwhile — SIGTERM, Ctrl-C on a process group, {@code System.exit}
 * — closes no channel: this hook removes the names then. Only SIGKILL leaves one, for the next process that binds
 * or connects in the directory to remove ({@link StaleFiles}).
 *
 * <p>Thread safety: any thread.
 */
final class PendingSegments {

    private static final Set<Connection> PENDING = ConcurrentHashMap.newKeySet();
    /** Held while a segment is created and recorded, and while the hook runs: no segment slips between the two. */
    private static final Object LOCK = new Object();
    /** The hook has run: a segment created now is removed at once. */
    private static boolean ending;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PendingSegments::unlinkAll, "nettyshm-pending-segments"));
    }

    private PendingSegments() {
    }

    /**
     * Creates a client's connection segment and records it. A JVM ending while another thread created one — a
     * SIGTERM as the segment appeared — left it behind, because the hook ran before the segment was recorded.
     */
    static Connection create(SharedMemoryDirectory directory, int capacity, int poolSize, String serverKey)
            throws IOException {
        synchronized (LOCK) {
            Connection connection = Connection.create(directory, capacity, poolSize, serverKey);
            if (ending) {
                connection.unlink();
            } else {
                PENDING.add(connection);
            }
            return connection;
        }
    }

    /** The server has mapped it (and removed its name): no longer this hook's business. */
    static void remove(Connection connection) {
        PENDING.remove(connection);
    }

    /**
     * The channel closed before its server mapped the segment: its name goes now. Unmapping waits for the end of
     * the loop's run and for every buffer over the segment; a JVM ending in between would find the segment no longer
     * pending and leave it.
     */
    static void abandon(Connection connection) throws IOException {
        synchronized (LOCK) {
            if (PENDING.remove(connection)) {
                connection.unlink();
            }
        }
    }

    private static void unlinkAll() {
        synchronized (LOCK) {
            ending = true;
            for (Connection connection : PENDING) {
                try {
                    connection.unlink();
                } catch (IOException | RuntimeException ignored) {
                    // The JVM is ending; the next process removes what could not be removed.
                }
            }
        }
    }
}
