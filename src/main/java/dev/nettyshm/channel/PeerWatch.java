package dev.nettyshm.channel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Listens, for loops asleep on futexes, to the sockets those futexes cannot hear. A peer's death shows only as the
 * end of its connection's socket, and a loop asleep on futexes sleeps in no selector: one daemon thread per JVM
 * sleeps in a selector over the sockets of such channels instead, and hands each socket that becomes readable back
 * to its channel, whose loop then reads the end (or a stray doorbell) as it would have. A key that fired stays quiet
 * until its channel arms it again. See {@code docs/decisions/006-futex-sleep.md}.
 *
 * <p>Thread-safe.
 */
final class PeerWatch implements Runnable {

    private static PeerWatch instance;

    private final Selector selector;

    private PeerWatch() throws IOException {
        this.selector = Selector.open();
    }

    /**
     * Starts watching {@code socket}: once it is readable — the peer's end — {@code readable} runs, on the
     * watching thread, and the key falls quiet until {@link #rearm}.
     */
    static SelectionKey watch(SocketChannel socket, Runnable readable) throws IOException {
        PeerWatch watch = instance();
        SelectionKey key = socket.register(watch.selector, SelectionKey.OP_READ, readable);
        // A registration made during a select counts only from the next one.
        watch.selector.wakeup();
        return key;
    }

    /** Watches a key that fired once more. */
    static void rearm(SelectionKey key) {
        key.interestOps(SelectionKey.OP_READ);
        key.selector().wakeup();
    }

    private static synchronized PeerWatch instance() throws IOException {
        if (instance == null) {
            instance = new PeerWatch();
            Thread thread = new Thread(instance, "nettyshm-peer-watch");
            thread.setDaemon(true);
            thread.start();
        }
        return instance;
    }

    @Override
    public void run() {
        try {
            for (;;) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        // Level-triggered: a socket at its end stays readable, so quiet it until its channel asks.
                        key.interestOps(0);
                        ((Runnable) key.attachment()).run();
                    } catch (CancelledKeyException closedMeanwhile) {
                        // The channel closed; its loop knows.
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the shared-memory peer watch failed", e);
        }
    }
}
