package dev.nettyshm.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RingTest {

    private static final int CAPACITY = 4096;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment memory = arena.allocate(RingDescriptor.ringLength(CAPACITY), 128);
    private final RingProducer producer = new RingProducer(memory, CAPACITY, "test ring");
    private final RingConsumer consumer = new RingConsumer(memory, CAPACITY, "test ring");

    @AfterEach
    void free() {
        arena.close();
    }

    private static MemorySegment bytes(int length, int seed) {
        byte[] array = new byte[length];
        for (int i = 0; i < length; i++) {
            array[i] = (byte) (seed + i);
        }
        return MemorySegment.ofArray(array);
    }

    private byte[] readAll(int max) throws Exception {
        MemorySegment dst = MemorySegment.ofArray(new byte[max]);
        int n = consumer.read(dst, 0, max);
        return n <= 0 ? new byte[0] : dst.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void shouldDeliverPublishedBytesInOrder() throws Exception {
        assertThat(producer.offer(bytes(10, 1), 0, 10)).isEqualTo(10);
        assertThat(producer.offer(bytes(5, 50), 0, 5)).isEqualTo(5);
        assertThat(consumer.isEmpty()).as("nothing is visible before publish").isTrue();
        producer.publish();
        byte[] read = readAll(100);
        assertThat(read).hasSize(15);
        assertThat(read[0]).isEqualTo((byte) 1);
        assertThat(read[10]).isEqualTo((byte) 50);
        assertThat(consumer.isEmpty()).isTrue();
        assertThat(readAll(100)).isEmpty();
    }

    @Test
    void shouldReadARecordInPartsAsAByteStream() throws Exception {
        producer.offer(bytes(100, 0), 0, 100);
        producer.publish();
        assertThat(readAll(30)).isEqualTo(bytes(100, 0).asSlice(0, 30).toArray(ValueLayout.JAVA_BYTE));
        assertThat(readAll(1000)).isEqualTo(bytes(100, 0).asSlice(30, 70).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void shouldGatherSeveralSourcesIntoOneClaimedRecord() throws Exception {
        int room = producer.claim(1000);
        assertThat(room).isEqualTo(1000);
        producer.put(0, bytes(3, 1), 0, 3);
        producer.put(3, bytes(7, 100), 0, 7);
        producer.commit(10);
        producer.publish();
        byte[] read = readAll(100);
        assertThat(read).hasSize(10);
        assertThat(read[2]).isEqualTo((byte) 3);
        assertThat(read[3]).isEqualTo((byte) 100);
        assertThat(consumer.pendingBytes()).isZero();
    }

    @Test
    void shouldRefuseToPutPastTheClaimedRecord() throws Exception {
        producer.offer(bytes(100, 0), 0, 100);
        producer.publish();
        int room = producer.claim(16);
        assertThatThrownBy(() -> producer.put(room - 4, bytes(8, 0), 0, 8))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("test ring");
        assertThatThrownBy(() -> producer.commit(room + 1)).isInstanceOf(IndexOutOfBoundsException.class);
        producer.commit(0);
        producer.publish();
        assertThat(readAll(1000)).as("an empty claim writes no record").hasSize(100);
    }

    @Test
    void shouldAcceptOnlyWhatFitsAndGoOnOnceTheConsumerFreesSpace() throws Exception {
        MemorySegment big = bytes(10_000, 3);
        int first = producer.offer(big, 0, 10_000);
        assertThat(first).isEqualTo(CAPACITY - RingDescriptor.RECORD_HEADER_LENGTH);
        assertThat(producer.offer(big, first, 10_000 - first)).as("the ring is full").isZero();
        producer.publish();
        assertThat(readAll(CAPACITY)).hasSize(first);
        int second = producer.offer(big, first, 10_000 - first);
        assertThat(second).isEqualTo(CAPACITY - RingDescriptor.RECORD_HEADER_LENGTH);
    }

    @Test
    void shouldWrapWithPaddingRecord() throws Exception {
        int payload = CAPACITY - 40 - RingDescriptor.RECORD_HEADER_LENGTH;
        assertThat(producer.offer(bytes(payload, 0), 0, payload)).isEqualTo(payload);
        producer.publish();
        assertThat(readAll(CAPACITY)).hasSize(payload);

        assertThat(producer.offer(bytes(100, 7), 0, 100)).as("40 bytes left before the end: pad, wrap").isEqualTo(100);
        producer.publish();
        MemorySegment data = memory.asSlice(RingDescriptor.HEADER_LENGTH);
        assertThat(data.get(ValueLayout.JAVA_INT, CAPACITY - 40 + RingDescriptor.RECORD_TYPE_OFFSET))
                .isEqualTo(RingDescriptor.PADDING);
        assertThat(data.get(ValueLayout.JAVA_INT, RingDescriptor.RECORD_TYPE_OFFSET)).isEqualTo(RingDescriptor.DATA);
        assertThat(readAll(CAPACITY)).isEqualTo(bytes(100, 7).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void shouldEndTheStreamAfterTheDataBeforeIt() throws Exception {
        producer.offer(bytes(3, 0), 0, 3);
        assertThat(producer.offerEndOfStream()).isTrue();
        assertThatThrownBy(() -> producer.offer(bytes(1, 0), 0, 1)).isInstanceOf(IllegalStateException.class);
        producer.publish();
        assertThat(readAll(2)).hasSize(2);
        assertThat(consumer.isEndOfStream()).isFalse();
        assertThat(readAll(10)).hasSize(1);
        assertThat(consumer.read(MemorySegment.ofArray(new byte[1]), 0, 1)).isEqualTo(-1);
        assertThat(consumer.isEndOfStream()).isTrue();
    }

    @Test
    void shouldNoticeTheEndOfTheStreamOnlyOnceEveryMessageAndByteBeforeItIsRead() throws Exception {
        int payload = CAPACITY - 40 - RingDescriptor.RECORD_HEADER_LENGTH;
        producer.offer(bytes(payload, 0), 0, payload);
        producer.publish();
        readAll(CAPACITY);
        assertThat(consumer.atEndOfStream()).as("nothing is published").isFalse();

        assertThat(producer.offerMessage(bytes(40, 7), 0, 40)).as("40 bytes left before the end: pad, wrap").isTrue();
        producer.offer(bytes(3, 1), 0, 3);
        producer.offerEndOfStream();
        producer.publish();
        assertThat(consumer.atEndOfStream()).as("a message is next").isFalse();
        assertThat(consumer.pendingBytes()).as("the padding before it is consumed").isEqualTo(48 + 16 + 8);
        assertThat(consumer.readMessage(MemorySegment.ofArray(new byte[RingDescriptor.MAX_MESSAGE_LENGTH]), 0))
                .isEqualTo(40);
        assertThat(consumer.atEndOfStream()).as("stream bytes are next").isFalse();
        assertThat(readAll(3)).containsExactly(1, 2, 3);
        assertThat(consumer.isEndOfStream()).isFalse();
        assertThat(consumer.atEndOfStream()).isTrue();
        assertThat(consumer.isEndOfStream()).isTrue();
        assertThat(consumer.pendingBytes()).isZero();
    }

    @Test
    void shouldAskForAWakeupOnlyWhenTheConsumerSleeps() throws Exception {
        producer.offer(bytes(1, 0), 0, 1);
        assertThat(producer.publish()).as("the consumer is awake").isEqualTo(Wakeup.NONE);
        assertThat(consumer.prepareToSleep(Wakeup.DOORBELL)).as("data is waiting: do not sleep")
                .isFalse();
        readAll(10);
        assertThat(consumer.prepareToSleep(Wakeup.DOORBELL)).isTrue();
        producer.offer(bytes(1, 0), 0, 1);
        assertThat(producer.publish()).as("the consumer sleeps in its selector: ring its doorbell")
                .isEqualTo(Wakeup.DOORBELL);
        producer.offer(bytes(1, 0), 0, 1);
        assertThat(producer.publish()).as("one ring per sleep").isEqualTo(Wakeup.NONE);
        assertThat(producer.publish()).as("nothing new to publish").isEqualTo(Wakeup.NONE);
    }

    @Test
    void shouldAskTheConsumerToWakeAProducerWaitingForSpace() throws Exception {
        producer.offer(bytes(CAPACITY, 0), 0, CAPACITY);
        producer.publish();
        assertThat(consumer.takeProducerWakeup()).isEqualTo(Wakeup.NONE);
        assertThat(producer.prepareToWaitForSpace(Wakeup.DOORBELL)).isTrue();
        readAll(CAPACITY);
        assertThat(consumer.takeProducerWakeup()).isEqualTo(Wakeup.DOORBELL);
        assertThat(consumer.takeProducerWakeup()).isEqualTo(Wakeup.NONE);
        assertThat(producer.prepareToWaitForSpace(Wakeup.DOORBELL))
                .as("space freed since the last look").isFalse();
    }

    @Test
    void shouldRefuseAWayToWakeThatDoesNotExist() {
        assertThatThrownBy(() -> consumer.prepareToSleep(Wakeup.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must say how it is woken");
        assertThatThrownBy(() -> producer.prepareToWaitForSpace(Wakeup.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTreatAFlagNoCorrectPeerWritesAsADoorbell() throws Exception {
        memory.set(ValueLayout.JAVA_INT, RingDescriptor.CONSUMER_WAITING_OFFSET, 77);
        producer.offer(bytes(1, 0), 0, 1);
        assertThat(producer.publish()).isEqualTo(Wakeup.DOORBELL);
        assertThat(memory.get(ValueLayout.JAVA_INT, RingDescriptor.CONSUMER_WAITING_OFFSET)).isZero();
    }

    @Test
    void shouldRefuseAMemoryOfTheWrongSizeOrCapacity() {
        assertThatThrownBy(() -> new RingProducer(memory, 8192, "r")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs");
        assertThatThrownBy(() -> RingDescriptor.checkCapacity(5000)).hasMessageContaining("not a power of two");
        assertThatThrownBy(() -> RingDescriptor.checkCapacity(1024)).hasMessageContaining("outside");
    }

    @Test
    void shouldDeliverAMessageWholeInItsPlaceBetweenStreamBytes() throws Exception {
        producer.offer(bytes(10, 1), 0, 10);
        assertThat(producer.offerMessage(bytes(16, 100), 0, 16)).isTrue();
        producer.offer(bytes(5, 50), 0, 5);
        producer.publish();
        MemorySegment message = MemorySegment.ofArray(new byte[RingDescriptor.MAX_MESSAGE_LENGTH]);
        assertThat(consumer.readMessage(message, 0)).as("stream bytes come first").isEqualTo(-1);
        assertThat(readAll(100)).as("the stream stops before the message").hasSize(10);
        assertThat(readAll(100)).isEmpty();
        assertThat(consumer.isEmpty()).isFalse();
        assertThat(consumer.readMessage(message, 0)).isEqualTo(16);
        assertThat(message.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(
                bytes(16, 100).toArray(ValueLayout.JAVA_BYTE));
        assertThat(readAll(100)).hasSize(5);
        assertThat(consumer.isEmpty()).isTrue();
    }

    @Test
    void shouldWrapAMessageThatDoesNotFitBeforeTheEndWithPadding() throws Exception {
        int first = CAPACITY - RingDescriptor.RECORD_HEADER_LENGTH - 16;
        producer.offer(bytes(first, 0), 0, first);
        producer.publish();
        assertThat(readAll(CAPACITY)).hasSize(first);
        assertThat(producer.offerMessage(bytes(40, 7), 0, 40)).isTrue();
        producer.publish();
        MemorySegment message = MemorySegment.ofArray(new byte[RingDescriptor.MAX_MESSAGE_LENGTH]);
        assertThat(consumer.readMessage(message, 0)).isEqualTo(40);
        assertThat(message.get(ValueLayout.JAVA_BYTE, 39)).isEqualTo((byte) 46);
        assertThat(consumer.isEmpty()).isTrue();
    }

    @Test
    void shouldRefuseAMessageWhenTheRingHasNoRoomForAllOfIt() throws Exception {
        int fill = CAPACITY - 2 * RingDescriptor.RECORD_HEADER_LENGTH;
        assertThat(producer.offer(bytes(fill, 0), 0, fill)).isEqualTo(fill);
        assertThat(producer.fitsMessage(16)).isFalse();
        assertThat(producer.offerMessage(bytes(16, 0), 0, 16)).isFalse();
        producer.publish();
        readAll(CAPACITY);
        assertThat(producer.fitsMessage(16)).isTrue();
        assertThat(producer.offerMessage(bytes(16, 0), 0, 16)).isTrue();
        assertThatThrownBy(() -> producer.offerMessage(bytes(300, 0), 0, 300))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("message length 300");
    }

    @Test
    void shouldCountAWrapsPaddingInWhetherAMessageFits() throws Exception {
        producer.offer(bytes(32, 0), 0, 32);
        int second = CAPACITY - 40 - 16 - RingDescriptor.RECORD_HEADER_LENGTH;
        producer.offer(bytes(second, 0), 0, second);
        producer.publish();
        readAll(32);
        assertThat(producer.fitsMessage(40)).as("16 bytes before the end and 40 after the wrap: too few").isFalse();
        readAll(CAPACITY);
        assertThat(producer.fitsMessage(40)).isTrue();
        assertThat(producer.offerMessage(bytes(40, 7), 0, 40)).isTrue();
    }

    @Test
    void shouldPadAndWrapOnlyWhenTheRingHasRoomForTheRecordAfterThePadding() throws Exception {
        producer.offer(bytes(32, 0), 0, 32);
        int second = CAPACITY - 40 - 16 - RingDescriptor.RECORD_HEADER_LENGTH;
        producer.offer(bytes(second, 0), 0, second);
        producer.publish();
        readAll(32);
        assertThat(producer.offer(bytes(100, 0), 0, 100)).as("16 bytes before the end and 56 free: too few for 16 + 72")
                .isZero();
        assertThat(producer.offerMessage(bytes(40, 0), 0, 40)).as("too few for 16 + 48").isFalse();
        MemorySegment data = memory.asSlice(RingDescriptor.HEADER_LENGTH);
        assertThat(data.get(ValueLayout.JAVA_INT, CAPACITY - 16 + RingDescriptor.RECORD_TYPE_OFFSET))
                .as("no padding is written").isZero();
        assertThat(producer.hasUnpublished()).isFalse();

        assertThat(producer.offerMessage(bytes(32, 9), 0, 32)).as("exactly room for 16 + 40").isTrue();
        producer.publish();
        assertThat(data.get(ValueLayout.JAVA_INT, CAPACITY - 16 + RingDescriptor.RECORD_TYPE_OFFSET))
                .isEqualTo(RingDescriptor.PADDING);
        assertThat(readAll(CAPACITY)).hasSize(second);
        MemorySegment message = MemorySegment.ofArray(new byte[RingDescriptor.MAX_MESSAGE_LENGTH]);
        assertThat(consumer.readMessage(message, 0)).isEqualTo(32);
        assertThat(message.asSlice(0, 32).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(
                bytes(32, 9).toArray(ValueLayout.JAVA_BYTE));
        assertThat(consumer.isEmpty()).isTrue();
    }

    @Test
    void shouldLetAWriterFillARecordInPlace() throws Exception {
        producer.offer(bytes(3, 1), 0, 3);
        assertThat(producer.offer(10_000, payload -> MemorySegment.copy(bytes(10_000, 9), 0, payload, 0,
                payload.byteSize()))).as("as much as fits")
                .isEqualTo(CAPACITY - 3 * RingDescriptor.RECORD_HEADER_LENGTH);
        producer.publish();
        byte[] read = readAll(CAPACITY);
        assertThat(read).hasSize(CAPACITY - 2 * RingDescriptor.RECORD_HEADER_LENGTH - 5);
        assertThat(read[3]).isEqualTo((byte) 9);
        assertThat(read[read.length - 1]).isEqualTo((byte) (9 + read.length - 4));
    }

    @Test
    void shouldWriteNothingWhenTheWriterThrows() throws Exception {
        producer.offer(bytes(3, 1), 0, 3);
        assertThatThrownBy(() -> producer.offer(100, payload -> {
            throw new IOException("source cut short");
        })).hasMessage("source cut short");
        producer.offer(bytes(2, 20), 0, 2);
        producer.publish();
        assertThat(readAll(CAPACITY)).containsExactly(1, 2, 3, 20, 21);
    }
}
