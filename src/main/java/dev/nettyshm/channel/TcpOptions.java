package dev.nettyshm.channel;

import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The socket options of a channel: kept as set, whatever its route, and applied to its TCP socket when it has one.
 * Over shared memory they change nothing, as on Netty's domain-socket channels, so code written for TCP (gRPC among
 * it) runs unchanged.
 *
 * <p>Thread-safe: options may be set from any thread, the socket is attached by the event loop.
 */
final class TcpOptions {

    /** Netty's options that name a socket option of the JDK. */
    private static final Map<ChannelOption<?>, SocketOption<?>> SOCKET = Map.of(
            ChannelOption.SO_KEEPALIVE, StandardSocketOptions.SO_KEEPALIVE,
            ChannelOption.TCP_NODELAY, StandardSocketOptions.TCP_NODELAY,
            ChannelOption.SO_SNDBUF, StandardSocketOptions.SO_SNDBUF,
            ChannelOption.SO_RCVBUF, StandardSocketOptions.SO_RCVBUF,
            ChannelOption.SO_LINGER, StandardSocketOptions.SO_LINGER,
            ChannelOption.SO_REUSEADDR, StandardSocketOptions.SO_REUSEADDR,
            ChannelOption.IP_TOS, StandardSocketOptions.IP_TOS);

    /** Options a socket of the JDK cannot take, accepted so that TCP code runs, and kept for {@code getOption}. */
    private static final Set<ChannelOption<?>> KEPT_ONLY = Set.of(ChannelOption.SO_BACKLOG,
            ChannelOption.TCP_FASTOPEN, ChannelOption.TCP_FASTOPEN_CONNECT, ChannelOption.SO_TIMEOUT);

    private final Map<ChannelOption<?>, Object> values = new ConcurrentHashMap<>();
    private volatile NetworkChannel socket;

    TcpOptions() {
        // Netty's TCP channels turn Nagle's algorithm off; so does a TCP connection of this transport.
        values.put(ChannelOption.TCP_NODELAY, Boolean.TRUE);
    }

    /** Whether {@code option} is a socket option this class keeps. */
    static boolean handles(ChannelOption<?> option) {
        return SOCKET.containsKey(option) || KEPT_ONLY.contains(option);
    }

    /**
     * Keeps {@code value}, and sets it on the socket if there is one.
     *
     * @throws UncheckedIOException if the socket refuses it
     */
    void set(ChannelOption<?> option, Object value) {
        values.put(option, value);
        NetworkChannel current = socket;
        if (current != null) {
            apply(current, option, value);
        }
    }

    /** The value kept for {@code option}; {@code null} if never set. */
    Object get(ChannelOption<?> option) {
        return values.get(option);
    }

    /** Takes {@code tcp} on: every option kept so far applies to it, and every later one. */
    void attach(NetworkChannel tcp) {
        socket = tcp;
        values.forEach((option, value) -> apply(tcp, option, value));
    }

    @SuppressWarnings("unchecked")
    private static void apply(NetworkChannel socket, ChannelOption<?> option, Object value) {
        SocketOption<Object> name = (SocketOption<Object>) SOCKET.get(option);
        if (name == null || !socket.supportedOptions().contains(name)) {
            return;
        }
        try {
            socket.setOption(name, value);
        } catch (IOException e) {
            throw new UncheckedIOException("the TCP socket refused " + option + " = " + value, e);
        }
    }
}
