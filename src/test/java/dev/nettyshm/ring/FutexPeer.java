package dev.nettyshm.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The other process of {@link FutexTest}: {@code consume FILE} maps the ring in FILE, sleeps on its futex as a
 * consumer of an empty ring, prints {@code asleep}, and once woken prints what it read and whether the wake came
 * before its 60-second timeout.
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
            if (!consumer.prepareToSleep(RingDescriptor.WAKE_BY_FUTEX)) {
                throw new IllegalStateException("the ring is not empty");
            }
            FutexWaitSet waits = new FutexWaitSet();
            waits.add(consumer.consumerWaitingWord(), RingDescriptor.WAKE_BY_FUTEX);
            System.out.println("asleep");
            System.out.flush();
            long start = System.nanoTime();
            waits.await(TimeUnit.SECONDS.toNanos(60));
            boolean woken = System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30);
            MemorySegment dst = MemorySegment.ofArray(new byte[64]);
            int n = consumer.read(dst, 0, 64);
            System.out.println("read " + new String(dst.asSlice(0, Math.max(n, 0)).toArray(ValueLayout.JAVA_BYTE))
                    + (woken ? " woken" : " timed out"));
        }
    }
}
