package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Grows a file to a size by writing its last byte: sparse, so nothing before it is touched, and tmpfs or a disk
 * allocates the pages between only when they are first written. The JDK's own extension in
 * {@code FileChannel.map} would allocate them all at once.
 */
final class SparseExtension {

    private SparseExtension() {
    }

    /**
     * Grows {@code channel}'s file to {@code size} bytes if it is shorter.
     *
     * @throws FileSystemException naming {@code path} if the file cannot grow — a full file system, say; the JDK's
     *                             own message names no file
     */
    static void extend(FileChannel channel, Path path, long size) throws IOException {
        try {
            if (channel.size() < size) {
                channel.write(ByteBuffer.allocate(1), size - 1);
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            FileSystemException named = new FileSystemException(path.toString(), null,
                    "cannot grow the file to " + size + " bytes: " + e.getMessage());
            named.initCause(e);
            throw named;
        }
    }
}
