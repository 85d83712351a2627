package dev.nettyshm.bench.transport;

import java.util.List;

/**
 * What one row of a transport table measures: a transport, and the options its client JVM runs with
 * ({@link BenchClient} reads {@code bench.poolSize} and {@code bench.ringCapacity}).
 */
public record Contender(String label, Transport transport, List<String> clientOptions) {

    /**
     * The shared-memory transport without buffer pools ({@code POOL_SIZE} 0): its allocator's buffers are Netty's,
     * and every byte crosses the rings by copy.
     */
    public static final Contender SHM_COPY_PATH = new Contender("shared memory, copy path", Transport.SHM,
            List.of("-Dbench.poolSize=0"));

    public Contender {
        clientOptions = List.copyOf(clientOptions);
    }

    /** {@code transport} as it comes, under its own label. */
    public static Contender of(Transport transport) {
        return new Contender(transport.label, transport, List.of());
    }
}
