package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemory;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one daemon thread that unmaps connection segments, and runs {@link SpareSegments}' expiry, off the event loops.
 * Closing a shared arena waits for every Java thread of the process to pass a handshake: 120–140 µs on an idle
 * two-CPU machine, 250 µs in a loop that was setting connections up, during which that loop served nothing.
 *
 * <p>Thread-safe. A segment handed over is unmapped soon after, not at once: its memory, already unnamed, is given
 * back to the system a few hundred microseconds later.
 */
final class Unmapper {

    private static final System.Logger LOG = System.getLogger(Unmapper.class.getName());
    private static final ScheduledExecutorService THREAD = thread();

    private Unmapper() {
    }

    private static ScheduledExecutorService thread() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "nettyshm-unmapper");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** Unmaps {@code segment} on the unmapping thread. */
    static void unmap(SharedMemory segment) {
        THREAD.execute(() -> {
            try {
                segment.close();
            } catch (IOException | RuntimeException e) {
                // An unnamed segment's unmapping cannot fail in a way anyone could mend.
                LOG.log(System.Logger.Level.WARNING, "unmapping " + segment.name() + " failed", e);
            }
        });
    }

    /** Runs {@code task} on the unmapping thread after {@code millis}. */
    static void later(Runnable task, long millis) {
        THREAD.schedule(task, millis, TimeUnit.MILLISECONDS);
    }
}
