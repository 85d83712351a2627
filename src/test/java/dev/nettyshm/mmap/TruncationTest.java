package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.testing.ChildJvm;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another process cuts the file short under a live mapping: exceptions, not a crashed JVM. Or it grows the file:
 * the mapping goes on with the bytes it has, and a new mapping sees the new size.
 */
class TruncationTest {

    private static final int SIZE = 1 << 20;
    private static final int KEPT = 8192;

    @TempDir
    Path dir;

    @Test
    void shouldThrowNamingTheFileWhenAnotherProcessTruncatesAMappedFile() throws Exception {
        Path file = dir.resolve("victim.bin");
        try (MappedFile mapped = MappedFile.open(file, SIZE, READ, WRITE, CREATE_NEW)) {
            mapped.writeAt(100, new byte[] {1, 2, 3});
            assertBehavesTruncated(mapped, file);
        }
    }

    @Test
    void shouldThrowNamingTheSegmentWhenAnotherProcessTruncatesSharedMemory() throws Exception {
        SharedMemoryDirectory shmDir = SharedMemoryDirectory.system();
        String name = "truncation-test-" + ProcessHandle.current().pid();
        try (SharedMemory shm = shmDir.create(name, SIZE, MapOption.UNLINK_ON_CLOSE)) {
            shm.writeAt(100, new byte[] {1, 2, 3});
            assertBehavesTruncated(shm, shm.path());
        }
        assertThat(shmDir.exists(name)).isFalse();
    }

    @Test
    void shouldKeepWorkingOnItsBytesWhenAnotherProcessGrowsTheFile() throws Exception {
        Path file = dir.resolve("grown.bin");
        try (MappedFile mapped = MappedFile.open(file, SIZE, READ, WRITE, CREATE_NEW)) {
            mapped.writeAt(100, new byte[] {1, 2, 3});
            ChildJvm.run(ShmPeer.class, "grow", file.toString(), Integer.toString(4 * SIZE));

            assertThat(mapped.size()).as("the mapping's size").isEqualTo(SIZE);
            assertThat(mapped.isTruncated()).isFalse();
            byte[] read = new byte[3];
            mapped.readFully(100, read);
            assertThat(read).containsExactly(1, 2, 3);
            mapped.writeAt(SIZE - 3, new byte[] {4, 5, 6});
            assertThat(mapped.readAt(SIZE, new byte[16], 0, 16)).as("a read at the mapping's end").isEqualTo(-1);
            try (MappedFile fresh = MappedFile.open(file)) {
                assertThat(fresh.size()).isEqualTo(4L * SIZE);
                assertThat(fresh.readAt(SIZE - 3)).isEqualTo(4);
                assertThat(fresh.readAt(4L * SIZE - 1)).isEqualTo(7);
            }
        }
    }

    private static void assertBehavesTruncated(MappedRegion region, Path file) throws Exception {
        warmUp(region);
        assertThat(region.isTruncated()).isFalse();
        ChildJvm.run(ShmPeer.class, "truncate", file.toString(), Integer.toString(KEPT));
        assertThat(region.isTruncated()).as("asked after the other process truncated the file").isTrue();

        long pastEnd = SIZE - 4096;
        assertThatThrownBy(() -> region.readAt(pastEnd, new byte[16])).isInstanceOf(TruncatedMappingException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("truncated")
                .hasMessageContaining("now " + KEPT + " bytes");
        assertThatThrownBy(() -> region.writeAt(pastEnd, new byte[16]))
                .isInstanceOf(TruncatedMappingException.class).hasMessageContaining(file.toString());
        assertThatThrownBy(() -> region.readAt(pastEnd)).isInstanceOf(TruncatedMappingException.class);
        assertThatThrownBy(() -> region.writeAt(pastEnd, 1)).isInstanceOf(TruncatedMappingException.class);
        assertThatThrownBy(() -> region.readAt(pastEnd, ByteBuffer.allocateDirect(64)))
                .isInstanceOf(TruncatedMappingException.class);
        assertThatThrownBy(() -> region.readAt(pastEnd, MemorySegment.ofArray(new long[8])))
                .isInstanceOf(TruncatedMappingException.class);
        assertThatThrownBy(() -> region.readAt(KEPT - 8, new byte[4096]))
                .as("a read that starts inside and ends outside").isInstanceOf(TruncatedMappingException.class);

        byte[] kept = new byte[3];
        region.readFully(100, kept);
        assertThat(kept).as("bytes below the new end are intact").containsExactly(1, 2, 3);
        assertThat(region.isOpen()).isTrue();
    }

    /** Runs every access path often enough for the JIT to compile it, so the test covers compiled code too. */
    private static void warmUp(MappedRegion region) throws Exception {
        byte[] bytes = new byte[16];
        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        MemorySegment longs = MemorySegment.ofArray(new long[8]);
        for (int i = 0; i < 30_000; i++) {
            long at = 4096 + (i & 1023);
            region.readAt(at, bytes);
            region.writeAt(at, bytes);
            region.readAt(at);
            region.writeAt(at, 0);
            region.readAt(at, direct.clear());
            region.readAt(at, longs);
        }
    }
}
