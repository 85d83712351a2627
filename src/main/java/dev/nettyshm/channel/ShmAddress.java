package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemory;
import java.io.Serial;
import java.net.SocketAddress;

/**
 * The address of a shared-memory server: a name, unique on the host (per shared-memory directory), checked by the
 * rules of {@link SharedMemory#checkName}. Immutable; equal by name.
 */
public final class ShmAddress extends SocketAddress {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String name;

    /**
     * @throws IllegalArgumentException if the name breaks a rule of {@link SharedMemory#checkName}, naming it
     */
    public ShmAddress(String name) {
        this.name = SharedMemory.checkName(name);
    }

    /** The name. */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShmAddress other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "shm:" + name;
    }
}
