package dev.nettyshm.internal.ring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Puts a record's payload into the ring in place, for {@link RingProducer#offer(int, PayloadWriter)}. Called on the
 * producer's thread, once per record.
 */
@FunctionalInterface
public interface PayloadWriter {

    /**
     * Fills all of {@code payload}, the record's bytes in the ring.
     *
     * @throws IOException if the source cannot be read; the record is then not written
     */
    void write(MemorySegment payload) throws IOException;
}
