package dev.nettyshm.internal.ring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A hostile or broken peer writes impossible values: each is reported by name, nothing is read outside. */
class RingCorruptionTest {

    private static final int CAPACITY = 4096;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment memory = arena.allocate(RingDescriptor.ringLength(CAPACITY), 128);
    private final MemorySegment data = memory.asSlice(RingDescriptor.HEADER_LENGTH);
    private final RingProducer producer = new RingProducer(memory, CAPACITY, "ring under attack");
    private final RingConsumer consumer = new RingConsumer(memory, CAPACITY, "ring under attack");
    private final MemorySegment dst = MemorySegment.ofArray(new byte[CAPACITY]);

    @AfterEach
    void free() {
        arena.close();
    }

    private void publishOneRecord() throws Exception {
        producer.offer(MemorySegment.ofArray(new byte[16]), 0, 16);
        producer.publish();
    }

    @Test
    void shouldRejectARecordLengthPastThePublishedData() throws Exception {
        publishOneRecord();
        data.set(ValueLayout.JAVA_INT, RingDescriptor.RECORD_LENGTH_OFFSET, 1000);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).isInstanceOf(RingCorruptedException.class)
                .hasMessageContaining("ring under attack").hasMessageContaining("record of length 1000");
    }

    @Test
    void shouldRejectANegativeOrHugeRecordLength() throws Exception {
        publishOneRecord();
        data.set(ValueLayout.JAVA_INT, RingDescriptor.RECORD_LENGTH_OFFSET, -8);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).hasMessageContaining("record length -8");
        data.set(ValueLayout.JAVA_INT, RingDescriptor.RECORD_LENGTH_OFFSET, Integer.MAX_VALUE);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).isInstanceOf(RingCorruptedException.class);
    }

    @Test
    void shouldRejectAnUnknownRecordType() throws Exception {
        publishOneRecord();
        data.set(ValueLayout.JAVA_INT, RingDescriptor.RECORD_TYPE_OFFSET, 77);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).hasMessageContaining("record type 77");
    }

    @Test
    void shouldRejectPaddingThatDoesNotEndAtTheEnd() throws Exception {
        publishOneRecord();
        data.set(ValueLayout.JAVA_INT, RingDescriptor.RECORD_TYPE_OFFSET, RingDescriptor.PADDING);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).hasMessageContaining("padding record");
    }

    @Test
    void shouldRejectAProducerPositionBeyondTheCapacityOrUnalignedOrGoingBack() throws Exception {
        memory.set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, CAPACITY + 8L);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).hasMessageContaining("producer position 4104");
        memory.set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, 12L);
        assertThatThrownBy(() -> consumer.isEmpty()).hasMessageContaining("producer position 12");
        memory.set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, 0L);
        publishOneRecord();
        consumer.read(dst, 0, CAPACITY);
        memory.set(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET, 8L);
        assertThatThrownBy(() -> consumer.read(dst, 0, CAPACITY)).hasMessageContaining("went back");
    }

    @Test
    void shouldRejectAConsumerPositionPastTheProducersOrGoingBack() throws Exception {
        producer.offer(MemorySegment.ofArray(new byte[CAPACITY]), 0, CAPACITY);
        memory.set(ValueLayout.JAVA_LONG, RingDescriptor.HEAD_OFFSET, 1L << 40);
        assertThatThrownBy(() -> producer.offer(MemorySegment.ofArray(new byte[8]), 0, 8))
                .isInstanceOf(RingCorruptedException.class).hasMessageContaining("consumer position");
    }
}
