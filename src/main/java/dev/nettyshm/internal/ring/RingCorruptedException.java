package dev.nettyshm.internal.ring;

import java.io.IOException;

/**
 * A value read from a ring's shared memory is impossible: the peer is broken or hostile, or the memory was
 * overwritten. The message names the ring, the field and the value. The ring must not be used afterwards.
 */
public final class RingCorruptedException extends IOException {

    private static final long serialVersionUID = 1L;

    public RingCorruptedException(String message) {
        super(message);
    }
}
