package dev.nettyshm.mmap;

import java.io.Serial;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;

/** A call on a closed region; a {@link ClosedChannelException} that names the file. */
final class ClosedRegionException extends ClosedChannelException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String path;

    ClosedRegionException(Path path) {
        this.path = path.toString();
    }

    @Override
    public String getMessage() {
        return path + ": the mapping is closed";
    }
}
