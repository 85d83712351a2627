package dev.nettyshm.bench;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.MappedFile;
import dev.nettyshm.mmap.SharedMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code writeAt}/{@code readAt} of a {@link MappedFile} and of {@link SharedMemory}, beside
 * {@link MemorySegment#copy} between two plain native segments of the same size: the limit, one copy. Every
 * operation moves {@code size} bytes between a native buffer and the mapping; the mapped pages are touched in setup,
 * so no page fault is measured. Two forks, because on a shared 2-core VM one fork's luck can move a score by 20%.
 *
 * <p>Two more move {@code size} bytes from a byte array into the segment and back into another, as the Go package
 * godcong/mmap measures its shared memory: {@link #sharedMemoryWriteOpenRead} also maps the segment again by its id
 * for the read and unmaps it after, as that benchmark does; {@link #sharedMemoryWriteRead} reads from the mapping
 * already open.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class MappingBenchmark {

    private static final long PAGE = 4096;

    @Param({"1024", "4096", "16384", "65536", "262144", "1048576"})
    public int size;

    private Arena arena;
    private MemorySegment source;
    private MemorySegment target;
    private Path file;
    private MappedFile mappedFile;
    private SharedMemory sharedMemory;
    private long sharedMemoryId;
    private byte[] bytes;
    private byte[] readBack;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofShared();
        // Page-aligned like the mappings, so the baseline meets the same cache-set aliasing they do.
        source = arena.allocate(size, PAGE).fill((byte) 0x5A);
        target = arena.allocate(size, PAGE);
        file = Files.createTempFile("mapping-benchmark", ".bin");
        mappedFile = MappedFile.open(file, size, READ, WRITE, CREATE);
        sharedMemory = SharedMemory.create(size, MapOption.UNLINK_ON_CLOSE);
        mappedFile.writeAt(0, source);
        sharedMemory.writeAt(0, source);
        sharedMemoryId = sharedMemory.id().orElseThrow();
        bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) i;
        }
        readBack = new byte[size];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mappedFile.close();
        sharedMemory.close();
        Files.deleteIfExists(file);
        arena.close();
    }

    @Benchmark
    public MemorySegment copyBaseline() {
        MemorySegment.copy(source, 0, target, 0, size);
        return target;
    }

    @Benchmark
    public long mappedFileWriteAt() throws IOException {
        return mappedFile.writeAt(0, source);
    }

    @Benchmark
    public long mappedFileReadAt() throws IOException {
        return mappedFile.readAt(0, target);
    }

    @Benchmark
    public long sharedMemoryWriteAt() throws IOException {
        return sharedMemory.writeAt(0, source);
    }

    @Benchmark
    public long sharedMemoryReadAt() throws IOException {
        return sharedMemory.readAt(0, target);
    }

    @Benchmark
    public int sharedMemoryWriteOpenRead() throws IOException {
        return writeOpenRead(sharedMemory, sharedMemoryId, bytes, readBack);
    }

    @Benchmark
    public int sharedMemoryWriteRead() throws IOException {
        sharedMemory.writeAt(0, bytes);
        return sharedMemory.readAt(0, readBack);
    }

    /**
     * Writes {@code data} at the start of {@code writer}, then maps the segment again by its {@code id} — as a
     * reader in another process would — reads it into {@code into} and unmaps it.
     */
    static int writeOpenRead(SharedMemory writer, long id, byte[] data, byte[] into) throws IOException {
        writer.writeAt(0, data);
        try (SharedMemory reader = SharedMemory.open(id)) {
            return reader.readAt(0, into);
        }
    }
}
