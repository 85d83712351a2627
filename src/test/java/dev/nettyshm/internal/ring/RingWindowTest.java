package dev.nettyshm.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.Backing;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A producer that writes into a window at the start of the ring's data, and widens it when it finds the ring full. */
class RingWindowTest {

    private static final int CAPACITY = 16 * 1024;
    private static final int WINDOW = 4096;
    private static final int RECORD = 1000;
    /** What the data past the backed bytes holds, as long as nothing writes there. */
    private static final byte UNTOUCHED = 0x5A;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment memory = arena.allocate(RingDescriptor.ringLength(CAPACITY), 128);
    private final RingConsumer consumer = new RingConsumer(memory, CAPACITY, "window ring");
    /** The ranges the producer asked to back, as {offset, length}. */
    private final List<List<Long>> backed = new ArrayList<>();
    private int seed;

    RingWindowTest() {
        memory.asSlice(RingDescriptor.HEADER_LENGTH + RingDescriptor.backedLength(WINDOW, CAPACITY)).fill(UNTOUCHED);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    private RingProducer producer(Backing backing) {
        return new RingProducer(memory, CAPACITY, "window ring", WINDOW, backing);
    }

    private Backing recording() {
        return (offset, length) -> backed.add(List.of(offset, length));
    }

    /** Writes records of numbered bytes until the ring takes no more; returns how many bytes it took. */
    private int fill(RingProducer producer) throws Exception {
        int total = 0;
        int n;
        while ((n = producer.offer(numbered(RECORD), 0, RECORD)) > 0) {
            seed += n;
            total += n;
        }
        producer.publish();
        return total;
    }

    /**
     * Writes and reads back {@code laps} times the capacity, {@link #RECORD} bytes at a time — in several records where
     * the window's end cuts one — checking every byte.
     */
    private void streamThrough(RingProducer producer, int laps) throws Exception {
        for (int written = 0; written < laps * CAPACITY; written += RECORD) {
            int first = seed;
            for (int part = 0; part < RECORD; ) {
                int n = producer.offer(numbered(RECORD - part), 0, RECORD - part);
                assertThat(n).as("bytes the ring took").isPositive();
                seed += n;
                part += n;
            }
            producer.publish();
            assertRead(RECORD, first);
        }
    }

    private MemorySegment numbered(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed + i);
        }
        return MemorySegment.ofArray(bytes);
    }

    private void assertRead(int length, int first) throws Exception {
        MemorySegment dst = MemorySegment.ofArray(new byte[length]);
        int read = 0;
        while (read < length) {
            int n = consumer.read(dst, read, length - read);
            assertThat(n).as("bytes read").isPositive();
            read += n;
        }
        for (int i = 0; i < length; i++) {
            assertThat(dst.get(ValueLayout.JAVA_BYTE, i)).as("byte %d", i).isEqualTo((byte) (first + i));
        }
    }

    /** Whether the data past the first {@code backed} bytes is as the test left it. */
    private boolean untouchedPast(long backed) {
        MemorySegment rest = memory.asSlice(RingDescriptor.HEADER_LENGTH + backed);
        for (long i = 0; i < rest.byteSize(); i++) {
            if (rest.get(ValueLayout.JAVA_BYTE, i) != UNTOUCHED) {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldWriteOnlyIntoItsWindowAndPadFromItsEndToTheEndOfTheData() throws Exception {
        RingProducer producer = producer(recording());
        streamThrough(producer, 4);
        assertThat(producer.window()).as("never full: never wider").isEqualTo(WINDOW);
        assertThat(backed).isEmpty();
        assertThat(untouchedPast(RingDescriptor.backedLength(WINDOW, CAPACITY))).isTrue();
    }

    @Test
    void shouldDoubleItsWindowWhenItFindsTheRingFullAfterBackingTheBytesItAdds() throws Exception {
        RingProducer producer = producer(recording());
        int first = seed;
        int taken = fill(producer);
        assertThat(taken).as("what the first window holds").isLessThan(WINDOW);
        assertThat(producer.window()).isEqualTo(2 * WINDOW);
        assertThat(backed).containsExactly(List.of((long) WINDOW + 8, (long) WINDOW));
        assertRead(taken, first);

        streamThrough(producer, 2);
        assertThat(untouchedPast(RingDescriptor.backedLength(2 * WINDOW, CAPACITY))).isTrue();
        first = seed;
        taken = fill(producer);
        assertThat(producer.window()).isEqualTo(CAPACITY);
        assertThat(backed).as("the rest of the data, at the capacity").hasSize(2)
                .last().isEqualTo(List.of(2L * WINDOW + 8, CAPACITY - 2L * WINDOW - 8));
        assertRead(taken, first);

        first = seed;
        taken = fill(producer);
        assertThat(taken).as("a full ring of data, but for record headers and padding")
                .isGreaterThan(CAPACITY - 2 * RECORD);
        assertThat(backed).as("no more to back").hasSize(2);
        assertRead(taken, first);
    }

    @Test
    void shouldStayInItsWindowWhileTheBytesItWouldAddCannotBeBacked() throws Exception {
        int[] attempts = {0};
        RingProducer producer = producer((offset, length) -> {
            attempts[0]++;
            throw new IOException("no room");
        });
        int first = seed;
        int taken = fill(producer);
        assertThat(producer.offer(numbered(RECORD), 0, RECORD)).as("still full").isZero();
        assertThat(producer.window()).isEqualTo(WINDOW);
        assertThat(attempts[0]).as("attempts to back, the second within a second of the first").isEqualTo(1);
        assertRead(taken, first);

        streamThrough(producer, 2);
        assertThat(untouchedPast(RingDescriptor.backedLength(WINDOW, CAPACITY))).isTrue();
    }
}
