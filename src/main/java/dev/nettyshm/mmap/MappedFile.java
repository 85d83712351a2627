package dev.nettyshm.mmap;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * A file mapped into memory, whole or as a window of {@code offset} and {@code length}. Mappings may be larger than
 * 2 GiB, and {@link #close()} unmaps at once.
 *
 * <pre>{@code
 * try (MappedFile file = MappedFile.open(path)) {              // read-only, the whole file
 *     byte[] head = new byte[16];
 *     file.readAt(0, head);
 * }
 * try (MappedFile file = MappedFile.open(path, 1 << 20, READ, WRITE, CREATE)) {   // grown to 1 MiB
 *     file.writeAt(4096, bytes);
 *     file.force();
 * }
 * }</pre>
 *
 * <p>The {@link StandardOpenOption}s are those of {@link FileChannel#open}: {@code WRITE} maps read-write, without
 * it the mapping is read-only; {@code CREATE}, {@code CREATE_NEW}, {@code TRUNCATE_EXISTING}, {@code NOFOLLOW_LINKS},
 * {@code DELETE_ON_CLOSE} act on the file; {@code APPEND} is refused. {@link MapOption}s act on the mapping. Errors
 * are those of {@code FileChannel.open} ({@link java.nio.file.NoSuchFileException},
 * {@link java.nio.file.FileAlreadyExistsException}, {@link java.nio.file.AccessDeniedException}, each naming the
 * file) and of {@link MappedRegion}. Thread safety: see {@link MappedRegion}.
 */
public final class MappedFile extends MappedRegion {

    private final long offset;

    private MappedFile(Path path, FileChannel channel, long offset, long length, MapOptions options)
            throws IOException {
        super(path, channel, offset, length, options.writable(), options);
        this.offset = offset;
    }

    /** Maps the whole of an existing file read-only. */
    public static MappedFile open(Path path) throws IOException {
        return open(path, StandardOpenOption.READ);
    }

    /** Maps the whole file, opened with {@code options}. */
    public static MappedFile open(Path path, OpenOption... options) throws IOException {
        return whole(path, MapOptions.of(options));
    }

    /**
     * Maps the whole file, opened with {@code options}; {@code attributes} (such as
     * {@link java.nio.file.attribute.PosixFilePermissions#asFileAttribute}) apply when the file is created.
     */
    public static MappedFile open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
            throws IOException {
        return whole(path, MapOptions.of(options), attributes);
    }

    private static MappedFile whole(Path path, MapOptions parsed, FileAttribute<?>... attributes) throws IOException {
        return new MappedFile(path, FileChannel.open(path, parsed.fileOptions(), attributes), 0, WHOLE_FILE,
                parsed);
    }

    /**
     * Maps the first {@code size} bytes of the file, growing it to {@code size} first when it is shorter (which
     * needs {@code WRITE}).
     */
    public static MappedFile open(Path path, long size, OpenOption... options) throws IOException {
        return window(path, 0, size, MapOptions.of(options));
    }

    /**
     * Maps {@code length} bytes of the file from {@code offset}. A writable file shorter than
     * {@code offset + length} grows to it (sparsely, where the file system allows); a read-only one makes this throw
     * {@link EOFException}.
     *
     * @throws IllegalArgumentException if {@code offset} or {@code length} is negative
     */
    public static MappedFile window(Path path, long offset, long length, Set<? extends OpenOption> options,
            FileAttribute<?>... attributes) throws IOException {
        return window(path, offset, length, MapOptions.of(options), attributes);
    }

    private static MappedFile window(Path path, long offset, long length, MapOptions parsed,
            FileAttribute<?>... attributes) throws IOException {
        if (offset < 0 || length < 0 || offset + length < 0) {
            throw new IllegalArgumentException(path + ": bad window offset " + offset + " length " + length);
        }
        FileChannel channel = FileChannel.open(path, parsed.fileOptions(), attributes);
        try {
            long end = offset + length;
            if (channel.size() < end && !parsed.writable()) {
                throw new EOFException(path + ": window [" + offset + ", " + end + ") reaches past the end of"
                        + " the file (" + channel.size() + " bytes) and the file is opened read-only");
            }
            SparseExtension.extend(channel, path, end);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new MappedFile(path, channel, offset, length, parsed);
    }

    /** The offset in the file where this mapping starts; 0 unless a window. */
    public long offset() {
        return offset;
    }

    @Override
    public String toString() {
        return "MappedFile[" + path() + (offset == 0 ? "" : " @" + offset) + (isOpen() ? "" : ", closed") + "]";
    }
}
