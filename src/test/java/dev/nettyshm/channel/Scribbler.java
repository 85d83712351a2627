package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.ring.RingDescriptor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The third process of {@link ScribbleTest}: for each line {@code MAPFILE SIZE SEED MILLIS} on its input it maps the
 * live connection segment another process has mapped at {@code MAPFILE} (a {@code /proc/PID/map_files} entry) and,
 * for MILLIS milliseconds, writes random bytes at random places of the structures both sides read — the header, the
 * control words of both rings, their records, the pools' state tables — then prints {@code scribbled PLACES}.
 * Ends when its input closes.
 */
public final class Scribbler {

    private static final int CAPACITY = ShmChannelConfig.DEFAULT_RING_CAPACITY;
    private static final int POOL_SIZE = ShmChannelConfig.DEFAULT_POOL_SIZE;

    private Scribbler() {
    }

    public static void main(String[] args) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = lines.readLine()) != null; ) {
            String[] words = line.split(" ");
            Random random = new Random(Long.parseLong(words[2]));
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(words[3]));
            StringBuilder places = new StringBuilder();
            try (FileChannel file = FileChannel.open(Path.of(words[0]), StandardOpenOption.READ,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                MemorySegment segment = file.map(FileChannel.MapMode.READ_WRITE, 0, Long.parseLong(words[1]), arena);
                do {
                    places.append(scribble(segment, random)).append(',');
                    TimeUnit.MICROSECONDS.sleep(random.nextInt(2_000));
                } while (System.nanoTime() < until);
            } catch (java.io.IOException gone) {
                // The connection closed before this process could map it: nothing was written.
                places.append("gone,");
            }
            System.out.println("scribbled " + places);
            System.out.flush();
        }
    }

    /** Writes one to eight random bytes into one structure of the connection; returns which. */
    private static String scribble(MemorySegment segment, Random random) {
        long[] rings = {ConnectionLayout.clientToServerOffset(), ConnectionLayout.serverToClientOffset(CAPACITY)};
        long[] pools = {ConnectionLayout.clientPoolOffset(CAPACITY),
                ConnectionLayout.serverPoolOffset(CAPACITY, POOL_SIZE)};
        long ring = rings[random.nextInt(2)];
        String place;
        long at;
        switch (random.nextInt(4)) {
            case 0 -> {
                place = "header";
                at = random.nextInt(ConnectionLayout.HEADER_LENGTH);
            }
            case 1 -> {
                place = "ring control";
                int[] words = {RingDescriptor.TAIL_OFFSET, RingDescriptor.HEAD_OFFSET,
                        RingDescriptor.CONSUMER_WAITING_OFFSET, RingDescriptor.PRODUCER_WAITING_OFFSET};
                at = ring + words[random.nextInt(words.length)] + random.nextInt(8);
            }
            case 2 -> {
                place = "records";
                // Near the consumer's position, where the next records are.
                long head = segment.get(ValueLayout.JAVA_LONG, ring + RingDescriptor.HEAD_OFFSET);
                at = ring + RingDescriptor.HEADER_LENGTH + ((head + random.nextInt(256)) & (CAPACITY - 1));
            }
            default -> {
                place = "pool states";
                at = pools[random.nextInt(2)] + random.nextInt(PoolLayout.statesLength(POOL_SIZE));
            }
        }
        int count = 1 + random.nextInt(8);
        for (int i = 0; i < count && at + i < segment.byteSize(); i++) {
            segment.set(ValueLayout.JAVA_BYTE, at + i, (byte) random.nextInt());
        }
        return place;
    }
}
