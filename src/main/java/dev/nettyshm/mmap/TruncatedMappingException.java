package dev.nettyshm.mmap;

import java.io.IOException;
import java.io.Serial;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The file under a live mapping became shorter than the mapping — another process truncated it, or its storage ran
 * out — and an access touched a page past its end. The access did not happen; the region stays open, and accesses
 * below the file's new end still work.
 */
public final class TruncatedMappingException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** A string: {@link Path} is not serializable. {@link #path()} rebuilds it on the default file system. */
    private final String path;

    TruncatedMappingException(Path path, long fileOffset, long length, long fileSize, Throwable cause) {
        super(path + ": access of " + length + " bytes at file offset " + fileOffset + " faulted: "
                + reason(fileOffset + length, fileSize), cause);
        this.path = path.toString();
    }

    /** For an access that faulted: asks the file's size now, to say why. */
    static TruncatedMappingException of(Path path, FileChannel channel, long fileOffset, long length,
            Throwable cause) {
        long fileSize;
        try {
            fileSize = channel.size();
        } catch (IOException e) {
            fileSize = -1;
        }
        return new TruncatedMappingException(path, fileOffset, length, fileSize, cause);
    }

    private static String reason(long end, long fileSize) {
        if (fileSize < 0) {
            return "the file is of unknown size now; it was truncated under the mapping or its storage is full";
        }
        if (end <= fileSize) {
            // A sparse range gets its blocks on first write: a full file system cannot give them.
            return "the file is " + fileSize + " bytes, long enough, so its storage could not provide the page:"
                    + " the file system is full";
        }
        return "the file is now " + fileSize + " bytes: it was truncated under the mapping";
    }

    /** The file under the mapping. */
    public Path path() {
        return Path.of(path);
    }
}
