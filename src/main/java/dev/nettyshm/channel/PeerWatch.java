package dev.nettyshm.channel;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Listens, for loops asleep on futexes, to the sockets those futexes cannot hear. A peer's death shows only as the
 * end of its connection's socket, and a loop asleep on futexes sleeps in no selector: one daemon thread per JVM
 * sleeps in a selector over the sockets of such channels instead, and hands each socket that becomes readable back
 * to its channel, whose loop then reads the end (or a stray doorbell) as it would have. A key that fired stays quiet
 * until its channel arms it again. See {@code docs/decisions/006-futex-sleep.md}.
 *
 * <p>The watch never stops silently: a callback that throws is logged and the watch goes on; a selector that fails
 * is logged and closed, a new watch takes the place of the old one, and every channel the old one watched is handed
 * back to its loop, which looks at its socket and arms the new watch as it next sleeps. Where no selector can be
 * opened at all, {@link #watch} says so, and the channel's loop sleeps in its own selector instead.
 *
 * <p>Thread-safe.
 */
final class PeerWatch implements Runnable {

    private static final System.Logger LOG = System.getLogger(PeerWatch.class.getName());

    private static PeerWatch instance;

    private final Selector selector;
    /** The keys of this watch, so that a failed selector can still hand every channel back. */
    private final Set<SelectionKey> watched = ConcurrentHashMap.newKeySet();
    /** When {@link #watched} next sheds the keys of closed channels: amortised, not on every registration. */
    private int pruneAt = 64;

    private PeerWatch(Selector selector) {
        this.selector = selector;
    }

    /**
     * Starts watching {@code socket}: once it is readable — the peer's end — {@code readable} runs, on the
     * watching thread, and the key falls quiet until {@link #rearm}.
     *
     * @return the key, or {@code null} if no watch can run in this JVM (no selector could be opened): the caller's
     *         loop must hear the socket in its own selector
     * @throws ClosedChannelException if {@code socket} is closed
     */
    static SelectionKey watch(SocketChannel socket, Runnable readable) throws ClosedChannelException {
        PeerWatch watch = instance();
        if (watch == null) {
            return null;
        }
        SelectionKey key;
        try {
            key = socket.register(watch.selector, SelectionKey.OP_READ, readable);
        } catch (java.nio.channels.ClosedSelectorException failedMeanwhile) {
            // The watch failed between instance() and here: the next one takes the socket.
            return watch(socket, readable);
        }
        watch.track(key);
        // A registration made during a select counts only from the next one.
        watch.selector.wakeup();
        return key;
    }

    /** Watches a key that fired once more. */
    static void rearm(SelectionKey key) {
        key.interestOps(SelectionKey.OP_READ);
        key.selector().wakeup();
    }

    private static synchronized PeerWatch instance() {
        if (instance == null) {
            Selector selector;
            try {
                selector = Selector.open();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "no selector for the shared-memory peer watch; loops hear their"
                        + " peers in their own selectors", e);
                return null;
            }
            instance = new PeerWatch(selector);
            Thread thread = new Thread(instance, "nettyshm-peer-watch");
            thread.setDaemon(true);
            thread.start();
        }
        return instance;
    }

    private synchronized void track(SelectionKey key) {
        watched.add(key);
        if (watched.size() >= pruneAt) {
            watched.removeIf(k -> !k.isValid());
            pruneAt = 2 * watched.size() + 64;
        }
    }

    @Override
    public void run() {
        try {
            for (;;) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    handOver(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private static void handOver(SelectionKey key) {
        try {
            // Level-triggered: a socket at its end stays readable, so quiet it until its channel asks.
            key.interestOps(0);
            ((Runnable) key.attachment()).run();
        } catch (CancelledKeyException closedMeanwhile) {
            // The channel closed; its loop knows.
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a shared-memory peer-watch callback failed; the watch goes on", e);
        }
    }

    /**
     * The selector failed: this watch gives way to a new one, and hands every channel it watched back to its loop,
     * so that none sleeps on, deaf to its peer's end, until its longest sleep runs out.
     */
    private void fail(Exception e) {
        LOG.log(System.Logger.Level.WARNING, "the shared-memory peer watch failed; a new one takes over", e);
        synchronized (PeerWatch.class) {
            if (instance == this) {
                instance = null;
            }
        }
        try {
            selector.close();
        } catch (IOException closing) {
            LOG.log(System.Logger.Level.WARNING, "closing the failed peer watch's selector failed", closing);
        }
        for (SelectionKey key : watched) {
            try {
                ((Runnable) key.attachment()).run();
            } catch (RuntimeException callback) {
                LOG.log(System.Logger.Level.WARNING, "a shared-memory peer-watch callback failed", callback);
            }
        }
        watched.clear();
    }

    /** The selector of the running watch, for tests that make it fail; {@code null} if none runs. */
    static synchronized Selector selectorOfRunningWatch() {
        return instance == null ? null : instance.selector;
    }
}
