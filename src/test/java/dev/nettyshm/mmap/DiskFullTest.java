package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.testing.SmallTmpfs;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mappings on a file system that fills up: a tmpfs of {@value #FILE_SYSTEM_BYTES} bytes mounted for the test
 * (skipped, saying why, where the machine does not allow a mount). Growth that finds no space, and a sparse page
 * that finds none on first write, each end in an exception naming the file, with the bytes written before intact
 * and the JVM alive.
 */
class DiskFullTest {

    private static final int FILE_SYSTEM_BYTES = 1 << 20;
    private static final int CHUNK = 64 * 1024;
    private static SmallTmpfs fileSystem;
    private static Path mount;

    @BeforeAll
    static void mountSmallFileSystem() throws Exception {
        fileSystem = SmallTmpfs.mountOrAbort(FILE_SYSTEM_BYTES);
        mount = fileSystem.path();
    }

    @AfterAll
    static void unmount() throws Exception {
        if (fileSystem != null) {
            fileSystem.close();
        }
    }

    @AfterEach
    void emptyFileSystem() throws IOException {
        fileSystem.empty();
    }

    @Test
    void shouldNameTheFileWhenAGrowableMappingFindsNoSpaceAndKeepWhatWasWritten() throws Exception {
        Path path = mount.resolve("growing.bin");
        try (MappedFile file = MappedFile.open(path, Set.of(READ, WRITE, CREATE, MapOption.GROWABLE))) {
            Filled filled = fillUntilFailure(file, 2L * FILE_SYSTEM_BYTES);
            assertThat(filled.failure()).as("the file system is smaller than what was written")
                    .isInstanceOfAny(FileSystemException.class, TruncatedMappingException.class)
                    .hasMessageContaining(path.toString());
            assertThat(filled.written()).isPositive();
            assertEveryChunkIntact(file, filled.written());
        }
    }

    @Test
    void shouldNameTheFileWhenAMappingCannotGrowItsFileAtAll() throws Exception {
        Path path = mount.resolve("too-big.bin");
        try (MappedFile filler = MappedFile.open(mount.resolve("filler.bin"), FILE_SYSTEM_BYTES, READ, WRITE, CREATE)) {
            fillUntilFailure(filler, filler.size());
            assertThatThrownBy(() -> MappedFile.open(path, 4L * FILE_SYSTEM_BYTES, READ, WRITE, CREATE))
                    .isInstanceOf(FileSystemException.class)
                    .hasMessageContaining(path.toString())
                    .hasMessageContaining("cannot grow the file");
        }
    }

    @Test
    void shouldNameTheFileWhenASparsePageFindsTheFileSystemFull() throws Exception {
        Path path = mount.resolve("sparse.bin");
        try (MappedFile file = MappedFile.open(path, 4L * FILE_SYSTEM_BYTES, READ, WRITE, CREATE)) {
            Filled filled = fillUntilFailure(file, file.size());
            assertThat(filled.failure()).as("the file system filled before the mapping")
                    .isInstanceOf(TruncatedMappingException.class)
                    .hasMessageContaining(path.toString())
                    .hasMessageContaining("file system is full");
            assertThat(filled.written()).isPositive().isLessThan(file.size());
            assertEveryChunkIntact(file, filled.written());
        }
    }

    /** How far {@link #fillUntilFailure} got, and what stopped it. */
    private record Filled(long written, IOException failure) {
    }

    /** Writes chunk {@code i}, every byte {@code (byte) i}, at {@code i * CHUNK} until a write fails or at limit. */
    private static Filled fillUntilFailure(MappedFile file, long limit) {
        byte[] chunk = new byte[CHUNK];
        long written = 0;
        for (int i = 0; written < limit; i++) {
            Arrays.fill(chunk, (byte) i);
            try {
                file.writeAt(written, chunk, 0, chunk.length);
            } catch (IOException e) {
                return new Filled(written, e);
            }
            written += chunk.length;
        }
        return new Filled(written, null);
    }

    private static void assertEveryChunkIntact(MappedFile file, long written) throws IOException {
        byte[] read = new byte[CHUNK];
        byte[] expected = new byte[CHUNK];
        for (long at = 0; at < written; at += CHUNK) {
            file.readFully(at, read);
            Arrays.fill(expected, (byte) (at / CHUNK));
            assertThat(read).as("chunk %d", at / CHUNK).isEqualTo(expected);
        }
    }
}
