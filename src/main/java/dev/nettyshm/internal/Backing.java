package dev.nettyshm.internal;

import java.io.IOException;

/**
 * How a part of a sparse segment gets storage before its first use. A page first touched when its file system is
 * full faults in the toucher's thread — an event loop, or a user's thread filling a buffer; backing it beforehand
 * turns that into an {@link IOException} its caller can act on: a pool falls back to a copy, a ring stays as large
 * as it is.
 */
@FunctionalInterface
public interface Backing {

    /**
     * Backs the {@code length} bytes at {@code offset} of the memory this backing was made for.
     *
     * @throws IOException if the file system has no room for them, or its file cannot be written
     */
    void reserve(long offset, long length) throws IOException;

    /** For memory that is backed already, or never sparse. */
    Backing NONE = (offset, length) -> { };
}
