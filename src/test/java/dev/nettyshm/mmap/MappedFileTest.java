package dev.nettyshm.mmap;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFileTest {

    @TempDir
    Path dir;

    private Path fileWith(String content) throws Exception {
        Path file = dir.resolve("data.bin");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void shouldReadWholeFileReadOnly() throws Exception {
        Path file = fileWith("Hello, World!");
        try (MappedFile mapped = MappedFile.open(file)) {
            byte[] dst = new byte[64];
            assertThat(mapped.size()).isEqualTo(13);
            assertThat(mapped.isWritable()).isFalse();
            assertThat(mapped.read(dst, 0, dst.length)).isEqualTo(13);
            assertThat(new String(dst, 0, 13, StandardCharsets.US_ASCII)).isEqualTo("Hello, World!");
            assertThat(mapped.read(dst, 0, dst.length)).isEqualTo(-1);
        }
    }

    @Test
    void shouldRefuseEveryWriteWhenReadOnlyAndLeaveTheFileAlone() throws Exception {
        Path file = fileWith("unchanged");
        try (MappedFile mapped = MappedFile.open(file)) {
            byte[] bytes = {1, 2, 3};
            assertThatThrownBy(() -> mapped.writeAt(0, bytes)).isInstanceOf(NonWritableChannelException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("read-only");
            assertThatThrownBy(() -> mapped.writeAt(0, ByteBuffer.wrap(bytes)))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.writeAt(0, MemorySegment.ofArray(bytes)))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.writeAt(0, 7)).isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.write(ByteBuffer.wrap(bytes)))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.write(1)).isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.outputStream().write(bytes))
                    .isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.truncate(1)).isInstanceOf(NonWritableChannelException.class);
            assertThatThrownBy(() -> mapped.buffer(0, 3).put((byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> mapped.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(mapped.position()).isZero();
        }
        assertThat(Files.readString(file)).isEqualTo("unchanged");
    }

    @Test
    void shouldHonourOpenOptionsAndPermissions() throws Exception {
        Path file = dir.resolve("new.bin");
        assertThatThrownBy(() -> MappedFile.open(file, READ)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(file.toString());

        try (MappedFile created = MappedFile.open(file, Set.of(READ, WRITE, CREATE_NEW, MapOption.GROWABLE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            assertThat(created.size()).isZero();
            created.writeAt(0, "abc".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).startsWith("abc");

        assertThatThrownBy(() -> MappedFile.open(file, WRITE, CREATE_NEW))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(file.toString());

        try (MappedFile truncated = MappedFile.open(file, WRITE, TRUNCATE_EXISTING)) {
            assertThat(truncated.size()).isZero();
        }
        try (MappedFile created = MappedFile.open(dir.resolve("other.bin"), 10, WRITE, CREATE)) {
            assertThat(created.size()).isEqualTo(10);
        }
        assertThatThrownBy(() -> MappedFile.open(file, WRITE, StandardOpenOption.APPEND))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("APPEND");
        assertThatThrownBy(() -> MappedFile.open(file, READ, MapOption.GROWABLE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GROWABLE needs WRITE");
    }

    @Test
    void shouldGrowFileToExplicitSize() throws Exception {
        Path file = fileWith("abc");
        try (MappedFile mapped = MappedFile.open(file, 1 << 20, READ, WRITE)) {
            assertThat(mapped.size()).isEqualTo(1 << 20);
            assertThat(mapped.readAt(0)).isEqualTo('a');
            assertThat(mapped.readAt((1 << 20) - 1)).isZero();
        }
        assertThat(Files.size(file)).isEqualTo(1 << 20);
    }

    @Test
    void shouldMapAWindowOfALargerFile() throws Exception {
        Path file = dir.resolve("window.bin");
        byte[] content = new byte[100_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) i;
        }
        Files.write(file, content);
        try (MappedFile window = MappedFile.window(file, 8192, 4096, Set.of(READ, WRITE))) {
            assertThat(window.offset()).isEqualTo(8192);
            assertThat(window.size()).isEqualTo(4096);
            assertThat(window.readAt(0)).isEqualTo(8192 & 0xFF);
            assertThat(window.readAt(4095)).isEqualTo((8192 + 4095) & 0xFF);
            assertThat(window.readAt(4096)).isEqualTo(-1);
            window.writeAt(1, 0x7F);
            assertThatThrownBy(() -> window.writeAt(4096, 1)).isInstanceOf(MappingOverflowException.class);
            assertThatThrownBy(() -> window.truncate(10)).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThat(Files.readAllBytes(file)[8193]).isEqualTo((byte) 0x7F);
        assertThat(Files.size(file)).isEqualTo(100_000);
        assertThatThrownBy(() -> MappedFile.window(file, 99_000, 2_000, Set.of(READ)))
                .isInstanceOf(EOFException.class).hasMessageContaining(file.toString());
    }

    @Test
    void shouldReadAndWriteAtPositionsWithEveryKindOfBuffer() throws Exception {
        try (MappedFile mapped = MappedFile.open(dir.resolve("pos.bin"), 64, READ, WRITE, CREATE);
                Arena arena = Arena.ofConfined()) {
            mapped.writeAt(0, new byte[] {9, 1, 2, 3, 9}, 1, 3);
            mapped.writeAt(3, ByteBuffer.wrap(new byte[] {4, 5}));
            ByteBuffer direct = ByteBuffer.allocateDirect(2).put((byte) 6).put((byte) 7).flip();
            mapped.writeAt(5, direct);
            assertThat(direct.hasRemaining()).isFalse();
            MemorySegment native8 = arena.allocate(1).fill((byte) 8);
            assertThat(mapped.writeAt(7, native8)).isEqualTo(1);

            byte[] array = new byte[8];
            assertThat(mapped.readAt(0, array)).isEqualTo(8);
            assertThat(array).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            ByteBuffer heap = ByteBuffer.allocate(3);
            assertThat(mapped.readAt(2, heap)).isEqualTo(3);
            assertThat(heap.flip()).isEqualTo(ByteBuffer.wrap(new byte[] {3, 4, 5}));
            MemorySegment dst = arena.allocate(4);
            assertThat(mapped.readAt(4, dst)).isEqualTo(4);
            assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(5, 6, 7, 8);
            assertThat(mapped.readAt(5)).isEqualTo(6);

            assertThat(mapped.readAt(60, new byte[10])).as("a read that straddles the end").isEqualTo(4);
            assertThat(mapped.readAt(64, new byte[10])).as("a read at the end").isEqualTo(-1);
            assertThat(mapped.readAt(1000, ByteBuffer.allocate(1))).isEqualTo(-1);
            assertThat(mapped.readAt(64)).isEqualTo(-1);
            assertThatThrownBy(() -> mapped.readFully(60, new byte[10])).isInstanceOf(EOFException.class)
                    .hasMessageContaining("offset 60").hasMessageContaining("size 64");
            assertThatThrownBy(() -> mapped.readAt(-1, new byte[1])).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> mapped.readAt(0, ByteBuffer.allocate(1).asReadOnlyBuffer()))
                    .isInstanceOf(ReadOnlyBufferException.class);
        }
    }

    @Test
    void shouldRefuseAWritePastTheEndNamingOffsetAndSizeAndWriteNothing() throws Exception {
        Path file = dir.resolve("fixed.bin");
        try (MappedFile mapped = MappedFile.open(file, 16, READ, WRITE, CREATE)) {
            assertThatThrownBy(() -> mapped.writeAt(10, new byte[] {1, 1, 1, 1, 1, 1, 1}))
                    .isInstanceOf(MappingOverflowException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("7 bytes at offset 10")
                    .hasMessageContaining("size 16");
            assertThat(mapped.readAt(10, new byte[6])).isEqualTo(6);
            byte[] tail = new byte[6];
            mapped.readAt(10, tail);
            assertThat(tail).containsOnly(0);
            assertThatThrownBy(() -> mapped.position(16).write(1)).isInstanceOf(MappingOverflowException.class);
        }
        assertThat(Files.size(file)).isEqualTo(16);
    }

    @Test
    void shouldGrowAGrowableMappingOnAWritePastTheEnd() throws Exception {
        Path file = dir.resolve("growable.bin");
        try (MappedFile mapped = MappedFile.window(file, 0, 4096, Set.of(READ, WRITE, CREATE, MapOption.GROWABLE))) {
            assertThat(mapped.isGrowable()).isTrue();
            MemorySegment before = mapped.segment();
            mapped.writeAt(10_000, new byte[] {42});
            assertThat(mapped.size()).isGreaterThanOrEqualTo(10_001).isEqualTo(12_288);
            assertThat(mapped.readAt(10_000)).isEqualTo(42);
            assertThatThrownBy(() -> before.get(ValueLayout.JAVA_BYTE, 0))
                    .as("segments from before the growth are invalid")
                    .isInstanceOf(IllegalStateException.class);
            mapped.position(mapped.size());
            mapped.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThat(mapped.size()).isEqualTo(24_576);
        }
        assertThat(Files.size(file)).isEqualTo(24_576);
    }

    @Test
    void shouldSeekFromStartCurrentAndEnd() throws Exception {
        try (MappedFile mapped = MappedFile.open(fileWith("0123456789"), READ)) {
            assertThat(mapped.seek(3, SeekOrigin.START)).isEqualTo(3);
            assertThat(mapped.read()).isEqualTo('3');
            assertThat(mapped.seek(2, SeekOrigin.CURRENT)).isEqualTo(6);
            assertThat(mapped.read()).isEqualTo('6');
            assertThat(mapped.seek(-1, SeekOrigin.END)).isEqualTo(9);
            assertThat(mapped.read()).isEqualTo('9');
            assertThat(mapped.read()).isEqualTo(-1);
            assertThat(mapped.seek(5, SeekOrigin.END)).isEqualTo(15);
            assertThat(mapped.read(ByteBuffer.allocate(4))).isEqualTo(-1);
            assertThatThrownBy(() -> mapped.seek(-11, SeekOrigin.END))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(mapped.position()).isEqualTo(15);
        }
    }

    @Test
    void shouldWriteAndReadThroughTheSequentialChannelAndStreams() throws Exception {
        Path file = dir.resolve("stream.bin");
        try (MappedFile mapped = MappedFile.open(file, 32, READ, WRITE, CREATE)) {
            OutputStream out = mapped.outputStream();
            out.write('a');
            out.write("bcd".getBytes(StandardCharsets.US_ASCII));
            assertThat(mapped.write(ByteBuffer.wrap("ef".getBytes(StandardCharsets.US_ASCII)))).isEqualTo(2);
            mapped.write('g');
            assertThat(mapped.position()).isEqualTo(7);

            mapped.position(0);
            InputStream in = mapped.inputStream();
            assertThat(in.available()).isEqualTo(32);
            assertThat(in.read()).isEqualTo('a');
            assertThat(in.skip(2)).isEqualTo(2);
            byte[] rest = new byte[4];
            assertThat(in.read(rest)).isEqualTo(4);
            assertThat(new String(rest, StandardCharsets.US_ASCII)).isEqualTo("defg");
            assertThat(in.skip(100)).isEqualTo(25);
            assertThat(in.read()).isEqualTo(-1);
            in.close();
            assertThat(mapped.isOpen()).as("closing a stream view closes the region").isFalse();
        }
    }

    @Test
    void shouldGiveZeroCopyAccessThroughTheSegment() throws Exception {
        Path file = dir.resolve("segment.bin");
        try (MappedFile mapped = MappedFile.open(file, 4096, READ, WRITE, CREATE)) {
            MemorySegment segment = mapped.segment();
            assertThat(segment.isMapped()).isTrue();
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 100, 0x0102030405060708L);
            assertThat(mapped.buffer(100, 8).order(ByteOrder.nativeOrder()).getLong()).isEqualTo(0x0102030405060708L);
            mapped.force();
        }
        try (MappedFile again = MappedFile.open(file)) {
            assertThat(again.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 100)).isEqualTo(0x0102030405060708L);
        }
    }

    @Test
    void shouldTruncateFileAndMapping() throws Exception {
        Path file = dir.resolve("shrink.bin");
        try (MappedFile mapped = MappedFile.open(file, 8192, READ, WRITE, CREATE)) {
            mapped.position(8000);
            mapped.truncate(9000);
            assertThat(mapped.size()).as("a larger size changes nothing").isEqualTo(8192);
            mapped.truncate(100);
            assertThat(mapped.size()).isEqualTo(100);
            assertThat(mapped.position()).isEqualTo(100);
            assertThat(mapped.readAt(99)).isZero();
            assertThat(mapped.readAt(100)).isEqualTo(-1);
        }
        assertThat(Files.size(file)).isEqualTo(100);
    }

    @Test
    void shouldThrowClosedChannelExceptionFromEveryCallAfterCloseAndCloseTwice() throws Exception {
        MappedFile mapped = MappedFile.open(dir.resolve("closed.bin"), 64, READ, WRITE, CREATE);
        MemorySegment segment = mapped.segment();
        mapped.close();
        mapped.close();
        assertThat(mapped.isOpen()).isFalse();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        List<ThrowingCallable> calls = List.of(
                mapped::size, mapped::segment, () -> mapped.buffer(0, 1), mapped::position,
                () -> mapped.position(1), () -> mapped.seek(0, SeekOrigin.END), mapped::read,
                () -> mapped.read(ByteBuffer.allocate(1)), () -> mapped.read(new byte[1], 0, 1),
                () -> mapped.write(1), () -> mapped.write(ByteBuffer.allocate(1)),
                () -> mapped.write(new byte[1], 0, 1), () -> mapped.readAt(0), () -> mapped.readAt(0, new byte[1]),
                () -> mapped.readAt(0, ByteBuffer.allocate(1)), () -> mapped.readAt(0, MemorySegment.ofArray(new byte[1])),
                () -> mapped.readFully(0, new byte[1]), () -> mapped.writeAt(0, 1),
                () -> mapped.writeAt(0, new byte[1]), () -> mapped.writeAt(0, ByteBuffer.allocate(1)),
                () -> mapped.writeAt(0, MemorySegment.ofArray(new byte[1])), () -> mapped.truncate(0),
                mapped::force, () -> mapped.inputStream().read(), () -> mapped.outputStream().write(1));
        for (ThrowingCallable call : calls) {
            assertThatThrownBy(call).isInstanceOf(ClosedChannelException.class).hasMessageContaining("closed.bin");
        }
    }
}
