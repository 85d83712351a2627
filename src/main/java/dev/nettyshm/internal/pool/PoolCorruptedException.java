package dev.nettyshm.internal.pool;

import java.io.IOException;

/**
 * A descriptor or a slot state of a shared buffer pool is impossible: the peer is broken or hostile. The
 * connection that met it closes; nothing outside the pool was touched.
 */
public class PoolCorruptedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what is impossible, and where */
    public PoolCorruptedException(String message) {
        super(message);
    }
}
