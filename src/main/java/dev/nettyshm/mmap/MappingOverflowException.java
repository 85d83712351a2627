package dev.nettyshm.mmap;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A write would pass the end of a region that was not opened {@link MapOption#GROWABLE}. Nothing was written.
 */
public final class MappingOverflowException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** A string: {@link Path} is not serializable. {@link #path()} rebuilds it on the default file system. */
    private final String path;

    MappingOverflowException(Path path, long position, long length, long size) {
        super(path + ": write of " + length + " bytes at offset " + position + " passes the end of the mapping (size "
                + size + "); open it with MapOption.GROWABLE to let it grow");
        this.path = path.toString();
    }

    /** The file of the region. */
    public Path path() {
        return Path.of(path);
    }
}
