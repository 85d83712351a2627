package dev.nettyshm.internal.ring;

/**
 * How a side asleep on a ring is woken: the values of the ring's waiting words, and of the event loop's own
 * sleeping word, as {@link RingDescriptor} lays them out and diagrams who sets and clears each. A sleeper sets its
 * word to how it sleeps; whoever has work for it takes the word back to {@link #NONE} with a compare-and-set and
 * wakes it that way, so that one sleep costs at most one wake-up.
 */
public enum Wakeup {

    /** Not asleep: nobody to wake. */
    NONE(RingDescriptor.NOT_WAITING),
    /** Asleep in a selector: a byte written to its socket, the connection's doorbell, wakes it. */
    DOORBELL(RingDescriptor.WAKE_BY_DOORBELL),
    /** Asleep on futexes, its waiting word among them: a {@link Futex} wake of that word wakes it. */
    FUTEX(RingDescriptor.WAKE_BY_FUTEX);

    /** The value a waiting word holds for this way of sleeping. */
    public final int word;

    Wakeup(int word) {
        this.word = word;
    }
}
