package dev.nettyshm.channel;

import dev.nettyshm.internal.ring.FutexWaitSet;
import dev.nettyshm.internal.ring.Ring;
import dev.nettyshm.internal.ring.Wakeup;

/**
 * One half's request to be woken through its end of a ring, standing while the loop sleeps: made before the sleep,
 * its word added to a futex sleep, withdrawn on waking.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class WakeRequest {

    private final Ring ring;
    private boolean standing;

    WakeRequest(Ring ring) {
        this.ring = ring;
    }

    /** The ring's end took the request: its waiting word is set. */
    void made() {
        standing = true;
    }

    /** Adds the ring end's waiting word to a futex sleep, if the request stands. */
    void addTo(FutexWaitSet waits) {
        if (standing) {
            waits.add(ring.waitingWord(), Wakeup.FUTEX.word);
        }
    }

    /** Withdraws the request, if it stands; the ring is not touched once {@code mapped} is false. */
    void withdraw(boolean mapped) {
        if (standing) {
            standing = false;
            if (mapped) {
                ring.cancelSleep();
            }
        }
    }
}
