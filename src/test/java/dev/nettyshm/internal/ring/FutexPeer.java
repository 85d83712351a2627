package dev.nettyshm.internal.ring;

import dev.nettyshm.testing.KernelTask;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The other process of {@link FutexTest}: {@code consume FILE} maps the ring in FILE, prints
 * {@code sleeping as <pid>/task/<tid>} — the thread that is about to sleep, for the test to watch it fall asleep —
 * sleeps on its futex as a consumer of an empty ring, and once its sleep ends prints what it read and whether it was
 * woken: within 10 seconds, where its timeout is 30.
 */
public final class FutexPeer {

    private FutexPeer() {
    }

    public static void main(String[] args) throws Exception {
        try (Arena arena = Arena.ofConfined();
                FileChannel channel = FileChannel.open(Path.of(args[1]), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
            RingConsumer consumer = new RingConsumer(memory, RingDescriptor.MIN_CAPACITY, "futex peer ring");
            if (!consumer.prepareToSleep(Wakeup.FUTEX)) {
                throw new IllegalStateException("the ring is not empty");
            }
            FutexWaitSet waits = new FutexWaitSet();
            waits.add(consumer.waitingWord(), Wakeup.FUTEX.word);
            System.out.println("sleeping as " + KernelTask.current().name());
            System.out.flush();
            long start = System.nanoTime();
            waits.await(TimeUnit.SECONDS.toNanos(30));
            boolean woken = System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10);
            MemorySegment dst = MemorySegment.ofArray(new byte[64]);
            int n = consumer.read(dst, 0, 64);
            System.out.println("read " + new String(dst.asSlice(0, Math.max(n, 0)).toArray(ValueLayout.JAVA_BYTE))
                    + (woken ? " woken" : " timed out"));
        }
    }
}
