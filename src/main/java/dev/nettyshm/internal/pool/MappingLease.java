package dev.nettyshm.internal.pool;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a mapping open while anything still points into it: its connection, and every pooled buffer over it. The
 * connection holds the first hold; each buffer takes one while it is backed by the mapping; whoever gives back the
 * last one closes it — the connection's segment is then unmapped, or kept for the next connection. So a buffer
 * received over a connection stays readable after that connection closed, until it is released — its memory is let
 * go of then, never before.
 *
 * <p>Thread-safe: buffers are released on any thread.
 */
public final class MappingLease {

    private final AtomicInteger holds = new AtomicInteger(1);
    private final AutoCloseable mapping;

    /** A lease with one hold, its creator's, on {@code mapping}. */
    public MappingLease(AutoCloseable mapping) {
        this.mapping = mapping;
    }

    /**
     * Takes a hold, if the mapping is still there: a thread that is not the mapping's owner takes one before it
     * touches the memory, so that the owner's close cannot unmap it underneath.
     *
     * @return whether the hold was taken; {@code false} once the mapping is unmapped
     */
    public boolean tryRetain() {
        for (;;) {
            int current = holds.get();
            if (current == 0) {
                return false;
            }
            if (holds.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /**
     * Takes a hold.
     *
     * @throws IllegalStateException if the mapping was already unmapped
     */
    public void retain() {
        if (!tryRetain()) {
            throw new IllegalStateException("the mapping is closed");
        }
    }

    /** Gives a hold back; the last one closes the mapping. */
    public void release() {
        if (holds.decrementAndGet() == 0) {
            try {
                mapping.close();
            } catch (Exception e) {
                // Unmapping a shared-memory segment whose name is gone cannot fail in a way a caller could mend.
                System.getLogger(MappingLease.class.getName()).log(System.Logger.Level.WARNING,
                        "unmapping failed", e);
            }
        }
    }
}
