package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mappings past the 2 GiB that {@code MappedByteBuffer} cannot reach. */
class LargeMappingTest {

    private static final long SIX_GIB = 6L << 30;
    private static final long FIVE_GIB = 5L << 30;

    @TempDir
    Path dir;

    @Test
    void shouldReadAndWriteAboveFourGibInASparseSixGibFile() throws Exception {
        Path file = dir.resolve("sparse.bin");
        byte[] message = "beyond four gibibytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long[] offsets = {(4L << 30) + 1, FIVE_GIB, SIX_GIB - 4096};
        try (MappedFile mapped = MappedFile.open(file, SIX_GIB, READ, WRITE, CREATE_NEW)) {
            assertThat(mapped.size()).isEqualTo(SIX_GIB);
            for (long offset : offsets) {
                mapped.writeAt(offset, message);
            }
            mapped.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, FIVE_GIB + 100, Long.MIN_VALUE + 7);
            mapped.position(SIX_GIB - 1);
            mapped.write(0x5A);
            mapped.force();
        }
        assertThat(Files.size(file)).isEqualTo(SIX_GIB);
        try (MappedFile mapped = MappedFile.open(file)) {
            for (long offset : offsets) {
                byte[] read = new byte[message.length];
                mapped.readFully(offset, read);
                assertThat(read).isEqualTo(message);
            }
            assertThat(mapped.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, FIVE_GIB + 100))
                    .isEqualTo(Long.MIN_VALUE + 7);
            assertThat(mapped.readAt(SIX_GIB - 1)).isEqualTo(0x5A);
            assertThat(mapped.readAt(SIX_GIB)).isEqualTo(-1);
            assertThat(mapped.readAt(3L << 30)).as("a hole reads as zero").isZero();
        }
    }
}
