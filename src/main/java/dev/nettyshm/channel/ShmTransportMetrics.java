package dev.nettyshm.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The transport's counters for a whole JVM, by group of connections: every {@link ShmChannel}'s
 * {@link ShmChannelMetrics}, open or closed, summed per {@link Group}. What a metrics registry reads — see
 * {@code dev.nettyshm.micrometer.ShmMeterBinder} — and what a log line or a health check may read.
 *
 * <p>Thread safety: thread-safe. A connection is counted from the moment it is connected; when it closes, its last
 * counts stay in its group's totals, so that every total only grows.
 */
public final class ShmTransportMetrics {

    /**
     * A group of connections: a server's accepted ones ({@code side} {@code "server"}) or a process's connections
     * to one server ({@code "client"}); {@code server} is the server's name, or its {@code host:port}.
     *
     * @param side   {@code "server"} or {@code "client"}
     * @param server the server's name or TCP address
     */
    public record Group(String side, String server) {
    }

    private static final Object LOCK = new Object();
    /** The groups in the order they appeared, each with its connections open now and its closed ones' totals. */
    private static final Map<Group, Set<ShmChannel>> OPEN = new LinkedHashMap<>();
    private static final Map<Group, ShmChannelMetrics> CLOSED = new HashMap<>();
    private static final List<Consumer<Group>> LISTENERS = new CopyOnWriteArrayList<>();
    private static long tcpFallbacks;
    private static long reusedSegments;

    private ShmTransportMetrics() {
    }

    /** The groups that have had a connection in this JVM. */
    public static List<Group> groups() {
        synchronized (LOCK) {
            return List.copyOf(OPEN.keySet());
        }
    }

    /**
     * Calls {@code listener} with each group that appears from now on, on the thread that connected its first
     * channel.
     */
    public static void onNewGroup(Consumer<Group> listener) {
        LISTENERS.add(listener);
    }

    /** The counts of {@code group}'s connections, open and closed, summed; ring fills are the open ones'. */
    public static ShmChannelMetrics totals(Group group) {
        synchronized (LOCK) {
            ShmChannelMetrics sum = CLOSED.getOrDefault(group, ShmChannelMetrics.NONE);
            for (ShmChannel open : OPEN.getOrDefault(group, Set.of())) {
                sum = sum.plus(open.metrics());
            }
            return sum;
        }
    }

    /** How many of {@code group}'s connections are open now and run on {@code route}. */
    public static int openConnections(Group group, ShmRoute route) {
        synchronized (LOCK) {
            int count = 0;
            for (ShmChannel open : OPEN.getOrDefault(group, Set.of())) {
                if (open.route() == route) {
                    count++;
                }
            }
            return count;
        }
    }

    /**
     * Connects, of any group, that found a local server for a TCP address, failed to reach it over shared memory,
     * and fell back to TCP ({@link ShmRoute#AUTO}).
     */
    public static long tcpFallbacks() {
        synchronized (LOCK) {
            return tcpFallbacks;
        }
    }

    /**
     * Connections of any group, client or server side, made over the segment of an earlier connection between the
     * same two processes rather than a fresh one: the segment was kept mapped when that connection ended, and neither
     * side created, mapped or unmapped one for this connection.
     */
    public static long reusedSegments() {
        synchronized (LOCK) {
            return reusedSegments;
        }
    }

    /** {@code channel} is connected. */
    static void opened(ShmChannel channel) {
        Group group = groupOf(channel);
        boolean fresh;
        synchronized (LOCK) {
            Set<ShmChannel> open = OPEN.get(group);
            fresh = open == null;
            if (fresh) {
                open = new HashSet<>();
                OPEN.put(group, open);
            }
            open.add(channel);
        }
        if (fresh) {
            for (Consumer<Group> listener : LISTENERS) {
                listener.accept(group);
            }
        }
    }

    /** {@code channel} closed: its last counts join its group's totals. */
    static void closed(ShmChannel channel) {
        Group group = groupOf(channel);
        ShmChannelMetrics last = channel.metrics();
        synchronized (LOCK) {
            Set<ShmChannel> open = OPEN.get(group);
            if (open != null && open.remove(channel)) {
                CLOSED.merge(group, last.withoutRingFill(), ShmChannelMetrics::plus);
            }
        }
    }

    static void reusedSegment() {
        synchronized (LOCK) {
            reusedSegments++;
        }
    }

    static void fellBackToTcp() {
        synchronized (LOCK) {
            tcpFallbacks++;
        }
    }

    /** The group of {@code channel}: from addresses fixed once it is connected, so the same when it closes. */
    private static Group groupOf(ShmChannel channel) {
        ShmServerChannel parent = channel.parent();
        return parent != null ? new Group("server", name(parent.localAddress()))
                : new Group("client", name(channel.remoteAddress()));
    }

    private static String name(SocketAddress address) {
        if (address instanceof ShmAddress shm) {
            return shm.name();
        }
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
