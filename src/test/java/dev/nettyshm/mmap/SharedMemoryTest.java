package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.READ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.testing.ChildJvm;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Named shared memory, in {@code /dev/shm} and in the portable fallback directory alike. */
class SharedMemoryTest {

    private final List<Runnable> cleanup = new ArrayList<>();

    static Stream<Arguments> directories() {
        List<Arguments> dirs = new ArrayList<>();
        if (Files.isDirectory(Path.of("/dev/shm"))) {
            dirs.add(Arguments.of("dev-shm"));
        }
        dirs.add(Arguments.of("fallback"));
        return dirs.stream();
    }

    static SharedMemoryDirectory directory(String kind) throws Exception {
        return kind.equals("fallback") ? SharedMemoryDirectory.fallback() : SharedMemoryDirectory.of(Path.of("/dev/shm"));
    }

    private String uniqueName(SharedMemoryDirectory dir) {
        String name = "shm-test-" + UUID.randomUUID();
        cleanup.add(() -> {
            try {
                dir.unlink(name);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return name;
    }

    @AfterEach
    void unlinkEverything() {
        cleanup.forEach(Runnable::run);
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldCreateOwnerOnlyAndRefuseAnExistingName(String kind) throws Exception {
        SharedMemoryDirectory dir = directory(kind);
        String name = uniqueName(dir);
        try (SharedMemory shm = dir.create(name, 4096)) {
            assertThat(shm.name()).isEqualTo(name);
            assertThat(shm.path()).isEqualTo(dir.path().resolve(name));
            assertThat(shm.size()).isEqualTo(4096);
            assertThat(shm.id()).isEmpty();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shm.path())))
                    .isEqualTo("rw-------");
            assertThatThrownBy(() -> dir.create(name, 4096)).isInstanceOf(FileAlreadyExistsException.class)
                    .hasMessageContaining(name);
        }
        assertThat(dir.exists(name)).as("a segment outlives its creator's close").isTrue();
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldOpenWithTheSegmentsOwnSize(String kind) throws Exception {
        SharedMemoryDirectory dir = directory(kind);
        String name = uniqueName(dir);
        try (SharedMemory writer = dir.create(name, 12_345)) {
            writer.writeAt(12_344, 99);
            try (SharedMemory reader = dir.open(name)) {
                assertThat(reader.size()).isEqualTo(12_345);
                assertThat(reader.readAt(12_344)).isEqualTo(99);
                reader.writeAt(0, 1);
                assertThat(writer.readAt(0)).as("both mappings are the same memory").isEqualTo(1);
            }
            try (SharedMemory readOnly = dir.open(name, READ)) {
                assertThat(readOnly.isWritable()).isFalse();
                assertThatThrownBy(() -> readOnly.writeAt(0, 1)).isInstanceOf(NonWritableChannelException.class);
            }
        }
        assertThatThrownBy(() -> dir.open("no-such-segment-" + UUID.randomUUID()))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("no-such-segment-");
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldOpenOrCreate(String kind) throws Exception {
        SharedMemoryDirectory dir = directory(kind);
        String name = uniqueName(dir);
        try (SharedMemory first = dir.openOrCreate(name, 1024); SharedMemory second = dir.openOrCreate(name, 1024)) {
            first.writeAt(7, 7);
            assertThat(second.readAt(7)).isEqualTo(7);
        }
        try (SharedMemory larger = dir.openOrCreate(name, 2048)) {
            assertThat(larger.size()).as("a shorter existing segment grows").isEqualTo(2048);
            assertThat(larger.readAt(7)).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldCreateUnderAGeneratedIdAndOpenById(String kind) throws Exception {
        SharedMemoryDirectory dir = directory(kind);
        try (SharedMemory created = dir.create(256, MapOption.UNLINK_ON_CLOSE)) {
            assertThat(created.id()).isPresent();
            long id = created.id().getAsLong();
            try (SharedMemory opened = dir.open(id)) {
                assertThat(opened.path()).isEqualTo(created.path());
                assertThat(opened.id()).hasValue(id);
            }
            try (SharedMemory another = dir.create(256, MapOption.UNLINK_ON_CLOSE)) {
                assertThat(another.id()).isNotEqualTo(created.id());
            }
            assertThat(dir.exists(created.name())).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldUnlinkWhileMappingsStayValid(String kind) throws Exception {
        SharedMemoryDirectory dir = directory(kind);
        String name = uniqueName(dir);
        try (SharedMemory shm = dir.create(name, 64); SharedMemory other = dir.open(name)) {
            assertThat(shm.unlink()).isTrue();
            assertThat(dir.exists(name)).isFalse();
            assertThat(dir.unlink(name)).isFalse();
            shm.writeAt(3, 33);
            assertThat(other.readAt(3)).isEqualTo(33);
        }
        String onClose = uniqueName(dir);
        SharedMemory temporary = dir.create(onClose, 64, MapOption.UNLINK_ON_CLOSE);
        assertThat(dir.exists(onClose)).isTrue();
        temporary.close();
        assertThat(dir.exists(onClose)).isFalse();
    }

    @Test
    void shouldUseTheDirectoryNamedByTheSystemProperty(@TempDir Path custom) throws Exception {
        String printed = ChildJvm.run(List.of("-D" + SharedMemoryDirectory.DIRECTORY_PROPERTY + "=" + custom),
                ShmPeer.class, "print-system-dir");
        assertThat(printed.strip()).isEqualTo(custom.toString());
        if (Files.isDirectory(Path.of("/dev/shm"))) {
            assertThat(ChildJvm.run(ShmPeer.class, "print-system-dir").strip()).isEqualTo("/dev/shm");
        }
    }

    @Test
    void shouldPlaceTheFallbackOwnerOnlyUnderTheTemporaryDirectory() throws Exception {
        SharedMemoryDirectory fallback = SharedMemoryDirectory.fallback();
        assertThat(fallback.path().getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fallback.path())))
                .isEqualTo("rwx------");
    }

    @Test
    void shouldRefuseSymbolicLinksPlantedUnderAName(@TempDir Path dir) throws Exception {
        Path target = Files.writeString(dir.resolve("target"), "secret");
        SharedMemoryDirectory shmDir = SharedMemoryDirectory.of(dir.resolve("segments"));
        Files.createSymbolicLink(shmDir.path().resolve("planted"), target);
        assertThatThrownBy(() -> shmDir.open("planted")).isInstanceOf(java.io.IOException.class);
        assertThat(Files.readString(target)).isEqualTo("secret");
    }
}
