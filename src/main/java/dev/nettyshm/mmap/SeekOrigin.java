package dev.nettyshm.mmap;

/** Where {@link MappedRegion#seek(long, SeekOrigin)} counts from, as {@code lseek}'s {@code whence}. */
public enum SeekOrigin {
    /** From offset 0. */
    START,
    /** From the current position. */
    CURRENT,
    /** From the mapped size. */
    END
}
