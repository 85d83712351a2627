package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The file under a live mapping became shorter than the mapping — another process truncated it, or its storage ran
 * out — and an access touched a page past its end. The access did not happen; the region stays open, and accesses
 * below the file's new end still work.
 */
public final class TruncatedMappingException extends IOException {

    private final Path path;

    TruncatedMappingException(Path path, long fileOffset, long length, long fileSize, Throwable cause) {
        super(path + ": access of " + length + " bytes at file offset " + fileOffset
                + " touched a page past the end of the file, which is now " + (fileSize < 0 ? "of unknown size"
                : fileSize + " bytes") + ": it was truncated under the mapping (or its storage is full)", cause);
        this.path = path;
    }

    /** The file that was truncated. */
    public Path path() {
        return path;
    }
}
