package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A write would pass the end of a region that was not opened {@link MapOption#GROWABLE}. Nothing was written.
 */
public final class MappingOverflowException extends IOException {

    private final Path path;

    MappingOverflowException(Path path, long position, long length, long size) {
        super(path + ": write of " + length + " bytes at offset " + position + " passes the end of the mapping (size "
                + size + "); open it with MapOption.GROWABLE to let it grow");
        this.path = path;
    }

    /** The file of the region. */
    public Path path() {
        return path;
    }
}
