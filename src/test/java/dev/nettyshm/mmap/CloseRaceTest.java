package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code close()}, growth and truncation racing readers and writers on other threads: documented exceptions, never a
 * crash.
 */
class CloseRaceTest {

    private static final int ROUNDS = 200;
    private static final int SIZE = 1 << 20;
    private static final int CHUNK = 256 * 1024;

    @TempDir
    Path dir;

    @Test
    void shouldGiveRacingReadersAndWritersClosedChannelExceptionAndNeverCrash() throws Exception {
        Path file = dir.resolve("race.bin");
        for (int round = 0; round < ROUNDS; round++) {
            MappedFile mapped = MappedFile.open(file, SIZE, READ, WRITE, CREATE);
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            CountDownLatch running = new CountDownLatch(4);
            threads.add(worker(running, unexpected, offset -> mapped.readAt(offset, new byte[64 * 1024])));
            threads.add(worker(running, unexpected, offset -> mapped.writeAt(offset, ByteBuffer.allocate(4096))));
            threads.add(worker(running, unexpected, offset -> mapped.read()));
            threads.add(worker(running, unexpected, offset -> mapped.readAt(offset)));
            running.await();
            mapped.close();
            for (Thread thread : threads) {
                thread.join(10_000);
                assertThat(thread.isAlive()).isFalse();
            }
            assertThat(unexpected.get()).as("round " + round).isNull();
        }
    }

    @Test
    void shouldLetReadersRaceTheGrowthOfAGrowableMapping() throws Exception {
        Path file = dir.resolve("grow-race.bin");
        MappedFile mapped = MappedFile.window(file, 0, 4096, Set.of(READ, WRITE, CREATE, MapOption.GROWABLE));
        mapped.writeAt(0, new byte[] {7});
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        CountDownLatch running = new CountDownLatch(1);
        Thread reader = worker(running, unexpected, offset -> {
            if (mapped.readAt(0) != 7) {
                throw new AssertionError("lost the byte during growth");
            }
        });
        running.await();
        for (int i = 1; i <= 12; i++) {
            mapped.writeAt((4096L << i) - 1, new byte[] {1});
        }
        assertThat(mapped.size()).isEqualTo(4096L << 12);
        mapped.close();
        reader.join(10_000);
        assertThat(unexpected.get()).isNull();
    }

    @Test
    void shouldRefuseAWriteThatARacingTruncateCutsShortWithMappingOverflowNeverIndexOutOfBounds() throws Exception {
        Path file = dir.resolve("truncate-race.bin");
        for (int round = 0; round < ROUNDS; round++) {
            try (MappedFile mapped = MappedFile.open(file, SIZE, READ, WRITE, CREATE)) {
                Writer writer = writeAtTheEndUntilFailure(mapped, Long.MAX_VALUE);
                mapped.truncate(SIZE - CHUNK / 2);
                assertThat(writer.failure()).as("round " + round).isInstanceOf(MappingOverflowException.class);
            }
        }
    }

    @Test
    void shouldGrowAGrowableMappingAgainForAWriteThatARacingTruncateCutsShort() throws Exception {
        Path file = dir.resolve("truncate-grow-race.bin");
        try (MappedFile mapped = MappedFile.window(file, 0, SIZE, Set.of(READ, WRITE, CREATE, MapOption.GROWABLE))) {
            Writer writer = writeAtTheEndUntilFailure(mapped, 2_000);
            while (writer.thread().isAlive()) {
                mapped.truncate(SIZE - CHUNK / 2);
            }
            assertThat(writer.failure()).isNull();
        }
    }

    @Test
    void shouldLeaveNoInterruptOnAReaderWhoseAccessARemapStopped() throws Exception {
        Path file = dir.resolve("remap-interrupt.bin");
        try (MappedFile mapped = MappedFile.window(file, 0, SIZE, Set.of(READ, WRITE, CREATE, MapOption.GROWABLE))) {
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            CountDownLatch running = new CountDownLatch(1);
            Thread reader = worker(running, unexpected, offset -> {
                mapped.readAt(0, new byte[CHUNK]);
                if (Thread.currentThread().isInterrupted()) {
                    throw new AssertionError("a remap left the reader interrupted");
                }
            });
            running.await();
            for (int i = 0; i < ROUNDS * 10 && unexpected.get() == null; i++) {
                mapped.writeAt(2L * SIZE - 1, new byte[] {1});
                mapped.truncate(SIZE);
            }
            mapped.close();
            reader.join(10_000);
            assertThat(unexpected.get()).isNull();
        }
    }

    private record Writer(Thread thread, AtomicReference<Throwable> failed) {
        Throwable failure() throws InterruptedException {
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
            return failed.get();
        }
    }

    /**
     * Writes {@value #CHUNK} bytes ending at {@value #SIZE}, {@code writes} times or until a write fails, on another
     * thread; returns once the first write is done, so that what the caller does next races the following ones.
     */
    private static Writer writeAtTheEndUntilFailure(MappedRegion region, long writes) throws InterruptedException {
        byte[] chunk = new byte[CHUNK];
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CountDownLatch wrote = new CountDownLatch(1);
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                for (long i = 0; i < writes; i++) {
                    region.writeAt(SIZE - CHUNK, chunk);
                    wrote.countDown();
                }
            } catch (Throwable t) {
                failed.set(t);
            } finally {
                wrote.countDown();
            }
        });
        wrote.await();
        return new Writer(thread, failed);
    }

    private interface Access {
        void run(long offset) throws Exception;
    }

    /** Runs {@code access} until the region is closed; anything but {@link ClosedChannelException} is recorded. */
    private static Thread worker(CountDownLatch running, AtomicReference<Throwable> unexpected, Access access) {
        Thread thread = Thread.ofPlatform().start(() -> {
            running.countDown();
            long i = 0;
            try {
                for (;;) {
                    access.run((i++ * 4096) % (SIZE - 64 * 1024));
                }
            } catch (ClosedChannelException expected) {
                // the close won the race
            } catch (Throwable t) {
                unexpected.compareAndSet(null, t);
            }
        });
        return thread;
    }
}
