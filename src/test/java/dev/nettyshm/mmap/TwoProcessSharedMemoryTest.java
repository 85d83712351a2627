package dev.nettyshm.mmap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.testing.ChildJvm;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A second JVM writes a pattern into a segment, by name and by id, and this one checks every byte; then back. */
class TwoProcessSharedMemoryTest {

    private static final long SIZE = 4L << 20;

    @ParameterizedTest
    @MethodSource("dev.nettyshm.mmap.SharedMemoryTest#directories")
    void shouldSeeEveryByteAnotherProcessWroteByName(String kind) throws Exception {
        SharedMemoryDirectory dir = SharedMemoryTest.directory(kind);
        String name = "two-process-" + UUID.randomUUID();
        try (SharedMemory shm = dir.create(name, SIZE, MapOption.UNLINK_ON_CLOSE)) {
            ChildJvm.run(ShmPeer.class, "fill-name", dir.path().toString(), name, "11");
            assertThat(Pattern.firstMismatch(shm, 11)).isEqualTo(-1);

            Pattern.fill(shm, 22);
            ChildJvm.run(ShmPeer.class, "check-name", dir.path().toString(), name, "22");
        }
        assertThat(dir.exists(name)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.nettyshm.mmap.SharedMemoryTest#directories")
    void shouldSeeEveryByteAnotherProcessWroteById(String kind) throws Exception {
        SharedMemoryDirectory dir = SharedMemoryTest.directory(kind);
        try (SharedMemory shm = dir.create(SIZE, MapOption.UNLINK_ON_CLOSE)) {
            String id = Long.toString(shm.id().orElseThrow());
            ChildJvm.run(ShmPeer.class, "fill-id", dir.path().toString(), id, "33");
            assertThat(Pattern.firstMismatch(shm, 33)).isEqualTo(-1);

            Pattern.fill(shm, 44);
            ChildJvm.run(ShmPeer.class, "check-name", dir.path().toString(), shm.name(), "44");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.nettyshm.mmap.SharedMemoryTest#directories")
    void shouldFailTheCheckWhenTheBytesDiffer(String kind) throws Exception {
        SharedMemoryDirectory dir = SharedMemoryTest.directory(kind);
        try (SharedMemory shm = dir.create(SIZE, MapOption.UNLINK_ON_CLOSE)) {
            Pattern.fill(shm, 55);
            shm.writeAt(SIZE / 2, ~Pattern.at(55, SIZE / 2));
            ChildJvm child = ChildJvm.start(ShmPeer.class, "check-name", dir.path().toString(), shm.name(), "55");
            assertThat(child.waitFor(60)).as("the checker must notice one wrong byte").isEqualTo(3);
            assertThat(child.output()).contains("mismatch at " + SIZE / 2);
        }
    }
}
