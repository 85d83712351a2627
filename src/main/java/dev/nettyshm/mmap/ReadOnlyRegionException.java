package dev.nettyshm.mmap;

import java.io.Serial;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;

/** A write to a read-only region; a {@link NonWritableChannelException} that names the file. */
final class ReadOnlyRegionException extends NonWritableChannelException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String path;

    ReadOnlyRegionException(Path path) {
        this.path = path.toString();
    }

    @Override
    public String getMessage() {
        return path + ": the mapping is read-only";
    }
}
