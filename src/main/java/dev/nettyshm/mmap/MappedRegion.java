package dev.nettyshm.mmap;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A region of a file or of named shared memory, mapped into this process with the FFM API.
 *
 * <p>The two kinds, {@link MappedFile} and {@link SharedMemory}, share this type so that code works on either. A
 * region offers three ways in:
 * <ul>
 *   <li><b>positional</b> {@code readAt}/{@code writeAt} for {@code byte[]}, {@link ByteBuffer} and
 *       {@link MemorySegment} — the fast path, one bounds check and one copy;</li>
 *   <li><b>sequential</b> {@link #read(ByteBuffer)}/{@link #write(ByteBuffer)}, single bytes, {@link #position()}
 *       and {@link #seek(long, SeekOrigin)}, as a {@link SeekableByteChannel}, plus {@link #inputStream()} and
 *       {@link #outputStream()} views;</li>
 *   <li><b>zero-copy</b> {@link #segment()}, the mapped memory itself.</li>
 * </ul>
 *
 * <h2>End of data and writes past the end</h2>
 * The mapped size is the end. A read at or past it returns {@code -1} ({@code readFully} throws
 * {@link EOFException}); a read that straddles it returns the bytes before it. A write past the end grows the file
 * and the mapping when the region was opened with {@link MapOption#GROWABLE}, and otherwise throws
 * {@link MappingOverflowException} naming the offset, the length and the size; nothing is written then.
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. Positional methods keep no state and run concurrently without locks;
 * the sequential methods share one position and serialise on it. {@link #close()} may race any other call: a call
 * that loses the race throws {@link ClosedChannelException} and never touches unmapped memory. The memory itself is
 * not synchronised: two threads (or processes) writing the same bytes need their own protocol.
 *
 * <h2>Errors</h2>
 * Every call on a closed region throws {@link ClosedChannelException}. Writes to a read-only region throw
 * {@link NonWritableChannelException} ({@link java.nio.ReadOnlyBufferException} through a {@link #buffer} view).
 * A file that another process truncated below the mapping makes the access throw {@link TruncatedMappingException}
 * rather than crash the JVM; this holds for the methods of this class, while direct access through
 * {@link #segment()} surfaces the JVM's {@link InternalError}.
 */
public abstract sealed class MappedRegion implements SeekableByteChannel permits MappedFile, SharedMemory {

    private static final System.Logger LOG = System.getLogger(MappedRegion.class.getPackageName());
    private static final long PAGE_SIZE = 4096;

    /** The live mapping; replaced on growth, {@code null} once closed. */
    private volatile Mapping mapping;

    private final Path path;
    private final FileChannel channel;
    private final long fileOffset;
    private final boolean writable;
    private final boolean growable;
    private final boolean unlinkOnClose;
    /** Guards the sequential position, growth and close. */
    private final Object lock = new Object();
    private final RegionCursor cursor = new RegionCursor(this, lock);

    /** The memory of one {@code mmap} call and the arena whose close unmaps it. */
    private record Mapping(Arena arena, MemorySegment segment) {
        long size() {
            return segment.byteSize();
        }
    }

    /** A {@code size} for the constructor: as many bytes as the file has once it is open. */
    static final long WHOLE_FILE = -1;

    /** Maps {@code size} bytes of {@code channel} from {@code fileOffset}; on failure the channel is closed. */
    MappedRegion(Path path, FileChannel channel, long fileOffset, long size, boolean writable,
            MapOptions options) throws IOException {
        this.path = path;
        this.channel = channel;
        this.fileOffset = fileOffset;
        this.writable = writable;
        this.growable = options.growable();
        this.unlinkOnClose = options.unlinkOnClose();
        if (growable && !writable) {
            channel.close();
            throw new IllegalArgumentException(path + ": GROWABLE needs WRITE");
        }
        try {
            this.mapping = map(size == WHOLE_FILE ? channel.size() : size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private Mapping map(long size) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            FileChannel.MapMode mode = writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY;
            MemorySegment segment = channel.map(mode, fileOffset, size, arena);
            LOG.log(System.Logger.Level.DEBUG, "map {0} offset={1} size={2} mode={3}", path, fileOffset, size,
                    writable ? "rw" : "ro");
            return new Mapping(arena, segment);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The file behind this region; for shared memory, its file under the shared-memory directory. */
    public Path path() {
        return path;
    }

    /** Whether writes are allowed. */
    public boolean isWritable() {
        return writable;
    }

    /** Whether a write past the end grows the file and the mapping ({@link MapOption#GROWABLE}). */
    public boolean isGrowable() {
        return growable;
    }

    @Override
    public boolean isOpen() {
        return mapping != null;
    }

    /**
     * The mapped size in bytes: where reads end.
     *
     * @throws ClosedChannelException if the region is closed
     */
    @Override
    public long size() throws ClosedChannelException {
        return live().size();
    }

    /**
     * The mapped memory, for direct zero-copy access. It is read-only when the region is. It stays valid until the
     * region is closed, grown or truncated; afterwards any access to it throws {@link IllegalStateException}.
     *
     * @throws ClosedChannelException if the region is closed
     */
    public MemorySegment segment() throws ClosedChannelException {
        return live().segment();
    }

    /**
     * Whether the file now ends before the mapping does — another process truncated it — so that touching the
     * mapping's last pages would fault. Asks the file's size, a system call: a check after a fault in direct access
     * through {@link #segment()}, not before each access.
     *
     * @throws ClosedChannelException if the region is closed
     * @throws IOException            if the file's size cannot be read
     */
    public boolean isTruncated() throws IOException {
        long end = fileOffset + live().size();
        return channel.size() < end;
    }

    /**
     * Backs the {@code length} bytes at {@code position} with storage now, so that touching them through the
     * mapping cannot fault for want of space later. A segment is sparse: each page is allocated on first touch, and
     * on a full file system (a container's small {@code /dev/shm}, say) that touch raises the JVM's
     * {@link InternalError} in whichever thread made it. Writes zeros there: for bytes nobody uses yet.
     *
     * @throws java.nio.file.FileSystemException naming the file, the bytes asked for and the bytes free, if the
     *                                           file system has no room for them
     * @throws ClosedChannelException            if the region is closed
     * @throws java.nio.channels.NonWritableChannelException if the region is read-only
     * @throws IndexOutOfBoundsException         if the range is not inside the mapping
     */
    public void reserve(long position, long length) throws IOException {
        Mapping m = live();
        requireWritable();
        Objects.checkFromIndexSize(position, length, m.size());
        SpaceReservation.reserve(channel, path, fileOffset + position, length);
    }

    /**
     * A {@link ByteBuffer} view of {@code length} bytes at {@code offset}, read-only when the region is (its writes
     * throw {@link java.nio.ReadOnlyBufferException}). Valid as long as {@link #segment()} is.
     *
     * @throws ClosedChannelException    if the region is closed
     * @throws IndexOutOfBoundsException if the range is not inside the mapping
     */
    public ByteBuffer buffer(long offset, int length) throws ClosedChannelException {
        return live().segment().asSlice(offset, length).asByteBuffer();
    }

    // ---------------------------------------------------------------- positional reads

    /**
     * Copies up to {@code length} bytes at {@code position} into {@code dst}, less where the mapping ends.
     *
     * @return the number of bytes copied, or {@code -1} if {@code position} is at or past the end
     * @throws ClosedChannelException    if the region is closed
     * @throws TruncatedMappingException if the file was truncated under the mapping
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not fit {@code dst}
     */
    public int readAt(long position, byte[] dst, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dst.length);
        return (int) copyOut(position, MemorySegment.ofArray(dst), offset, length);
    }

    /** {@link #readAt(long, byte[], int, int)} for the whole array. */
    public int readAt(long position, byte[] dst) throws IOException {
        return readAt(position, dst, 0, dst.length);
    }

    /**
     * Copies bytes at {@code position} into {@code dst}, up to its remaining space, and advances its position.
     *
     * @return the number of bytes copied, or {@code -1} if {@code position} is at or past the end
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
     */
    public int readAt(long position, ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        int n = (int) copyOut(position, MemorySegment.ofBuffer(dst), 0, dst.remaining());
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /**
     * Copies up to {@code dst.byteSize()} bytes at {@code position} into {@code dst}.
     *
     * @return the number of bytes copied, or {@code -1} if {@code position} is at or past the end
     */
    public long readAt(long position, MemorySegment dst) throws IOException {
        return copyOut(position, dst, 0, dst.byteSize());
    }

    /**
     * Fills {@code dst} from {@code position}.
     *
     * @throws EOFException if the mapping ends before {@code dst} is full; nothing is copied then
     */
    public void readFully(long position, byte[] dst) throws IOException {
        long size = size();
        if (position < 0 || position > size - dst.length) {
            throw new EOFException(path + ": " + dst.length + " bytes at offset " + position
                    + " reach past the end of the mapping (size " + size + ")");
        }
        readAt(position, dst, 0, dst.length);
    }

    /**
     * Reads the byte at {@code position}.
     *
     * @return the byte as 0 to 255, or {@code -1} at or past the end
     * @throws ClosedChannelException    if the region is closed
     * @throws TruncatedMappingException if the file was truncated under the mapping
     */
    public int readAt(long position) throws IOException {
        return (int) guarded(position, 1, false,
                m -> position < m.size() ? Byte.toUnsignedInt(FaultBarrier.getByte(m.segment(), position)) : -1);
    }

    // ---------------------------------------------------------------- positional writes

    /**
     * Copies {@code length} bytes of {@code src} to {@code position}: all of them or, on error, none.
     *
     * @return {@code length}
     * @throws NonWritableChannelException if the region is read-only
     * @throws MappingOverflowException    if the bytes do not fit and the region is not growable
     * @throws java.nio.file.FileSystemException naming the file, if a growable region cannot grow (a full file
     *                                     system, say); the region keeps its size and contents
     * @throws TruncatedMappingException   if the file was truncated under the mapping, or a sparse page of it
     *                                     found its file system full
     */
    public int writeAt(long position, byte[] src, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, src.length);
        copyIn(position, MemorySegment.ofArray(src), offset, length);
        return length;
    }

    /** {@link #writeAt(long, byte[], int, int)} for the whole array. */
    public int writeAt(long position, byte[] src) throws IOException {
        return writeAt(position, src, 0, src.length);
    }

    /** Copies the remaining bytes of {@code src} to {@code position} and advances its position. */
    public int writeAt(long position, ByteBuffer src) throws IOException {
        int n = src.remaining();
        copyIn(position, MemorySegment.ofBuffer(src), 0, n);
        src.position(src.position() + n);
        return n;
    }

    /** Copies all of {@code src} to {@code position}. */
    public long writeAt(long position, MemorySegment src) throws IOException {
        copyIn(position, src, 0, src.byteSize());
        return src.byteSize();
    }

    /**
     * Writes the low eight bits of {@code b} at {@code position}. Throws as
     * {@link #writeAt(long, byte[], int, int)} does.
     */
    public void writeAt(long position, int b) throws IOException {
        guarded(position, 1, true, m -> {
            FaultBarrier.setByte(m.segment(), position, (byte) b);
            return 1;
        });
    }

    // ---------------------------------------------------------------- sequential access

    /** The position of the sequential methods. */
    @Override
    public long position() throws ClosedChannelException {
        return cursor.position();
    }

    /** Sets the position of the sequential methods; it may lie past the end, where reads return {@code -1}. */
    @Override
    public MappedRegion position(long newPosition) throws ClosedChannelException {
        checkPosition(newPosition);
        cursor.position(newPosition);
        return this;
    }

    /**
     * Moves the position by {@code offset} from {@code origin}, as {@code lseek} does.
     *
     * @return the new position
     * @throws IllegalArgumentException if the new position would be negative
     */
    public long seek(long offset, SeekOrigin origin) throws ClosedChannelException {
        return cursor.seek(offset, origin);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return cursor.read(dst);
    }

    /** Reads into {@code dst} at the position and advances it; {@code -1} at the end. */
    public int read(byte[] dst, int offset, int length) throws IOException {
        return cursor.read(dst, offset, length);
    }

    /** Reads one byte (0 to 255) at the position and advances it; {@code -1} at the end. */
    public int read() throws IOException {
        return cursor.read();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return cursor.write(src);
    }

    /** Writes {@code length} bytes of {@code src} at the position and advances it. */
    public void write(byte[] src, int offset, int length) throws IOException {
        cursor.write(src, offset, length);
    }

    /** Writes one byte at the position and advances it. */
    public void write(int b) throws IOException {
        cursor.write(b);
    }

    /**
     * An {@link InputStream} over the sequential methods: it reads from, and moves, this region's position. Closing
     * the stream closes the region, as {@link java.nio.channels.Channels#newInputStream} does.
     */
    public InputStream inputStream() {
        return new RegionInputStream(this);
    }

    /**
     * An {@link OutputStream} over the sequential methods: it writes at, and moves, this region's position. Closing
     * the stream closes the region.
     */
    public OutputStream outputStream() {
        return new RegionOutputStream(this);
    }

    // ---------------------------------------------------------------- size changes, durability, close

    /**
     * Shrinks the file and the mapping to {@code size}; a larger {@code size} changes nothing, as the
     * {@link SeekableByteChannel} contract asks. The position is clamped to the new size. Segments obtained before
     * become invalid.
     *
     * @throws NonWritableChannelException   if the region is read-only
     * @throws UnsupportedOperationException if the region is a window that does not reach the end of its file
     */
    @Override
    public MappedRegion truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException(path + ": negative size " + size);
        }
        synchronized (lock) {
            Mapping m = live();
            requireWritable();
            if (size < m.size()) {
                if (channel.size() > fileOffset + m.size()) {
                    throw new UnsupportedOperationException(path + ": cannot truncate a window that ends at "
                            + (fileOffset + m.size()) + " before the end of the file");
                }
                remap(m, size);
                channel.truncate(fileOffset + size);
            }
            cursor.clampTo(size);
        }
        return this;
    }

    /**
     * Writes the mapping's changed pages back to the file ({@code msync}), so they survive a crash of the machine.
     * A no-op for read-only regions.
     *
     * @throws ClosedChannelException    if the region is closed
     * @throws TruncatedMappingException if the file was truncated under the mapping
     * @throws IOException               naming the file, if {@code msync} fails
     */
    public void force() throws IOException {
        if (!writable) {
            live();
            return;
        }
        // The whole mapping: the length is clamped to its end.
        guarded(0, Long.MAX_VALUE, false, m -> {
            try {
                m.segment().force();
                return 0;
            } catch (UncheckedIOException e) {
                throw new IOException(path + ": msync failed", e.getCause());
            }
        });
    }

    /**
     * Unmaps the memory at once and closes the file ({@link MapOption#UNLINK_ON_CLOSE}: and removes it);
     * idempotent. Calls racing it on other threads throw {@link ClosedChannelException}. Segments and buffers
     * obtained from the region become invalid.
     */
    @Override
    public void close() throws IOException {
        synchronized (lock) {
            Mapping m = mapping;
            if (m == null) {
                return;
            }
            mapping = null;
            try {
                // The shared arena's close waits out threads that are inside an access, and makes their later
                // accesses fail, so unmapping here cannot crash a racing reader.
                m.arena().close();
                LOG.log(System.Logger.Level.DEBUG, "unmap {0} size={1}", path, m.size());
            } finally {
                try {
                    channel.close();
                } finally {
                    if (unlinkOnClose && Files.deleteIfExists(path)) {
                        LOG.log(System.Logger.Level.DEBUG, "unlink {0}", path);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- internals

    private long copyOut(long position, MemorySegment dst, long dstOffset, long length) throws IOException {
        return guarded(position, length, false, m -> {
            long available = m.size() - position;
            if (available <= 0) {
                return length == 0 && available == 0 ? 0 : -1;
            }
            long n = Math.min(length, available);
            FaultBarrier.copy(m.segment(), position, dst, dstOffset, n);
            return n;
        });
    }

    private void copyIn(long position, MemorySegment src, long srcOffset, long length) throws IOException {
        guarded(position, length, true, m -> {
            FaultBarrier.copy(src, srcOffset, m.segment(), position, length);
            return length;
        });
    }

    /** An access to a mapping's memory, through {@link FaultBarrier}; its result is the caller's. */
    @FunctionalInterface
    private interface Access {
        long on(Mapping m) throws IOException;
    }

    /**
     * Runs {@code access} on the live mapping and, when a concurrent grow or truncate unmapped it during the access,
     * again on the replacement. A fault becomes {@link TruncatedMappingException} for the {@code length} bytes at
     * {@code position}, or the fewer before the mapping's end. A {@code write} checks on every attempt that the bytes
     * fit, growing a growable region: the remap that failed the last attempt may have been a truncate.
     */
    private long guarded(long position, long length, boolean write, Access access) throws IOException {
        checkPosition(position);
        boolean interruptedBefore = Thread.currentThread().isInterrupted();
        for (;;) {
            Mapping m = write ? writableMapping(position, length) : live();
            try {
                return access.on(m);
            } catch (IllegalStateException e) {
                // The JVM stops an access that a shared arena's close races with an asynchronous exception, and
                // interrupts the thread to deliver it. That interrupt is not the caller's: left set, it would close
                // the file channel at its next blocking call (ClosedByInterruptException) and wake the caller's
                // next wait for nothing.
                if (!interruptedBefore) {
                    Thread.interrupted();
                }
                retryOrClosed(m);
            } catch (InternalError e) {
                throw truncated(position, Math.min(length, m.size() - position), e);
            }
        }
    }

    /** The live mapping, checked to take {@code length} bytes at {@code position}, grown if need be and allowed. */
    private Mapping writableMapping(long position, long length) throws IOException {
        Mapping m = live();
        requireWritable();
        long end = position + length;
        if (end < 0) {
            throw new MappingOverflowException(path, position, length, m.size());
        }
        if (end <= m.size()) {
            return m;
        }
        if (!growable) {
            throw new MappingOverflowException(path, position, length, m.size());
        }
        synchronized (lock) {
            m = live();
            if (end > m.size()) {
                long newSize = Math.max(end, Math.addExact(m.size(), m.size()));
                newSize = Math.ceilDiv(newSize, PAGE_SIZE) * PAGE_SIZE;
                SparseExtension.extend(channel, path, fileOffset + newSize);
                m = remap(m, newSize);
            }
            return m;
        }
    }

    /** Replaces {@code old} by a mapping of {@code newSize} bytes; the caller holds {@link #lock}. */
    private Mapping remap(Mapping old, long newSize) throws IOException {
        Mapping fresh = map(newSize);
        mapping = fresh;
        // Accesses still on the old mapping fail with IllegalStateException and retry on the new one.
        old.arena().close();
        LOG.log(System.Logger.Level.DEBUG, "remap {0} size {1} -> {2}", path, old.size(), newSize);
        return fresh;
    }

    private Mapping live() throws ClosedChannelException {
        Mapping m = mapping;
        if (m == null) {
            throw new ClosedRegionException(path);
        }
        return m;
    }

    /** After an access failed on a closed arena: returns if a replacement mapping is live to retry on, else throws. */
    private void retryOrClosed(Mapping failed) throws ClosedChannelException {
        if (live() == failed) {
            // The arena of the live mapping is only closed by close(), which clears the field first; be safe anyway.
            throw new ClosedRegionException(path);
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new ReadOnlyRegionException(path);
        }
    }

    private void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException(path + ": negative position " + position);
        }
    }

    /**
     * The JVM turns the {@code SIGBUS} of touching a mapped page past the end of its file into an
     * {@link InternalError}; say what happened, in terms of the file.
     */
    private IOException truncated(long position, long length, InternalError cause) {
        return TruncatedMappingException.of(path, channel, fileOffset + position, length, cause);
    }
}
