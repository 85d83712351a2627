package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * The sequential methods of a {@link MappedRegion}: one position, where each makes its positional call and which it
 * then moves past the bytes read or written. They hold the region's lock, which also guards growth, truncation and
 * close, so calls do not interleave and a truncate can clamp the position between two of them.
 */
final class RegionCursor {

    private final MappedRegion region;
    private final Object lock;
    private long position;

    RegionCursor(MappedRegion region, Object lock) {
        this.region = region;
        this.lock = lock;
    }

    long position() throws ClosedChannelException {
        synchronized (lock) {
            region.size(); // throws once closed
            return position;
        }
    }

    /** Sets the position; the region checked that it is not negative. */
    void position(long newPosition) throws ClosedChannelException {
        synchronized (lock) {
            region.size(); // throws once closed
            position = newPosition;
        }
    }

    long seek(long offset, SeekOrigin origin) throws ClosedChannelException {
        synchronized (lock) {
            long end = region.size(); // throws once closed
            long base = switch (origin) {
                case START -> 0;
                case CURRENT -> position;
                case END -> end;
            };
            long target = base + offset;
            if (target < 0 || (offset > 0 && target < base)) {
                throw new IllegalArgumentException(region.path() + ": seek " + offset + " from " + origin + " (at "
                        + base + ") leaves the range of positions");
            }
            position = target;
            return target;
        }
    }

    /** After a truncate to {@code size}; the caller holds the lock. */
    void clampTo(long size) {
        position = Math.min(position, size);
    }

    int read(ByteBuffer dst) throws IOException {
        synchronized (lock) {
            return advance(region.readAt(position, dst));
        }
    }

    int read(byte[] dst, int offset, int length) throws IOException {
        synchronized (lock) {
            return advance(region.readAt(position, dst, offset, length));
        }
    }

    int read() throws IOException {
        synchronized (lock) {
            int b = region.readAt(position);
            if (b >= 0) {
                position++;
            }
            return b;
        }
    }

    int write(ByteBuffer src) throws IOException {
        synchronized (lock) {
            return advance(region.writeAt(position, src));
        }
    }

    void write(byte[] src, int offset, int length) throws IOException {
        synchronized (lock) {
            advance(region.writeAt(position, src, offset, length));
        }
    }

    void write(int b) throws IOException {
        synchronized (lock) {
            region.writeAt(position, b);
            position++;
        }
    }

    /** Moves past the {@code n} bytes a call read or wrote; {@code -1}, the end, moves nothing. */
    private int advance(int n) {
        if (n > 0) {
            position += n;
        }
        return n;
    }
}
