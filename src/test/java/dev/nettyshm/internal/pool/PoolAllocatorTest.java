package dev.nettyshm.internal.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import dev.nettyshm.internal.Backing;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.nettyshm.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.ResourceLeakDetector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class PoolAllocatorTest {

    private static final int POOL_SIZE = PoolLayout.MIN_POOL_SIZE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory = arena.allocate(PoolLayout.poolLength(POOL_SIZE), 4096);
    private final MappingLease lease = new MappingLease(() -> { });
    private final ShmPool pool = new ShmPool(memory, POOL_SIZE, "test pool", lease, Backing.NONE);
    private final PoolAllocator allocator = new PoolAllocator();

    PoolAllocatorTest() {
        allocator.attach(pool).threshold(1);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    private long offsetOf(ByteBuf buf) {
        return pool.offsetOf(buf.nioBuffer(buf.readerIndex(), buf.readableBytes()));
    }

    @Test
    void shouldServeDirectBuffersFromThePoolBySizeClass() {
        int free = pool.freeSlots();
        ByteBuf small = allocator.directBuffer(100);
        ByteBuf large = allocator.directBuffer(300_000);
        assertThat(allocator.pooled()).isEqualTo(2);
        assertThat(pool.freeSlots()).isEqualTo(free - 2);
        small.writeBytes(new byte[100]);
        large.writeBytes(new byte[300_000]);
        assertThat(offsetOf(small)).as("the 256-byte class is the last region").isGreaterThanOrEqualTo(
                POOL_SIZE - POOL_SIZE / 32);
        assertThat(offsetOf(large)).as("the 1 MiB class is the first region").isLessThan(POOL_SIZE / 2);
        small.release();
        large.release();
        assertThat(pool.freeSlots()).isEqualTo(free);
    }

    @Test
    void shouldFallBackWhenTooLargeOrExhaustedAndNeverBlock() {
        ByteBuf huge = allocator.directBuffer(PoolLayout.MAX_SLOT_SIZE + 1);
        assertThat(offsetOf(huge.writeZero(10))).isEqualTo(-1);
        assertThat(allocator.fallbacks()).isEqualTo(1);
        huge.release();
        // A 2 MiB pool has one 1 MiB slot and two 256 KiB ones; a 1 MiB request takes only the first.
        ByteBuf first = allocator.directBuffer(1 << 20);
        ByteBuf second = allocator.directBuffer(1 << 20);
        assertThat(offsetOf(first.writeZero(1))).isNotNegative();
        assertThat(offsetOf(second.writeZero(1))).isEqualTo(-1);
        assertThat(allocator.fallbacks()).isEqualTo(2);
        first.release();
        second.release();
        ByteBuf again = allocator.directBuffer(1 << 20);
        assertThat(offsetOf(again.writeZero(1))).as("a released slot serves again").isNotNegative();
        again.release();
    }

    @Test
    void shouldTakeTheClassAboveWhenAClassIsFull() {
        List<ByteBuf> held = new ArrayList<>();
        // Two 256 KiB slots, then the 1 MiB slot above them, then the fallback.
        for (int i = 0; i < 4; i++) {
            held.add(allocator.directBuffer(200_000).writeZero(1));
        }
        assertThat(held.stream().filter(b -> offsetOf(b) >= 0)).hasSize(3);
        held.forEach(ByteBuf::release);
        assertThat(pool.freeSlots()).isEqualTo(PoolLayout.slotCount(POOL_SIZE));
    }

    @Test
    void shouldServeTheLargestFreeSlotUpToALimitForASenderThatFillsIt() {
        ByteBuf whole = pool.allocateUpTo(allocator, 3 << 20, 4096);
        assertThat(whole.capacity()).as("the one 1 MiB slot").isEqualTo(1 << 20);
        ByteBuf next = pool.allocateUpTo(allocator, 1 << 20, 4096);
        assertThat(next.capacity()).as("the 1 MiB class is empty: a 256 KiB slot").isEqualTo(256 << 10);
        ByteBuf clipped = pool.allocateUpTo(allocator, 100_000, 4096);
        assertThat(clipped.capacity()).as("no more than asked, in the 256 KiB class").isEqualTo(100_000);
        assertThat(offsetOf(clipped.writeZero(100_000))).isBetween((long) POOL_SIZE / 2, (long) POOL_SIZE * 3 / 4);
        List<ByteBuf> held = new ArrayList<>(List.of(whole, next, clipped));
        for (ByteBuf buf; (buf = pool.allocateUpTo(allocator, 1 << 20, 64 << 10)) != null; ) {
            held.add(buf);
        }
        assertThat(held).as("1 MiB, two of 256 KiB, four of 64 KiB").hasSize(7);
        assertThat(pool.allocateUpTo(allocator, 1 << 20, 64 << 10)).isNull();
        ByteBuf small = pool.allocateUpTo(allocator, 1 << 20, 16 << 10);
        assertThat(small.capacity()).isEqualTo(16 << 10);
        held.add(small);
        held.forEach(ByteBuf::release);
        assertThat(pool.freeSlots()).isEqualTo(PoolLayout.slotCount(POOL_SIZE));
    }

    @Test
    void shouldGiveTheSlotBackOnlyWhenEverySliceAndDuplicateIsReleased() {
        int free = pool.freeSlots();
        ByteBuf buf = allocator.directBuffer(1000).writeZero(1000);
        ByteBuf slice = buf.retainedSlice(10, 100);
        ByteBuf duplicate = buf.retainedDuplicate();
        buf.release();
        slice.release();
        assertThat(pool.freeSlots()).isEqualTo(free - 1);
        assertThat(duplicate.getByte(999)).isZero();
        duplicate.release();
        assertThat(pool.freeSlots()).isEqualTo(free);
    }

    @Test
    void shouldCountADescriptorAsAHoldUntilTheReceiverReleasesIt() throws Exception {
        int free = pool.freeSlots();
        ByteBuf sent = allocator.directBuffer(5000).writeBytes(new byte[] {1, 2, 3, 4, 5});
        long offset = offsetOf(sent);
        pool.retainForDescriptor(offset);
        sent.release();
        assertThat(pool.freeSlots()).as("the descriptor still holds the slot").isEqualTo(free - 1);
        ByteBuf received = pool.receive(ByteBufAllocator.DEFAULT, offset, 5);
        assertThat(received.readableBytes()).isEqualTo(5);
        assertThat(received.getByte(4)).isEqualTo((byte) 5);
        assertThatThrownBy(() -> received.writeByte(6)).as("a received buffer cannot grow")
                .isInstanceOf(IndexOutOfBoundsException.class);
        received.release();
        assertThat(pool.freeSlots()).isEqualTo(free);
    }

    @Test
    void shouldPrependAHeaderInTheHeadroomSoThatHeaderAndPayloadCrossInOneDescriptor() throws Exception {
        ByteBuf payload = allocator.directBuffer(5000).writeBytes(new byte[] {5, 6, 7});
        long offset = offsetOf(payload);
        MemorySegment header = MemorySegment.ofArray(new byte[] {1, 2, 3, 4});
        long start = pool.prepend(offset, header, 0, 4);
        assertThat(start).isEqualTo(offset - 4);
        pool.retainForDescriptor(start);
        payload.release();
        ByteBuf frame = pool.receive(ByteBufAllocator.DEFAULT, start, 7);
        byte[] bytes = new byte[7];
        frame.getBytes(0, bytes);
        assertThat(bytes).containsExactly(1, 2, 3, 4, 5, 6, 7);
        frame.release();
    }

    @Test
    void shouldRefuseAHeaderLongerThanTheRoomInFrontOfThePayload() {
        ByteBuf payload = allocator.directBuffer(5000).writeZero(8);
        long offset = offsetOf(payload);
        MemorySegment header = MemorySegment.ofArray(new byte[PoolLayout.HEADROOM + 1]);
        assertThat(pool.prepend(offset, header, 0, PoolLayout.HEADROOM + 1)).as("past the slot's start").isEqualTo(-1);
        assertThat(pool.prepend(offset, header, 0, PoolLayout.HEADROOM)).isEqualTo(offset - PoolLayout.HEADROOM);
        payload.release();
    }

    @Test
    void shouldRefuseToPrependOverBytesOfTheBufferItself() {
        ByteBuf buffer = allocator.directBuffer(5000).writeZero(100);
        long offset = offsetOf(buffer);
        MemorySegment header = MemorySegment.ofArray(new byte[] {1, 2, 3, 4});
        // A slice deep in the buffer: the bytes in front are the buffer's, perhaps already sent in a descriptor.
        assertThat(pool.prepend(offset + 50, header, 0, 4)).as("no headroom in front of a slice").isEqualTo(-1);
        assertThat(pool.prepend(offset + 3, header, 0, 4)).as("partly over the buffer").isEqualTo(-1);
        assertThat(buffer.getByte(49)).isZero();
        buffer.release();
    }

    @Test
    void shouldRefuseHostileDescriptorsWithAnExceptionThatNamesThem() {
        long end = PoolLayout.slotsLength(POOL_SIZE);
        int lastSlot = PoolLayout.strideOf(PoolLayout.SLOT_SIZES.length - 1);
        assertThatThrownBy(() -> pool.receive(ByteBufAllocator.DEFAULT, end, 8))
                .isInstanceOf(PoolCorruptedException.class).hasMessageContaining("outside the pool");
        assertThatThrownBy(() -> pool.receive(ByteBufAllocator.DEFAULT, -8, 8))
                .isInstanceOf(PoolCorruptedException.class).hasMessageContaining("outside the pool");
        assertThatThrownBy(() -> pool.receive(ByteBufAllocator.DEFAULT, end - 100, 200))
                .isInstanceOf(PoolCorruptedException.class).hasMessageContaining("outside the pool");
        assertThatThrownBy(() -> pool.receive(ByteBufAllocator.DEFAULT, end - lastSlot - 100, 200))
                .isInstanceOf(PoolCorruptedException.class).hasMessageContaining("reaches past its slot");
        assertThatThrownBy(() -> pool.receive(ByteBufAllocator.DEFAULT, 0, 8))
                .isInstanceOf(PoolCorruptedException.class).hasMessageContaining("not in flight");
    }

    @Test
    void shouldMoveToOrdinaryMemoryAndGiveTheSlotBackWhenTheCapacityGrows() {
        int free = pool.freeSlots();
        ByteBuf buf = allocator.directBuffer(100, 10_000).writeBytes(new byte[] {7, 8, 9});
        buf.writeZero(1000);
        assertThat(buf.getByte(2)).isEqualTo((byte) 9);
        assertThat(offsetOf(buf)).isEqualTo(-1);
        assertThat(pool.freeSlots()).isEqualTo(free);
        buf.release();
        assertThat(pool.freeSlots()).isEqualTo(free);
    }

    @Test
    void shouldFindPoolPartsOfACompositeAndOnlyThose() {
        ByteBuf shared = allocator.directBuffer(64).writeZero(64);
        ByteBuf plain = ByteBufAllocator.DEFAULT.directBuffer(64).writeZero(64);
        CompositeByteBuf composite = ByteBufAllocator.DEFAULT.compositeDirectBuffer()
                .addComponents(true, shared, plain);
        ByteBuffer[] parts = composite.nioBuffers();
        assertThat(parts).hasSize(2);
        assertThat(pool.offsetOf(parts[0])).isNotNegative();
        assertThat(pool.offsetOf(parts[1])).isEqualTo(-1);
        assertThat(pool.offsetOf(ByteBuffer.allocate(10))).isEqualTo(-1);
        composite.release();
        assertThat(pool.freeSlots()).isEqualTo(PoolLayout.slotCount(POOL_SIZE));
    }

    @Test
    void shouldServeBuffersBelowTheThresholdFromTheFallbackUncounted() {
        allocator.threshold(4096);
        ByteBuf small = allocator.directBuffer(4095).writeZero(1);
        ByteBuf large = allocator.directBuffer(4096).writeZero(1);
        assertThat(offsetOf(small)).isEqualTo(-1);
        assertThat(offsetOf(large)).isNotNegative();
        assertThat(allocator.fallbacks()).as("a small buffer is no fallback: it was never meant for the pool")
                .isZero();
        small.release();
        large.release();
        assertThatThrownBy(() -> allocator.threshold(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCallThePoolCrowdedPastThreeQuartersOfAClassAndRelievedAtHalf() {
        // A 2 MiB pool has 16 slots of 4 KiB.
        List<ByteBuf> held = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            held.add(allocator.directBuffer(4096));
        }
        assertThat(pool.crowded()).isFalse();
        held.add(allocator.directBuffer(4096));
        assertThat(pool.crowded()).isTrue();
        while (held.size() > 9) {
            held.removeLast().release();
        }
        assertThat(pool.crowded()).isFalse();
        assertThat(pool.busy()).as("still more than half in use").isTrue();
        held.removeLast().release();
        assertThat(pool.busy()).isFalse();
        held.forEach(ByteBuf::release);
    }

    @Test
    void shouldServeNothingFromAPoolOnceDetached() {
        allocator.attach(null);
        ByteBuf buf = allocator.directBuffer(100).writeZero(1);
        assertThat(offsetOf(buf)).isEqualTo(-1);
        assertThat(allocator.fallbacks()).isEqualTo(1);
        buf.release();
        assertThat(allocator.heapBuffer(10).hasArray()).isTrue();
    }

    @Test
    void shouldReportALeakedPoolBufferLikeAnyOther() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        ListAppender<ILoggingEvent> reports = new ListAppender<>();
        reports.start();
        logger.addAppender(reports);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            allocateAndForget();
            for (int i = 0; i < 50 && reports.list.isEmpty(); i++) {
                System.gc();
                Thread.sleep(20);
                // The detector reports what the collector found on the next tracked allocation.
                allocator.directBuffer(16).release();
            }
            assertThat(reports.list).anyMatch(e -> e.getFormattedMessage().contains("LEAK: ByteBuf.release()"));
            LeakCheck.forgive();
        } finally {
            ResourceLeakDetector.setLevel(level);
            logger.detachAppender(reports);
        }
    }

    private void allocateAndForget() {
        allocator.directBuffer(300).writeZero(300);
    }
}
