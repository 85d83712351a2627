package dev.nettyshm.channel;

import dev.nettyshm.internal.SharedWords;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Connection segments kept mapped after their connection ended, for the next connection between the same two
 * processes: creating, backing and mapping a segment, and unmapping it at the end, cost a connection made to carry
 * one echo more than all the rest of it together. See {@code docs/decisions/017-spare-segments.md}.
 *
 * <p>A side keeps a segment when it has let go of it and its connection ended cleanly, then sets its released flag
 * ({@link ConnectionLayout}). A client keeps its spares by server address, a server by client pid. The client takes
 * one its server has released too, resets it and names it in its hello; the server takes its own mapping of it back by
 * name, or answers that it has none ({@link Handshake#UNKNOWN}) and the client sends a fresh segment.
 *
 * <p>At most {@link #PER_PEER} spares per peer; one not taken within its idle time is unmapped, a server's later than
 * a client's, so that a client rarely offers a segment its server has let go of. Spares are unnamed: nothing of them
 * is left in the directory, and their memory goes back to the system when both sides have unmapped them, or their
 * processes ended.
 *
 * <p>Thread-safe: connections end on any thread, with the last buffer over them.
 */
final class SpareSegments {

    /** Spares kept per peer: a proxy's burst of short connections to one backend reuses as many. */
    static final int PER_PEER = 16;
    static final long CLIENT_IDLE_MILLIS = 2_000;
    static final long SERVER_IDLE_MILLIS = 4_000;
    private static final long SWEEP_MILLIS = 500;

    private record Spare(SharedMemory segment, int capacity, int poolSize, long expiresAt) {
    }

    /** Guarded by itself: spares by peer, the oldest first. */
    private static final Map<String, ArrayDeque<Spare>> SPARES = new HashMap<>();
    /** Guarded by {@link #SPARES}: an expiry sweep is scheduled. */
    private static boolean sweeping;

    private SpareSegments() {
    }

    /** The key of a client's spares for the server named {@code server} in {@code directory}. */
    static String serverKey(SharedMemoryDirectory directory, ShmAddress server) {
        return "server " + directory.path() + " " + server.name();
    }

    /** The key of a server's spares for the client of process {@code pid}. */
    static String clientKey(long pid) {
        return "client " + pid;
    }

    /**
     * Keeps {@code segment}, which this side has let go of, for {@code peer}; then sets this side's released flag. The
     * oldest spare of a peer that has {@link #PER_PEER} goes.
     */
    static void keep(String peer, SharedMemory segment, int capacity, int poolSize, boolean client) throws IOException {
        MemorySegment memory = segment.segment();
        long now = System.nanoTime() / 1_000_000;
        Spare evicted = null;
        synchronized (SPARES) {
            ArrayDeque<Spare> spares = SPARES.computeIfAbsent(peer, k -> new ArrayDeque<>());
            spares.addLast(new Spare(segment, capacity, poolSize,
                    now + (client ? CLIENT_IDLE_MILLIS : SERVER_IDLE_MILLIS)));
            if (spares.size() > PER_PEER) {
                evicted = spares.pollFirst();
            }
            if (!sweeping) {
                sweeping = true;
                Unmapper.later(SpareSegments::sweep, SWEEP_MILLIS);
            }
        }
        if (evicted != null) {
            Unmapper.unmap(evicted.segment());
        }
        // Release: the peer that sees the flag sees this side's last writes, and a server finds the spare kept.
        SharedWords.putIntRelease(memory, client ? ConnectionLayout.CLIENT_RELEASED_OFFSET
                : ConnectionLayout.SERVER_RELEASED_OFFSET, 1);
    }

    /**
     * A client's spare for {@code server} of these sizes that the server has released too, reset for a new
     * connection; {@code null} if there is none.
     */
    static SharedMemory takeForClient(String server, int capacity, int poolSize) {
        SharedMemory taken = null;
        synchronized (SPARES) {
            ArrayDeque<Spare> spares = SPARES.get(server);
            if (spares != null) {
                for (Iterator<Spare> it = spares.iterator(); it.hasNext(); ) {
                    Spare spare = it.next();
                    if (spare.capacity() == capacity && spare.poolSize() == poolSize
                            && serverReleased(spare.segment())) {
                        it.remove();
                        taken = spare.segment();
                        break;
                    }
                }
            }
        }
        if (taken == null) {
            return null;
        }
        try {
            ConnectionLayout.reset(taken.segment(), capacity, poolSize, ProcessHandle.current().pid());
            return taken;
        } catch (IOException | RuntimeException closed) {
            // Unmapped meanwhile: cannot be, it was ours alone; make a fresh one anyway.
            Unmapper.unmap(taken);
            return null;
        }
    }

    /** A server's own mapping of the spare {@code name} of the client {@code pid}; {@code null} if it has none. */
    static SharedMemory takeForServer(long pid, String name, int capacity, int poolSize) {
        synchronized (SPARES) {
            ArrayDeque<Spare> spares = SPARES.get(clientKey(pid));
            if (spares != null) {
                for (Iterator<Spare> it = spares.iterator(); it.hasNext(); ) {
                    Spare spare = it.next();
                    if (spare.segment().name().equals(name)) {
                        it.remove();
                        return spare.capacity() == capacity && spare.poolSize() == poolSize ? spare.segment()
                                : unmapped(spare.segment());
                    }
                }
            }
        }
        return null;
    }

    private static SharedMemory unmapped(SharedMemory segment) {
        Unmapper.unmap(segment);
        return null;
    }

    private static boolean serverReleased(SharedMemory segment) {
        try {
            // Acquire: pairs with the server's release in keep().
            return SharedWords.getIntAcquire(segment.segment(), ConnectionLayout.SERVER_RELEASED_OFFSET) != 0;
        } catch (IOException closed) {
            return false;
        }
    }

    /** How many sides of this process keep the segment {@code name} now: 0, 1, or 2 if it is its own peer. */
    static long keeping(String name) {
        synchronized (SPARES) {
            return SPARES.values().stream().flatMap(ArrayDeque::stream)
                    .filter(spare -> spare.segment().name().equals(name)).count();
        }
    }

    /** Unmaps the spares whose idle time is over; runs on the unmapping thread while any are kept. */
    private static void sweep() {
        long now = System.nanoTime() / 1_000_000;
        synchronized (SPARES) {
            for (Iterator<ArrayDeque<Spare>> peers = SPARES.values().iterator(); peers.hasNext(); ) {
                ArrayDeque<Spare> spares = peers.next();
                while (!spares.isEmpty() && spares.peekFirst().expiresAt() - now <= 0) {
                    Unmapper.unmap(spares.pollFirst().segment());
                }
                if (spares.isEmpty()) {
                    peers.remove();
                }
            }
            sweeping = !SPARES.isEmpty();
            if (sweeping) {
                Unmapper.later(SpareSegments::sweep, SWEEP_MILLIS);
            }
        }
    }
}
