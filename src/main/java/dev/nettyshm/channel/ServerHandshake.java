package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.NoSuchFileException;

/**
 * The server's half of the handshake for one accepted socket, mirror of {@link ClientHandshake}: reads the client's
 * hello as it arrives, checks and maps the segment it names — a segment the client generated for this connection,
 * never one with a name of its own — and replies. An accepted connection becomes an active {@link ShmChannel}, a
 * child of the server channel; a refused one is told so and closed, and the client's connect fails.
 *
 * <p>Not thread-safe: confined to the server channel's event loop.
 */
final class ServerHandshake implements SelectionHandler {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ServerHandshake.class);

    private final ShmServerChannel server;
    private final SocketChannel socket;
    private final SharedMemoryDirectory directory;
    private final ByteBuffer hello = ByteBuffer.allocate(Handshake.MAX_HELLO);
    private SelectionKey key;
    /** This side answered {@link Handshake#UNKNOWN} once: a second unknown segment is refused. */
    private boolean askedForFresh;

    ServerHandshake(ShmServerChannel server, SocketChannel socket, SharedMemoryDirectory directory) {
        this.server = server;
        this.socket = socket;
        this.directory = directory;
    }

    /** Waits for the hello in {@code handler}'s selector. */
    void register(ShmIoHandler handler) throws IOException {
        key = handler.register(socket, SelectionKey.OP_READ, this);
    }

    @Override
    public void selected(int readyOps) {
        Connection connection = null;
        try {
            if (socket.read(hello) < 0) {
                throw new ClosedChannelException();
            }
            Handshake.Hello parsed = Handshake.parseHello(hello);
            if (parsed == null) {
                if (!hello.hasRemaining()) {
                    throw new HandshakeException("hello too long");
                }
                return;
            }
            if (SharedMemory.idOf(parsed.segmentName()).isEmpty()) {
                throw new HandshakeException("segment " + parsed.segmentName() + " is not a connection segment");
            }
            try {
                connection = Connection.open(directory, parsed.segmentName(), parsed.pid(), parsed.capacity(),
                        parsed.poolSize());
            } catch (NoSuchFileException unknown) {
                if (askedForFresh) {
                    throw unknown;
                }
                // A spare this side has let go of, or a server before this one had: the client sends a fresh one.
                askedForFresh = true;
                send(Handshake.UNKNOWN);
                hello.clear();
                return;
            }
            send(Handshake.OK);
            connection.established();
            key.cancel();
            server.handshakeEnded(this, new ShmChannel(server, socket, connection,
                    new ShmAddress(parsed.segmentName())));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: refused a connection: {}", server, e.toString());
            if (connection != null) {
                connection.close();
            }
            try {
                socket.write(Handshake.reply(Handshake.REFUSED));
            } catch (IOException ignored) {
                // The client is gone or not listening: it sees the close.
            }
            abandon();
            server.handshakeEnded(this, null);
        }
    }

    private void send(byte status) throws IOException {
        ByteBuffer reply = Handshake.reply(status);
        socket.write(reply);
        if (reply.hasRemaining()) {
            throw new HandshakeException("could not send the handshake reply");
        }
    }

    /** Gives the connection up: the socket closes, and the client sees it. */
    void abandon() {
        if (key != null) {
            key.cancel();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already gone.
        }
    }
}
