package dev.nettyshm.mmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Backs part of a sparse file with storage before anyone maps it in use. A page of a sparse file on a full tmpfs is
 * allocated on first touch, and when none is left the touch raises {@code SIGBUS}: the JVM's
 * {@link InternalError}, in whichever thread touched it. Writing the bytes through the file instead fails with
 * {@code ENOSPC}, an {@link IOException} that a caller can handle before it promises the memory to anyone.
 *
 * <p>Zeros are written rather than {@code fallocate(2)} called: the JDK gives no file descriptor to call it on, and
 * a write works on every file system. The free space is asked first, so that a reservation bound to fail does not
 * take the last pages it could get from whoever needs them next.
 */
final class SpaceReservation {

    private static final Map<Path, FileStore> STORES = new ConcurrentHashMap<>();
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    private SpaceReservation() {
    }

    /**
     * Writes zeros to the {@code length} bytes at {@code offset} of {@code channel}'s file.
     *
     * @throws FileSystemException naming {@code path}, the bytes asked for and the bytes free, if the file system
     *                             has no room for them
     */
    static void reserve(FileChannel channel, Path path, long offset, long length) throws IOException {
        long free = usableSpace(path);
        if (free >= 0 && free < length) {
            throw full(path, offset, length, free, null);
        }
        try {
            long done = 0;
            while (done < length) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) Math.min(zeros.capacity(), length - done));
                done += channel.write(zeros, offset + done);
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw full(path, offset, length, usableSpace(path), e);
        }
    }

    /** Bytes free for this process in {@code path}'s file system, or -1 if that cannot be asked. */
    static long usableSpace(Path path) {
        try {
            // The directory: a segment's own name may be gone already.
            Path directory = path.toAbsolutePath().getParent();
            return STORES.computeIfAbsent(directory == null ? path : directory, SpaceReservation::store)
                    .getUsableSpace();
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return -1;
        }
    }

    /**
     * The file store of a directory, found once: finding it reads the system's whole mount table, about 45 µs of each
     * connection's setup when it was asked every time; its free space is one {@code statvfs} call.
     */
    private static FileStore store(Path directory) {
        try {
            return Files.getFileStore(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileSystemException full(Path path, long offset, long length, long free, IOException cause) {
        String reason = "cannot back " + length + " bytes at offset " + offset + " with storage: "
                + (free >= 0 ? free + " bytes free in " + path.toAbsolutePath().getParent() : "no space")
                + (cause == null ? "" : " (" + cause.getMessage() + ")");
        FileSystemException e = new FileSystemException(path.toString(), null, reason);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
