package dev.nettyshm.channel;

import dev.nettyshm.internal.SharedWords;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * <p>At most {@link #PER_PEER} spares per peer and {@link #PER_PROCESS} in all, the oldest unmapped first; one not
 * taken within its idle time is unmapped, a server's later than a client's, so that a client rarely offers a segment
 * its server has let go of. Spares are unnamed: nothing of them is left in the directory, and their memory goes back
 * to the system when both sides have unmapped them, or their processes ended.
 *
 * <p>Thread-safe: connections end on any thread, with the last buffer over them.
 */
final class SpareSegments {

    /** Spares kept per peer: a proxy's burst of short connections to one backend reuses as many. */
    static final int PER_PEER = 16;
    /** Spares kept in all: a server with many clients keeps their last connections' memory, but not without bound. */
    static final int PER_PROCESS = 64;
    static final long CLIENT_IDLE_MILLIS = 2_000;
    static final long SERVER_IDLE_MILLIS = 4_000;
    private static final long SWEEP_MILLIS = 500;

    private record Spare(String peer, SharedMemory segment, int capacity, int poolSize, long expiresAt) {
    }

    /** Guarded by itself: spares by peer, the oldest first. */
    private static final Map<String, ArrayDeque<Spare>> SPARES = new HashMap<>();
    /** Guarded by {@link #SPARES}: every spare, the oldest first. */
    private static final Set<Spare> ALL = new LinkedHashSet<>();
    private static final ArrayDeque<Spare> EMPTY = new ArrayDeque<>();
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
     * Keeps {@code segment}, which this side has let go of, for {@code peer}, and sets this side's released flag. The
     * oldest spare of a peer that has {@link #PER_PEER}, and the oldest of all beyond {@link #PER_PROCESS}, go.
     */
    static void keep(String peer, SharedMemory segment, int capacity, int poolSize, boolean client) throws IOException {
        MemorySegment memory = segment.segment();
        long now = System.nanoTime() / 1_000_000;
        List<Spare> evicted = new ArrayList<>();
        synchronized (SPARES) {
            Spare kept = new Spare(peer, segment, capacity, poolSize,
                    now + (client ? CLIENT_IDLE_MILLIS : SERVER_IDLE_MILLIS));
            ArrayDeque<Spare> spares = SPARES.computeIfAbsent(peer, k -> new ArrayDeque<>());
            spares.addLast(kept);
            ALL.add(kept);
            // Release: the peer that sees the flag sees this side's last writes, and a server's spare is in the map
            // before a client can see it. Under the lock: nothing takes or evicts the spare before the flag is set.
            SharedWords.putIntRelease(memory, client ? ConnectionLayout.CLIENT_RELEASED_OFFSET
                    : ConnectionLayout.SERVER_RELEASED_OFFSET, 1);
            if (spares.size() > PER_PEER) {
                evicted.add(forget(spares.peekFirst()));
            }
            while (ALL.size() > PER_PROCESS) {
                evicted.add(forget(ALL.iterator().next()));
            }
            if (!sweeping) {
                sweeping = true;
                Unmapper.later(SpareSegments::sweep, SWEEP_MILLIS);
            }
        }
        for (Spare spare : evicted) {
            Unmapper.unmap(spare.segment());
        }
    }

    /**
     * A client's spare for {@code server} of these sizes that the server has released too, reset for a new
     * connection; {@code null} if there is none.
     */
    static SharedMemory takeForClient(String server, int capacity, int poolSize) {
        SharedMemory taken = null;
        synchronized (SPARES) {
            for (Spare spare : SPARES.getOrDefault(server, EMPTY)) {
                if (spare.capacity() == capacity && spare.poolSize() == poolSize && serverReleased(spare.segment())) {
                    taken = forget(spare).segment();
                    break;
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
            for (Spare spare : SPARES.getOrDefault(clientKey(pid), EMPTY)) {
                if (spare.segment().name().equals(name)) {
                    forget(spare);
                    return spare.capacity() == capacity && spare.poolSize() == poolSize ? spare.segment()
                            : unmapped(spare.segment());
                }
            }
        }
        return null;
    }

    /** Drops {@code spare} from both indexes; guarded by {@link #SPARES}. */
    private static Spare forget(Spare spare) {
        ArrayDeque<Spare> spares = SPARES.get(spare.peer());
        spares.remove(spare);
        if (spares.isEmpty()) {
            SPARES.remove(spare.peer());
        }
        ALL.remove(spare);
        return spare;
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
                    Spare expired = spares.pollFirst();
                    ALL.remove(expired);
                    Unmapper.unmap(expired.segment());
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
