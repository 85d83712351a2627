package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.FutexWaitSet;
import dev.nettyshm.internal.ring.Wakeup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;

/** What a {@link ShmIoHandler} drives: a channel's rings, and its sockets through the handler's selector. */
interface ShmIoHandle extends IoHandle {

    /** Called on registration with the handler, whose selector the handle's sockets join. */
    void registered(ShmIoHandler handler, IoRegistration registration);

    /**
     * Moves what can be moved now — reads from the inbound ring, writes that waited for space.
     *
     * @return how much work was done; 0 if nothing moved
     */
    int poll();

    /**
     * About to sleep: asks the peer to wake this side on new data (and on freed space, if writes wait), {@code how}
     * the handler sleeps — {@link Wakeup#DOORBELL} in its selector, {@link Wakeup#FUTEX} on futexes.
     *
     * @return {@code false} if there is work after all; the loop must not sleep
     */
    boolean prepareToSleep(Wakeup how);

    /**
     * Whether the handle waits for its socket — an accept, a handshake's reply — which only a sleep in the selector
     * hears.
     */
    boolean needsSelector();

    /** Whether the handle moves data through rings, which the loop spins on before it sleeps. */
    default boolean watchesRings() {
        return false;
    }

    /** Whether the handle moves data through a TCP socket, which only the selector hears. */
    default boolean streamsOverTcp() {
        return false;
    }

    /** Adds the words {@code prepareToSleep(Wakeup.FUTEX)} armed to {@code waits}: at most two. */
    default void addWaitWords(FutexWaitSet waits) {
    }

    /** Woken: withdraws the requests of {@link #prepareToSleep(Wakeup)}. */
    void cancelSleep();

    /**
     * The longest the handler may sleep now, in nanoseconds: shorter when the handle waits for something no doorbell
     * announces.
     */
    default long sleepLimitNanos() {
        return Long.MAX_VALUE;
    }

    /**
     * Touching shared memory faulted somewhere in the handler's run, and the JVM raised {@code fault}: if the peer
     * cut this handle's segment short, the handle closes with an exception that says so.
     *
     * @return whether this handle's memory is cut short
     */
    boolean closeIfCut(InternalError fault);

    /** Closes the channel: its close reports its own failures through its pipeline and promise. */
    @Override
    void close();

    @Override
    default void handle(IoRegistration registration, io.netty.channel.IoEvent ioEvent) {
        // The handler calls poll() and the selection handlers directly; there are no IoEvents.
    }
}
