package dev.nettyshm.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One producer thread and one consumer thread, random sizes, thousands of wrap-arounds, every byte checked. */
class RingStressTest {

    private static final int CAPACITY = 64 * 1024;
    private static final long TOTAL = 256L << 20;

    static byte expected(long position) {
        long x = position * 0x9E3779B97F4A7C15L;
        return (byte) (x >>> 57 ^ x >>> 13);
    }

    @Test
    void shouldDeliverEveryByteInOrderAcrossManyWraps() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment memory = arena.allocate(RingDescriptor.ringLength(CAPACITY), 128);
            RingProducer producer = new RingProducer(memory, CAPACITY, "stress");
            RingConsumer consumer = new RingConsumer(memory, CAPACITY, "stress");
            AtomicReference<Throwable> failure = new AtomicReference<>();

            Thread writer = Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(42);
                byte[] chunk = new byte[20_000];
                MemorySegment src = MemorySegment.ofArray(chunk);
                long written = 0;
                try {
                    while (written < TOTAL) {
                        int length = (int) Math.min(TOTAL - written, 1 + random.nextInt(chunk.length));
                        for (int i = 0; i < length; i++) {
                            chunk[i] = expected(written + i);
                        }
                        int offset = 0;
                        while (offset < length) {
                            int n = producer.offer(src, offset, length - offset);
                            offset += n;
                            if (n == 0 || random.nextInt(4) == 0) {
                                producer.publish();
                                Thread.onSpinWait();
                            }
                        }
                        written += length;
                    }
                    while (!producer.offerEndOfStream()) {
                        producer.publish();
                    }
                    producer.publish();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });

            SplittableRandom random = new SplittableRandom(7);
            byte[] buffer = new byte[30_000];
            MemorySegment dst = MemorySegment.ofArray(buffer);
            long read = 0;
            for (;;) {
                int n = consumer.read(dst, 0, 1 + random.nextInt(buffer.length));
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != expected(read + i)) {
                        throw new AssertionError("byte " + (read + i) + " is wrong");
                    }
                }
                read += n;
                if (n == 0) {
                    if (failure.get() != null) {
                        break;
                    }
                    Thread.onSpinWait();
                }
            }
            writer.join();
            assertThat(failure.get()).isNull();
            assertThat(read).isEqualTo(TOTAL);
        }
    }
}
