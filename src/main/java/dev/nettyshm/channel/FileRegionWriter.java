package dev.nettyshm.channel;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes the {@link FileRegion} at the head of a {@link ShmChannel}'s outbound buffer into its connection, as
 * Netty's socket transports write one to a socket: as much as fits now, its progress reported to the outbound buffer
 * ({@link ChannelOutboundBuffer#progress}), the region removed once {@link FileRegion#transferred()} reaches its
 * count, and the rest left waiting when the ring is full.
 *
 * <p>A {@link DefaultFileRegion}'s file is read by the kernel straight from the page cache into a pool slot or a
 * ring record — one copy, as {@code sendfile} makes — at {@code position() + transferred()}: see
 * {@code docs/decisions/008-file-regions.md}. A file shorter than the region fails the write with an
 * {@link IOException} once the bytes it has are sent, as over TCP. Any other region writes itself through
 * {@link FileRegion#transferTo} into a {@link ChunkSink}'s channel.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class FileRegionWriter {

    private final ShmChannelConfig config;
    private final Counters counters;
    private final ChunkSink sink;
    private final Runnable publish;

    /**
     * @param descriptors how the channel sends a descriptor of its pool
     * @param publish     publishes what was written to the ring and wakes the peer if it sleeps
     */
    FileRegionWriter(ShmChannelConfig config, Counters counters, ChunkSink.Descriptors descriptors,
            Runnable publish) {
        this.config = config;
        this.counters = counters;
        this.sink = new ChunkSink(config.poolAllocator(), descriptors, counters);
        this.publish = publish;
    }

    /**
     * Writes what fits of {@code region}, the current message of {@code in}, into {@code connection}: at most the
     * channel's write spin count of chunks, so that a large file leaves the event loop to its other work between
     * them. What was written is published as it goes, so the peer reads one chunk while the next is copied.
     *
     * @return whether the region was written whole and removed; {@code false} if the rest waits: the ring is full,
     *         or this call's chunks are spent
     * @throws IOException if the file cannot be read or is shorter than the region; what went before is published
     */
    boolean write(FileRegion region, ChannelOutboundBuffer in, Connection connection) throws IOException {
        try {
            boolean whole = region.getClass() == DefaultFileRegion.class && DefaultFileRegionAccess.AVAILABLE
                    ? writeFile((DefaultFileRegion) region, in, connection)
                    : writeThroughTransferTo(region, in, connection);
            if (whole) {
                counters.add(Counters.MESSAGES_WRITTEN, 1);
                in.remove();
            }
            return whole;
        } catch (IOException e) {
            // The bytes before the failure reach the peer, as a socket's would.
            publish.run();
            throw e;
        }
    }

    private boolean writeFile(DefaultFileRegion region, ChannelOutboundBuffer in, Connection connection)
            throws IOException {
        long count = region.count();
        long done = region.transferred();
        if (done >= count) {
            return true;
        }
        FileChannel file = DefaultFileRegionAccess.file(region);
        ChunkSink.Source source = (position, dst) -> read(file, position, dst);
        // The file as it is now, asked once a call rather than once a chunk: a system call costs more than a small
        // chunk's copy. A file that shrinks gives what it still has, then the failure, as over TCP.
        long size = file.size();
        long end = Math.min(region.position() + count, size);
        for (int chunks = config.getWriteSpinCount(); done < count; chunks--) {
            if (chunks == 0) {
                return false;
            }
            long position = region.position() + done;
            if (position >= end) {
                throw new IOException("the file of " + region + " is " + size + " bytes, shorter than the region"
                        + " of " + count + " bytes from " + region.position());
            }
            int sent = sink.send(connection, source, position, (int) Math.min(end - position, Integer.MAX_VALUE));
            if (sent == 0) {
                return false;
            }
            done += sent;
            DefaultFileRegionAccess.transferred(region, done);
            progressed(in, sent);
        }
        return true;
    }

    private boolean writeThroughTransferTo(FileRegion region, ChannelOutboundBuffer in, Connection connection)
            throws IOException {
        WritableByteChannel target = sink.channel(connection);
        // A region may count more as transferred than it wrote (framing it adds, say): only transferred() says
        // when it is done, and no call may follow that.
        for (int chunks = config.getWriteSpinCount(); region.transferred() < region.count(); chunks--) {
            if (chunks == 0) {
                return false;
            }
            long sent = region.transferTo(target, region.transferred());
            if (sent <= 0) {
                return false;
            }
            progressed(in, sent);
        }
        return true;
    }

    private void progressed(ChannelOutboundBuffer in, long sent) {
        counters.add(Counters.BYTES_WRITTEN, sent);
        in.progress(sent);
        publish.run();
    }

    /** Reads {@code dst.byteSize()} bytes of {@code file} at {@code position} into {@code dst}: a {@code pread}. */
    private static void read(FileChannel file, long position, MemorySegment dst) throws IOException {
        ByteBuffer buffer = dst.asByteBuffer();
        while (buffer.hasRemaining()) {
            if (file.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("the file ended at " + (position + buffer.position()) + " while it was read:"
                        + " it was cut short during the transfer");
            }
        }
    }
}
