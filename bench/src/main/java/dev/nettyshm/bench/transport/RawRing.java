package dev.nettyshm.bench.transport;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The floor: ping-pong between two processes through two Agrona {@link OneToOneRingBuffer}s over one
 * {@code /dev/shm} file, both sides spinning, no Netty. {@code RawRing server FILE CPU} echoes (prints
 * {@code ready}); {@code RawRing client FILE CPU SIZE WARMUP COUNT} prints {@code result p50 p99 p999} in
 * nanoseconds. Each side pins its spinning thread to CPU.
 */
public final class RawRing {

    private static final int CAPACITY = 1 << 20;
    private static final int RING_BYTES = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    private static final int DATA = 1;
    private static final int STOP = 2;

    private RawRing() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * RING_BYTES);
            OneToOneRingBuffer toServer = new OneToOneRingBuffer(new UnsafeBuffer(mapped, 0, RING_BYTES));
            OneToOneRingBuffer toClient = new OneToOneRingBuffer(new UnsafeBuffer(mapped, RING_BYTES, RING_BYTES));
            Pinning.pinCurrentThread(args[2]);
            if (args[0].equals("server")) {
                System.out.println("ready");
                System.out.flush();
                serve(toServer, toClient);
            } else {
                System.out.println("result " + ping(toServer, toClient, Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]), Integer.parseInt(args[5])));
            }
        }
    }

    private static void serve(OneToOneRingBuffer in, OneToOneRingBuffer out) {
        boolean[] stop = {false};
        int idle = 0;
        while (!stop[0]) {
            int read = in.read((type, buffer, index, length) -> {
                if (type == STOP) {
                    stop[0] = true;
                    return;
                }
                while (!out.write(DATA, buffer, index, length)) {
                    Thread.onSpinWait();
                }
            });
            idle = read > 0 ? 0 : idle(idle);
        }
    }

    /**
     * Spins, and after a hundred empty looks yields: with both sides on one CPU, pure spinning would make every
     * round trip wait for the scheduler's time slice.
     */
    private static int idle(int idle) {
        if (idle < 100) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
        return idle + 1;
    }

    private static String ping(OneToOneRingBuffer out, OneToOneRingBuffer in, int size, int warmup, int count) {
        UnsafeBuffer message = new UnsafeBuffer(new byte[size]);
        Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        int[] replies = {0};
        for (int round = 0; round < warmup + count; round++) {
            long start = System.nanoTime();
            while (!out.write(DATA, message, 0, size)) {
                Thread.onSpinWait();
            }
            int expected = replies[0] + 1;
            int idle = 0;
            while (replies[0] < expected) {
                idle = in.read((type, buffer, index, length) -> replies[0]++) > 0 ? 0 : idle(idle);
            }
            if (round >= warmup) {
                histogram.recordValue(System.nanoTime() - start);
            }
        }
        out.write(STOP, message, 0, 0);
        return histogram.getValueAtPercentile(50) + " " + histogram.getValueAtPercentile(99) + " "
                + histogram.getValueAtPercentile(99.9);
    }
}
