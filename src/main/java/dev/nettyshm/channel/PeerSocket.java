package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.Wakeup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Unix domain socket beside a connection's rings: the handshake's channel, then the doorbell — a byte that wakes
 * a peer asleep in its selector — and the end of the peer, which the kernel shows on it however the peer dies. While
 * the loop sleeps on futexes, which do not hear the socket, the JVM's {@link PeerWatch} listens to it instead.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class PeerSocket {

    private final SocketChannel socket;
    private final Counters counters;
    private final ByteBuffer doorbells = ByteBuffer.allocateDirect(64);
    /** The socket's key in the loop's selector; {@code null} while the channel is not registered. */
    private SelectionKey key;
    /** The socket's key in the {@link PeerWatch}, armed while the loop sleeps on futexes; {@code null} before. */
    private SelectionKey watchKey;
    /** No {@link PeerWatch} could listen to the socket: the loop must sleep in its selector. */
    private boolean unwatched;
    /** The peer closed the connection or died: the socket reached its end, or a write to it failed. */
    private boolean peerGone;

    PeerSocket(SocketChannel socket, Counters counters) {
        this.socket = socket;
        this.counters = counters;
    }

    SocketChannel socket() {
        return socket;
    }

    /** Joins {@code handler}'s selector, with {@code onReadable} handling the socket's readiness. */
    void register(ShmIoHandler handler, SelectionHandler onReadable) throws IOException {
        key = handler.register(socket, SelectionKey.OP_READ, onReadable);
        if (peerGone) {
            key.interestOps(0);
        }
    }

    /** Leaves the loop's selector. */
    void deregister() {
        if (key != null) {
            key.cancel();
            key = null;
        }
    }

    /**
     * Counts a wake-up of the peer that the ring made or asks for — {@code how}, as the ring's {@code publish()} or
     * {@code takeProducerWakeup()} said — and rings the doorbell if the peer sleeps in its selector.
     */
    void wake(Wakeup how) {
        if (how == Wakeup.NONE) {
            return;
        }
        counters.add(Counters.DOORBELLS_RUNG, 1);
        if (how == Wakeup.DOORBELL) {
            try {
                doorbells.clear().put((byte) 1).flip();
                // A full socket buffer (0 written) means doorbells are already waiting to be read: enough.
                socket.write(doorbells);
            } catch (IOException peerClosed) {
                peerEnded();
            }
        }
    }

    /** Reads the doorbells that woke this side; their value means nothing. Notices the peer's end. */
    void drain() {
        try {
            for (;;) {
                doorbells.clear();
                int n = socket.read(doorbells);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    peerEnded();
                    return;
                }
                counters.add(Counters.DOORBELLS_RECEIVED, n);
            }
        } catch (IOException e) {
            peerEnded();
        }
    }

    /**
     * The peer is gone, as the socket, a failed doorbell or the peer's closed flag told. The socket's end stays
     * readable: the loop stops selecting it.
     */
    void peerEnded() {
        peerGone = true;
        if (key != null && key.isValid()) {
            key.interestOps(0);
        }
    }

    boolean peerGone() {
        return peerGone;
    }

    /**
     * Has the {@link PeerWatch} listen to the socket while the loop sleeps on futexes, which do not hear the peer's
     * end; a watch that fired listens again once the loop has been back, and a watch that failed is replaced.
     *
     * @param loop       the channel's event loop, where {@code onReadable} runs once the socket becomes readable:
     *                   as a task, which wakes the loop, futexes and all
     * @param onReadable looks at the socket, most likely at its end
     */
    void watch(Executor loop, Runnable onReadable) {
        if (peerGone) {
            return;
        }
        try {
            if (watchKey != null && watchKey.isValid()) {
                if (watchKey.interestOps() == 0) {
                    PeerWatch.rearm(watchKey);
                }
                return;
            }
        } catch (CancelledKeyException watchFailedMeanwhile) {
            // Its selector closed: watch anew below.
        }
        try {
            watchKey = PeerWatch.watch(socket, () -> handBack(loop, onReadable));
            // No watch can run: the loop hears this socket in its own selector from its next sleep on.
            unwatched = watchKey == null;
        } catch (IOException socketClosed) {
            peerEnded();
        }
    }

    /** On the watch's thread. */
    private static void handBack(Executor loop, Runnable onReadable) {
        try {
            loop.execute(onReadable);
        } catch (RejectedExecutionException loopEnded) {
            // The loop closes its channels as it ends.
        }
    }

    /** Whether no {@link PeerWatch} listens to the socket, so that the loop must sleep in its selector to hear it. */
    boolean unwatched() {
        return unwatched;
    }

    /** Leaves both selectors and closes the socket: the peer sees the end. */
    void close() throws IOException {
        deregister();
        if (watchKey != null) {
            watchKey.cancel();
        }
        socket.close();
    }
}
