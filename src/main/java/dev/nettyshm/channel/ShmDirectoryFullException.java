package dev.nettyshm.channel;

import java.io.IOException;

/**
 * The shared-memory directory has no room for a new connection's rings: the connect fails with this, naming the
 * directory, the bytes a connection needs and the bytes free. Nothing of the attempt is left behind. A container's
 * {@code /dev/shm} is 64 MiB unless it is given more ({@code docker run --shm-size}, a Kubernetes {@code emptyDir}
 * with {@code medium: Memory}); the README says how much a connection takes at each setting.
 */
public final class ShmDirectoryFullException extends IOException {

    private static final long serialVersionUID = 1L;

    ShmDirectoryFullException(String message, IOException cause) {
        super(message, cause);
    }
}
