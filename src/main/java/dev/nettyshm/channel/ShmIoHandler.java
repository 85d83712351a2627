package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.Futex;
import dev.nettyshm.internal.ring.FutexWaitSet;
import dev.nettyshm.internal.SharedWords;
import dev.nettyshm.internal.ring.Wakeup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link IoHandler} of the shared-memory transport, for Netty's {@code MultiThreadIoEventLoopGroup}:
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(ShmIoHandler.newFactory());
 * }</pre>
 *
 * Each run looks at the rings of every registered channel and moves what it can. While traffic flows it makes no
 * system call but an occasional non-blocking select (every {@value #SELECT_INTERVAL_NANOS} ns) for accepts,
 * handshakes and closed peers. When idle it follows its {@link ShmIdlePolicy}, ending in a sleep that a peer and
 * {@link #wakeup()} cut short: on futexes in the connections' segments when every channel of the loop is connected
 * and the policy allows it, while the JVM's {@link PeerWatch} listens to their sockets for a dead peer; otherwise
 * in a {@link Selector} over the connections' sockets, to which a peer writes a byte (its doorbell).
 * See {@code docs/decisions/004-transport-control-plane.md} and {@code 006-futex-sleep.md}.
 *
 * <p>Thread safety: confined to its event loop's thread, but for {@link #wakeup()}.
 */
public final class ShmIoHandler implements IoHandler {

    private static final System.Logger LOG = System.getLogger(ShmIoHandler.class.getName());
    private static final long SELECT_INTERVAL_NANOS = 1_000_000;
    /** In {@link #idleSince}: the last run had work. */
    private static final long BUSY = Long.MIN_VALUE;
    /** Spinning between two yields that ask whether another thread wants the CPU. */
    private static final long SPIN_SLICE_NANOS = 10_000;
    /** Looks at the rings between two readings of the clock while spinning: a reading costs several looks. */
    private static final int LOOKS_PER_CLOCK = 16;
    /**
     * A yield that takes longer than this ran another thread: this loop shares its CPU, and spinning would only
     * delay that thread — quite possibly the peer it waits for. A yield with nothing else to run returns in about a
     * microsecond.
     */
    private static final long SHARED_CPU_YIELD_NANOS = 5_000;

    private final ThreadAwareExecutor executor;
    private final ShmIdlePolicy policy;
    private final long spinNanos;
    private final Selector selector;
    private final List<ShmIoHandle> handles = new ArrayList<>();
    /** {@code null} unless the loop may sleep on futexes. */
    private final FutexWaitSet waits;
    /**
     * How the loop sleeps, as a {@link Wakeup}'s word — {@code NONE} awake, {@code DOORBELL} in the selector,
     * {@code FUTEX} on this word among others — so that {@link #wakeup()} knows how to wake it. Freed by the collector, not by
     * {@link #destroy()}: another thread may still call {@code wakeup()} as the loop ends.
     */
    private final MemorySegment sleeping = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
    /** {@link #wakeup()} cut the last sleep short: a task came, and an answer to it may follow soon. */
    private volatile boolean wokenUp;
    private long lastSelect;
    /** When the rings last had no work after having some, or {@link #BUSY}. */
    private long idleSince = BUSY;
    /** Yields since the rings last had work. */
    private int yields;
    /** The last yield ran another thread: skip spinning, yield at once. */
    private boolean sharingCpu;
    /** The last {@link #pollHandles()} met a handle that streams over TCP. */
    private boolean sawTcp;
    /** The last {@link #pollHandles()} met a handle whose rings it watches. */
    private boolean sawRings;
    /** Inside {@link #run}: a connection closed now is let go of as the run ends. */
    private boolean running;
    /** Connections closed during this run, let go of as it ends: see {@link #closeAfterRun}. */
    private final List<Connection> retired = new ArrayList<>();

    private ShmIoHandler(ThreadAwareExecutor executor, ShmIdlePolicy policy) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.spinNanos = policy.spin().toNanos();
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the shared-memory event loop", e);
        }
        this.waits = policy.futex() && Futex.AVAILABLE ? new FutexWaitSet() : null;
    }

    /** A factory of handlers with {@link ShmIdlePolicy#DEFAULT}. */
    public static IoHandlerFactory newFactory() {
        return newFactory(ShmIdlePolicy.DEFAULT);
    }

    /** A factory of handlers that idle by {@code policy}. */
    public static IoHandlerFactory newFactory(ShmIdlePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return executor -> new ShmIoHandler(executor, policy);
    }

    /**
     * Registers {@code socket} with this loop's selector for {@code ops}; {@code handler} handles its readiness. A key
     * of an earlier registration with this selector — the channel was deregistered and registered again — stays,
     * cancelled, until the selector's next select, and the registration fails until then: one runs, then it
     * registers.
     */
    SelectionKey register(SelectableChannel socket, int ops, SelectionHandler handler) throws IOException {
        try {
            return socket.register(selector, ops, handler);
        } catch (CancelledKeyException cancelledNotYetDropped) {
            selector.selectNow();
            return socket.register(selector, ops, handler);
        }
    }

    /**
     * One run of the loop. Nothing that a connection or its peer does may end the loop, and with it every channel
     * on it: a fault from a cut segment closes the connections it cut; any other exception that escapes a handle is
     * that handle's alone (see {@link #failed}); one that escapes the loop's own work is logged, and the loop goes
     * on, as Netty's NIO loop does.
     */
    @Override
    public int run(IoHandlerContext context) {
        running = true;
        try {
            return step(context);
        } catch (InternalError fault) {
            return closeCutHandles(fault);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "unexpected exception in the shared-memory event loop; it goes on",
                    e);
            idleSince = BUSY;
            return 1;
        } finally {
            running = false;
            closeRetired();
        }
    }

    /**
     * Closes {@code connection} — its segment then kept as a spare, or unmapped — where no poll can reach it any more:
     * at the end of this run if one is under way, else now. A close often happens inside a poll — a failed flush, a
     * handler that closes in {@code channelRead} — and the rest of that poll, or the loop's sleep bookkeeping after
     * it, still reaches the rings: unmapped at once, they threw {@code IllegalStateException: Already closed} out of
     * the loop and ended it, with every channel on it.
     */
    void closeAfterRun(Connection connection) {
        if (running) {
            retired.add(connection);
        } else {
            connection.close();
        }
    }

    private void closeRetired() {
        for (int i = 0; i < retired.size(); i++) {
            try {
                retired.get(i).close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a shared-memory connection failed", e);
            }
        }
        retired.clear();
    }

    /**
     * The last defence of the loop: {@code handle} threw what it never should — a bug of ours, memory a hostile peer
     * left in a state no check foresaw. The handle closes, the exception is logged with it, and the loop and its
     * other channels go on.
     */
    private void failed(ShmIoHandle handle, String during, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "unexpected exception from " + handle + " during " + during
                + "; closing it, the loop goes on", e);
        try {
            handle.close();
        } catch (RuntimeException closing) {
            e.addSuppressed(closing);
            LOG.log(System.Logger.Level.WARNING, "closing " + handle + " failed too", closing);
        }
    }

    private int step(IoHandlerContext context) {
        int work = pollHandles();
        // A TCP connection's data comes through the selector alone, and so do accepts and handshakes: a loop that
        // streams over TCP or has no ring to watch selects on every run and sleeps in its selector at once, as
        // Netty's NIO loop does. Spinning would only delay what the selector has: a server loop that spun and
        // yielded noticed each accept about 115 µs late, and the hello after it about 70 µs late.
        boolean selectorOnly = sawTcp || !sawRings;
        if (work == 0 && context.canBlock() && !sharingCpu && !selectorOnly) {
            work = spin(context);
        }
        long now = System.nanoTime();
        if (work > 0) {
            idleSince = BUSY;
            yields = 0;
            return work + (selectorOnly || now - lastSelect > SELECT_INTERVAL_NANOS ? selectNow(now) : 0);
        }
        if (!context.canBlock()) {
            // Tasks wait: no blocking, and no select on every run either, or a stream of tasks (writes from other
            // threads) would make a system call of each.
            return selectorOnly || now - lastSelect > SELECT_INTERVAL_NANOS ? selectNow(now) : 0;
        }
        if (selectorOnly) {
            return sleep(context, now);
        }
        if (now - lastSelect > SELECT_INTERVAL_NANOS) {
            int selected = selectNow(now);
            if (selected > 0) {
                return selected;
            }
        }
        if (idleSince == BUSY) {
            idleSince = now;
        }
        if (yields < policy.yields()) {
            yields++;
            Thread.yield();
            sharingCpu = System.nanoTime() - now > SHARED_CPU_YIELD_NANOS;
            return 0;
        }
        return sleep(context, now);
    }

    /**
     * The spinning phase of the idle policy, within one run: looks at the rings until one has work, a task arrives
     * or the policy's spin time has passed since the rings went quiet. Returning to the event loop between looks
     * made each look several times slower — the loop reads its task queues and its clock on every round — and
     * every message waited that much longer. Every {@value #SPIN_SLICE_NANOS} ns a yield asks whether another thread
     * wants this CPU; if one ran, the loop shares its CPU and stops spinning: with both loops of a ping-pong on one
     * CPU, a loop that spun its whole time before yielding kept its peer from answering, and the round trip took
     * 65 µs instead of 14 µs.
     */
    private int spin(IoHandlerContext context) {
        long start = idleSince == BUSY ? idleSince = System.nanoTime() : idleSince;
        long sliceStart = start;
        for (int look = 0; ; look++) {
            if (look % LOOKS_PER_CLOCK == 0) {
                long now = System.nanoTime();
                if (now - start >= spinNanos) {
                    return 0;
                }
                if (now - sliceStart >= SPIN_SLICE_NANOS) {
                    Thread.yield();
                    sliceStart = System.nanoTime();
                    if (sliceStart - now > SHARED_CPU_YIELD_NANOS) {
                        sharingCpu = true;
                        return 0;
                    }
                }
            }
            Thread.onSpinWait();
            if (!context.canBlock()) {
                return 0;
            }
            int work = pollHandles();
            if (work > 0) {
                return work;
            }
        }
    }

    /**
     * Polls every handle; notes in {@link #sawTcp} whether one streams over TCP and in {@link #sawRings} whether one
     * has rings, in the same pass.
     */
    private int pollHandles() {
        int work = 0;
        boolean tcp = false;
        boolean rings = false;
        // Index loop: a poll may close a channel, which deregisters it from this list later, never during the loop.
        for (int i = 0; i < handles.size(); i++) {
            ShmIoHandle handle = handles.get(i);
            tcp |= handle.streamsOverTcp();
            rings |= handle.watchesRings();
            try {
                work += handle.poll();
            } catch (RuntimeException e) {
                failed(handle, "poll", e);
                work++;
            }
        }
        sawTcp = tcp;
        sawRings = rings;
        return work;
    }

    /**
     * A peer truncated a segment under one of this loop's connections, and touching it faulted. The JVM throws that
     * fault asynchronously, at a safepoint poll some way after the access: anywhere in the run, not necessarily in
     * the poll of the connection that touched the memory. Out of {@link #run} it would end the event loop and every
     * channel on it (a test saw exactly that), so it ends here: each handle checks its own mapping, and those cut
     * short close.
     */
    private int closeCutHandles(InternalError fault) {
        int closed = 0;
        for (ShmIoHandle handle : List.copyOf(handles)) {
            if (handle.closeIfCut(fault)) {
                closed++;
            }
        }
        if (closed == 0) {
            LOG.log(System.Logger.Level.WARNING, "a fault in the shared-memory event loop that no connection's"
                    + " mapping explains; the loop goes on", fault);
        }
        // A fault while the loop withdrew its wake-up requests left the later handles' requests standing.
        cancelSleep(handles.size());
        idleSince = BUSY;
        yields = 0;
        return closed + 1;
    }

    private int sleep(IoHandlerContext context, long now) {
        Wakeup how = canSleepOnFutexes() ? Wakeup.FUTEX : Wakeup.DOORBELL;
        int prepared = 0;
        for (; prepared < handles.size(); prepared++) {
            if (!prepareToSleep(handles.get(prepared), how)) {
                // The refusing handle too: it may have asked for one wake-up before it found work for another.
                cancelSleep(prepared + 1);
                idleSince = BUSY;
                yields = 0;
                return 0;
            }
        }
        int selected = 0;
        boolean onFutexes = false;
        try {
            SharedWords.putIntVolatile(sleeping, 0, how.word);
            // A task queued before the flag was set found it clear and did not wake us: look once more.
            if (!context.canBlock()) {
                selected = selector.selectNow();
            } else {
                long delayNanos = Math.min(context.delayNanos(now), policy.maxSleep().toNanos());
                for (ShmIoHandle handle : handles) {
                    delayNanos = Math.min(delayNanos, handle.sleepLimitNanos());
                }
                onFutexes = how == Wakeup.FUTEX;
                if (onFutexes) {
                    sleepOnFutexes(delayNanos);
                } else {
                    selected = sleepInSelector(delayNanos);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("select failed in the shared-memory event loop", e);
        } finally {
            SharedWords.putIntVolatile(sleeping, 0, Wakeup.NONE.word);
            cancelSleep(prepared);
        }
        // The rings first: a doorbell says only that data is there, and reading it first delayed every message to a
        // sleeping loop by the cost of that read and the selector's bookkeeping, about 10 µs on the development VM.
        int work = pollHandles();
        lastSelect = System.nanoTime();
        if (onFutexes) {
            // Then the sockets: doorbells rung before this sleep, and ends the peer watch has handed back.
            work += selectNow(lastSelect);
        }
        if (selected > 0 || work > 0 || wokenUp) {
            // Something happened: stay awake a while for what follows (the reply to a write, say) rather than
            // sleeping at once and paying another wake-up. A sleep that merely timed out goes back to sleep.
            idleSince = BUSY;
            yields = 0;
        }
        wokenUp = false;
        return work + processSelected();
    }

    private boolean prepareToSleep(ShmIoHandle handle, Wakeup how) {
        try {
            return handle.prepareToSleep(how);
        } catch (RuntimeException e) {
            failed(handle, "its preparation to sleep", e);
            return false;
        }
    }

    /** Whether this sleep may be on futexes: allowed, and no handle waits for its socket. */
    private boolean canSleepOnFutexes() {
        // One word for tasks, at most two per channel.
        if (waits == null || 1 + 2 * handles.size() > FutexWaitSet.MAX_WORDS) {
            return false;
        }
        for (ShmIoHandle handle : handles) {
            if (handle.needsSelector()) {
                return false;
            }
        }
        return true;
    }

    private void sleepOnFutexes(long delayNanos) {
        waits.clear();
        waits.addPrivate(sleeping, Wakeup.FUTEX.word);
        for (ShmIoHandle handle : handles) {
            try {
                handle.addWaitWords(waits);
            } catch (RuntimeException e) {
                // Its words are not waited on; it closes, and the sleep still ends by the deadline or a wake-up.
                failed(handle, "its preparation to sleep", e);
            }
        }
        waits.await(delayNanos);
    }

    private int sleepInSelector(long delayNanos) throws IOException {
        long millis = TimeUnit.NANOSECONDS.toMillis(delayNanos);
        return millis <= 0 ? selector.selectNow() : selector.select(millis);
    }

    private void cancelSleep(int count) {
        for (int i = 0; i < count && i < handles.size(); i++) {
            ShmIoHandle handle = handles.get(i);
            try {
                handle.cancelSleep();
            } catch (RuntimeException e) {
                failed(handle, "its wake-up", e);
            }
        }
    }

    private int selectNow(long now) {
        lastSelect = now;
        try {
            if (selector.selectNow() == 0) {
                return 0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("select failed in the shared-memory event loop", e);
        }
        return processSelected();
    }

    private int processSelected() {
        Set<SelectionKey> selected = selector.selectedKeys();
        if (selected.isEmpty()) {
            return 0;
        }
        // A handler may select again — a channel re-registering a socket whose old key is cancelled does — which
        // changes the selected set under an iterator: work on a copy.
        SelectionKey[] keys = selected.toArray(new SelectionKey[0]);
        selected.clear();
        int handled = 0;
        for (SelectionKey key : keys) {
            SelectionHandler handler = (SelectionHandler) key.attachment();
            try {
                handler.selected(key.readyOps());
                handled++;
            } catch (CancelledKeyException closedMeanwhile) {
                // The channel closed while its key was selected.
            } catch (RuntimeException e) {
                if (handler instanceof ShmIoHandle handle) {
                    failed(handle, "its socket's readiness", e);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "unexpected exception from a socket of the shared-memory"
                            + " event loop; the loop goes on", e);
                }
                handled++;
            }
        }
        return handled;
    }

    @Override
    public void wakeup() {
        int how = SharedWords.getIntVolatile(sleeping, 0);
        if (how != Wakeup.NONE.word && SharedWords.compareAndSetInt(sleeping, 0, how, Wakeup.NONE.word)) {
            wokenUp = true;
            if (how == Wakeup.FUTEX.word) {
                Futex.wakePrivate(sleeping);
            } else {
                selector.wakeup();
            }
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        ShmIoHandle shmHandle = cast(handle);
        if (handles.contains(shmHandle)) {
            throw new IllegalStateException(handle + " is registered already");
        }
        handles.add(shmHandle);
        Registration registration = new Registration(shmHandle);
        shmHandle.registered(this, registration);
        return registration;
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return ShmIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        for (ShmIoHandle handle : List.copyOf(handles)) {
            try {
                handle.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + handle + " as its loop ends failed", e);
            }
        }
    }

    @Override
    public void destroy() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // Nothing depends on it any more.
        }
    }

    private static ShmIoHandle cast(IoHandle handle) {
        if (handle instanceof ShmIoHandle shmHandle) {
            return shmHandle;
        }
        throw new IllegalArgumentException("a ShmIoHandler drives shared-memory channels, not "
                + handle.getClass().getName());
    }

    private final class Registration implements IoRegistration {

        private final ShmIoHandle handle;
        private final AtomicBoolean cancelled = new AtomicBoolean();

        Registration(ShmIoHandle handle) {
            this.handle = handle;
        }

        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            throw new UnsupportedOperationException("shared-memory channels submit no IoOps");
        }

        @Override
        public boolean isValid() {
            return !cancelled.get();
        }

        @Override
        public boolean cancel() {
            if (!cancelled.compareAndSet(false, true)) {
                return false;
            }
            if (executor.isExecutorThread(Thread.currentThread())) {
                remove();
            } else {
                executor.execute(this::remove);
            }
            return true;
        }

        private void remove() {
            if (handles.remove(handle)) {
                handle.unregistered();
            }
        }
    }
}
