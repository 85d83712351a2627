package dev.nettyshm.channel;

import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The client's half of the handshake, mirror of {@link ServerHandshake}: the hello, naming the segment the client
 * created or reuses and its sizes, goes out as the channel connects; the server's reply comes back on the socket,
 * which the channel's event loop reads as it becomes readable. The connect succeeds on an accepting reply, sends a
 * fresh segment in a second hello when the server does not know the spare the first named, fails on a refusal or a
 * closed socket, and fails with {@link ConnectTimeoutException} when no reply comes within the channel's connect
 * timeout.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class ClientHandshake {

    private final ShmAddress server;
    private final ByteBuffer reply = ByteBuffer.allocate(Handshake.REPLY_LENGTH);
    private ChannelPromise promise;
    private Future<?> timeout;

    /**
     * Sends the hello for {@code connection} over {@code socket}, just connected to {@code server}.
     *
     * @throws ConnectException if the hello could not be sent whole
     */
    ClientHandshake(SocketChannel socket, Connection connection, ShmChannelConfig config, ShmAddress server)
            throws IOException {
        this.server = server;
        sendHello(socket, connection, config);
    }

    /**
     * Sends a hello naming {@code connection}'s segment: the first, or — after the server answered that it did not
     * know the spare the first one named — the one naming a fresh segment.
     *
     * @throws ConnectException if the hello could not be sent whole
     */
    void sendHello(SocketChannel socket, Connection connection, ShmChannelConfig config) throws IOException {
        reply.clear();
        ByteBuffer hello = Handshake.hello(connection.name(), config.getRingCapacity(), config.getPoolSize());
        socket.write(hello);
        if (hello.hasRemaining()) {
            throw new ConnectException(server + ": could not send the handshake");
        }
    }

    /**
     * Waits for the reply on behalf of {@code promise}; after {@code timeoutMillis} without it (never, if 0),
     * {@code fail} runs on {@code loop} with a {@link ConnectTimeoutException}.
     */
    void await(ChannelPromise promise, EventLoop loop, int timeoutMillis, Consumer<Throwable> fail) {
        this.promise = promise;
        if (timeoutMillis > 0) {
            timeout = loop.schedule(() -> fail.accept(new ConnectTimeoutException(server + ": no handshake reply"
                    + " within " + timeoutMillis + " ms")), timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads what has come of the reply.
     *
     * @return {@link Handshake#OK} once the server accepted, {@link Handshake#UNKNOWN} if it has no segment of the
     *         name the hello gave; {@code -1} while the reply is incomplete
     * @throws ConnectException if the server refused the connection or closed it
     */
    int readReply(SocketChannel socket) throws IOException {
        if (socket.read(reply) < 0) {
            throw new ConnectException(server + ": the server closed the connection during the handshake");
        }
        Handshake.Reply parsed = Handshake.parseReply(reply);
        if (parsed == null) {
            return -1;
        }
        if (parsed.status() == Handshake.REFUSED) {
            throw new ConnectException(server + ": the server refused the connection");
        }
        return parsed.status();
    }

    /**
     * Ends the wait: the timeout no longer runs.
     *
     * @return the connect promise, for the caller to complete; {@code null} if an earlier call took it
     */
    ChannelPromise end() {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ChannelPromise waiting = promise;
        promise = null;
        return waiting;
    }
}
