package dev.nettyshm.channel;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connection segments this process created as a client whose server has not mapped them yet. The server removes a
 * segment's name as soon as it maps it; until then the name is the client's to remove. A channel closed in the
 * handshake removes it itself, but a JVM ending meanwhile — SIGTERM, Ctrl-C on a process group, {@code System.exit}
 * — closes no channel: this hook removes the names then. Only SIGKILL leaves one, for {@link ShmInventory}.
 *
 * <p>Thread safety: any thread.
 */
final class PendingSegments {

    private static final Set<Connection> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PendingSegments::unlinkAll, "nettyshm-pending-segments"));
    }

    private PendingSegments() {
    }

    static void add(Connection connection) {
        PENDING.add(connection);
    }

    /** The server has mapped it, or the channel closed: no longer this hook's business. */
    static void remove(Connection connection) {
        PENDING.remove(connection);
    }

    private static void unlinkAll() {
        for (Connection connection : PENDING) {
            try {
                connection.unlink();
            } catch (IOException | RuntimeException ignored) {
                // The JVM is ending; the inventory finds what could not be removed.
            }
        }
    }
}
