package dev.nettyshm.channel;

/**
 * The way a {@link ShmChannel} reaches its peer, and the choice a user may force with {@link ShmChannelOption#ROUTE}.
 *
 * <p>A channel connected to a {@link ShmAddress} always runs over shared memory. One connected to a
 * {@link java.net.InetSocketAddress} runs over shared memory when a live {@link ShmServerChannel} of this host, in
 * this network namespace, listens on that TCP address and lets this user map its memory; otherwise it runs over TCP,
 * to any TCP server. See {@code docs/decisions/014-local-first.md}.
 */
public enum ShmRoute {

    /**
     * As option: shared memory where the peer is a local server of this library, TCP otherwise. A failed attempt at
     * shared memory — the server died after it was found, its directory is full, its files refuse this user — falls
     * back to TCP. The default.
     */
    AUTO,

    /**
     * As option: shared memory or nothing; a connect to a TCP address that no local server of this library serves
     * fails with {@link java.net.ConnectException}. As {@link ShmChannel#route()}: the connection runs over shared
     * memory.
     */
    SHARED_MEMORY,

    /**
     * As option: TCP always, as if the peer were remote; on a {@link ShmServerChannel}, it listens on TCP alone and
     * offers no shared memory to local clients. As {@link ShmChannel#route()}: the connection runs over TCP.
     */
    TCP
}
