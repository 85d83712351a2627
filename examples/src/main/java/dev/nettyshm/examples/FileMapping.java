package dev.nettyshm.examples;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.nettyshm.mmap.MappedFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Files mapped into memory with {@link MappedFile}, in three steps: a text file mapped read-only, whose reads end
 * with {@code -1} and whose writes are refused; a 1 MiB file written through a read-write mapping, forced to the disk
 * and read back through a second, read-only mapping of the same file; and a 6 GiB sparse file written at offsets
 * past 2 GiB — out of a {@code MappedByteBuffer}'s reach — and read back, with the bytes its file system allocated
 * to show that it costs almost no disk. A 64 MiB probe first checks that the file system keeps holes; where it does
 * not, or Linux cannot tell, the example says so and skips the big file rather than fill the disk. The files live in
 * a fresh directory under {@code java.io.tmpdir} (or {@code dir=…}), deleted at the end.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@example-files} (another directory:
 * {@code -Dexample.args="dir=/var/tmp"})
 */
public final class FileMapping {

    private static final long MIB = 1 << 20;
    private static final long GIB = 1L << 30;
    private static final long SPARSE_SIZE = 6 * GIB;
    private static final long PROBE_SIZE = 64 * MIB;

    private FileMapping() {
    }

    public static void main(String[] args) throws Exception {
        ExampleArgs options = new ExampleArgs(args, "dir");
        Path dir = Files.createTempDirectory(Path.of(options.text("dir", System.getProperty("java.io.tmpdir"))),
                "file-mapping-");
        try {
            readOnly(dir.resolve("hello.txt"));
            readWriteThenReadOnly(dir.resolve("records.bin"));
            sparse(dir);
        } finally {
            deleteAll(dir);
        }
        System.out.println("FileMapping done: everything read back as written; " + dir + " deleted");
    }

    private static void readOnly(Path file) throws IOException {
        Files.writeString(file, "Hello from a mapped file.\nA second line.\n", StandardCharsets.US_ASCII);
        try (MappedFile mapped = MappedFile.open(file)) {
            byte[] text = new byte[(int) mapped.size()];
            int read = mapped.read(text, 0, text.length);
            System.out.printf("1. %s mapped read-only (%d bytes): read %d bytes, the first line says '%s'%n",
                    file.getFileName(), mapped.size(), read,
                    new String(text, StandardCharsets.US_ASCII).lines().findFirst().orElseThrow());
            System.out.printf("   at the end a read returns %d; ", mapped.read(text, 0, 1));
            try {
                mapped.writeAt(0, 'h');
                throw new IllegalStateException("a read-only mapping took a write");
            } catch (NonWritableChannelException expected) {
                System.out.println("a write throws NonWritableChannelException");
            }
        }
    }

    private static void readWriteThenReadOnly(Path file) throws IOException {
        long longs = MIB / Long.BYTES;
        try (MappedFile writer = MappedFile.open(file, MIB, READ, WRITE, CREATE_NEW)) {
            MemorySegment memory = writer.segment();
            for (long i = 0; i < longs; i++) {
                memory.setAtIndex(ValueLayout.JAVA_LONG, i, valueAt(i));
            }
            writer.force();
            // A second mapping of the same file sees the same pages: no read() of the file, no copy.
            try (MappedFile reader = MappedFile.open(file)) {
                MemorySegment read = reader.segment();
                for (long i = 0; i < longs; i++) {
                    if (read.getAtIndex(ValueLayout.JAVA_LONG, i) != valueAt(i)) {
                        throw new IllegalStateException(file + ": long " + i + " reads back differently");
                    }
                }
            }
        }
        System.out.printf("2. %s mapped read-write: wrote %,d longs (%s), force()d them to the disk, and read"
                + " every one back through a read-only mapping of the same file%n", file.getFileName(), longs,
                bytes(MIB));
    }

    private static long valueAt(long index) {
        return index * 0x9E3779B97F4A7C15L;
    }

    private static void sparse(Path dir) throws IOException {
        Path probe = dir.resolve("probe.bin");
        OptionalLong probeAllocated;
        try (MappedFile _ = MappedFile.open(probe, PROBE_SIZE, READ, WRITE, CREATE_NEW)) {
            // Asked while the file is mapped: mapping it must not allocate it.
            probeAllocated = AllocatedBytes.of(probe);
        }
        Files.delete(probe);
        if (probeAllocated.isEmpty()) {
            System.out.printf("3. skipped: this platform does not tell how much of a file in %s is allocated, so"
                    + " the 6 GiB sparse file could cost 6 GiB of disk%n", dir.getParent());
            return;
        }
        if (probeAllocated.getAsLong() > PROBE_SIZE / 2) {
            System.out.printf("3. skipped: the file system of %s does not keep sparse files (a %s file holding"
                    + " one written byte took %s), so the 6 GiB file would fill 6 GiB of disk; choose another"
                    + " directory with -Dexample.args=\"dir=…\"%n", dir.getParent(), bytes(PROBE_SIZE),
                    bytes(probeAllocated.getAsLong()));
            return;
        }
        Path file = dir.resolve("sparse.bin");
        byte[] message = "past two gibibytes".getBytes(StandardCharsets.US_ASCII);
        // The first byte an int cannot address, one in the middle, and the file's last bytes.
        List<Long> offsets = List.of(2 * GIB, 4 * GIB + 7, SPARSE_SIZE - message.length);
        try (MappedFile mapped = MappedFile.open(file, SPARSE_SIZE, READ, WRITE, CREATE_NEW)) {
            for (long offset : offsets) {
                mapped.writeAt(offset, message);
            }
            mapped.force();
        }
        try (MappedFile mapped = MappedFile.open(file)) {
            byte[] read = new byte[message.length];
            for (long offset : offsets) {
                mapped.readFully(offset, read);
                if (!Arrays.equals(read, message)) {
                    throw new IllegalStateException(file + ": the message at " + offset + " reads back differently");
                }
            }
            if (mapped.readAt(3 * GIB) != 0) {
                throw new IllegalStateException(file + ": the hole at 3 GiB does not read as zero");
            }
            System.out.printf("3. %s: size %,d bytes (%s); wrote %d messages at offsets %s, force()d them, and"
                    + " read them back through a read-only mapping; a hole at 3 GiB reads as zero%n", file.getFileName(),
                    mapped.size(), bytes(mapped.size()), offsets.size(),
                    String.join(", ", offsets.stream().map(offset -> String.format("%,d", offset)).toList()));
        }
        System.out.printf("   the file system allocated %s to it: the file is sparse%n",
                bytes(AllocatedBytes.of(file).orElseThrow()));
    }

    private static String bytes(long count) {
        if (count >= GIB && count % GIB == 0) {
            return count / GIB + " GiB";
        }
        if (count >= MIB && count % MIB == 0) {
            return count / MIB + " MiB";
        }
        return count >= 1024 ? String.format("%.1f KiB", count / 1024.0) : count + " bytes";
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
