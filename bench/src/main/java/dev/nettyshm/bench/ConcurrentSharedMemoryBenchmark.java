package dev.nettyshm.bench;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Go package godcong/mmap's concurrent shared-memory benchmark in Java: every thread of the run writes
 * {@code size} bytes at the start of one shared segment, maps the segment again by its id, reads them back and
 * unmaps it ({@link MappingBenchmark#writeOpenRead}). Run it with {@code -t THREADS}; the score is all threads'
 * operations together.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ConcurrentSharedMemoryBenchmark {

    /** The one segment every thread writes and reads. */
    @State(Scope.Benchmark)
    public static class Segment {
        @Param("4096")
        public int size;

        SharedMemory memory;
        long id;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            memory = SharedMemory.create(size, MapOption.UNLINK_ON_CLOSE);
            id = memory.id().orElseThrow();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            memory.close();
        }
    }

    /** A thread's own bytes to write and array to read into. */
    @State(Scope.Thread)
    public static class Buffers {
        byte[] data;
        byte[] into;

        @Setup(Level.Trial)
        public void setUp(Segment segment) {
            data = new byte[segment.size];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            into = new byte[segment.size];
        }
    }

    @Benchmark
    public int sharedMemoryWriteOpenRead(Segment segment, Buffers buffers) throws IOException {
        return MappingBenchmark.writeOpenRead(segment.memory, segment.id, buffers.data, buffers.into);
    }
}
