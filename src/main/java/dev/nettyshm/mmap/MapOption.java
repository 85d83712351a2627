package dev.nettyshm.mmap;

import java.nio.file.OpenOption;

/**
 * Options of a mapping, given beside the {@link java.nio.file.StandardOpenOption}s of {@link MappedFile} and
 * {@link SharedMemory}.
 */
public enum MapOption implements OpenOption {
    /**
     * A write past the end grows the file and the mapping (to at least twice the old size, whole pages) instead of
     * throwing {@link MappingOverflowException}. Growing unmaps the old memory: segments and buffers taken from the
     * region before become invalid. Needs {@code WRITE}.
     */
    GROWABLE,
    /**
     * {@link MappedRegion#close()} removes the file. For shared memory this frees the memory once every process has
     * unmapped it.
     */
    UNLINK_ON_CLOSE
}
