package dev.nettyshm.channel;

import dev.nettyshm.internal.Backing;
import dev.nettyshm.internal.SharedWords;
import dev.nettyshm.internal.pool.MappingLease;
import dev.nettyshm.internal.pool.PoolCorruptedException;
import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.pool.ShmPool;
import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.internal.ring.RingConsumer;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.internal.ring.RingProducer;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A connection's mapped segment and this side's ends of it: the two rings, and the two buffer pools (none if the
 * pool size is 0). Confined to the channel's event loop, but for the pools. The mapping lives until the connection
 * is closed and every pooled buffer over it is released ({@link MappingLease}).
 */
final class Connection implements AutoCloseable {

    private final SharedMemory segment;
    private final MappingLease lease;
    private final MemorySegment header;
    private final long ownClosedOffset;
    private final long peerClosedOffset;
    final RingProducer out;
    final RingConsumer in;
    /** Where this side's outgoing buffers live; {@code null} without pools. */
    final ShmPool outPool;
    /** Where the peer's outgoing buffers live, read through their descriptors; {@code null} without pools. */
    final ShmPool inPool;
    /** The peer cut the segment's file short: see {@link #cut()}. */
    private volatile boolean cut;
    private final boolean client;
    private final int capacity;
    private final int poolSize;
    /** Where the segment is kept as a spare when the connection ends: the peer's {@link SpareSegments} key. */
    private final String peerKey;
    /** The segment carried an earlier connection between the two processes. */
    private final boolean reused;
    /** The handshake accepted the segment: both sides have it mapped. */
    private volatile boolean established;
    /** The peer broke a rule of the layout: the segment carries no further connection. */
    private volatile boolean spoiled;

    private Connection(SharedMemory segment, int capacity, int poolSize, boolean client, String peerKey,
            boolean reused) throws IOException {
        this.segment = segment;
        this.reused = reused;
        this.client = client;
        this.capacity = capacity;
        this.poolSize = poolSize;
        this.peerKey = peerKey;
        this.lease = new MappingLease(this::retire);
        MemorySegment memory = segment.segment();
        this.header = memory.asSlice(0, ConnectionLayout.HEADER_LENGTH);
        this.ownClosedOffset = client ? ConnectionLayout.CLIENT_CLOSED_OFFSET : ConnectionLayout.SERVER_CLOSED_OFFSET;
        this.peerClosedOffset = client ? ConnectionLayout.SERVER_CLOSED_OFFSET : ConnectionLayout.CLIENT_CLOSED_OFFSET;
        long ringLength = RingDescriptor.ringLength(capacity);
        long toServer = ConnectionLayout.clientToServerOffset();
        long toClient = ConnectionLayout.serverToClientOffset(capacity);
        long outOffset = client ? toServer : toClient;
        long inOffset = client ? toClient : toServer;
        String name = segment.name();
        this.out = new RingProducer(memory.asSlice(outOffset, ringLength), capacity, name + " (out)",
                ConnectionLayout.initialWindow(capacity), backing(segment, outOffset + RingDescriptor.HEADER_LENGTH));
        this.in = new RingConsumer(memory.asSlice(inOffset, ringLength), capacity, name + " (in)");
        if (poolSize == 0) {
            this.outPool = null;
            this.inPool = null;
        } else {
            long poolLength = ConnectionLayout.poolLength(poolSize);
            long clientPoolOffset = ConnectionLayout.clientPoolOffset(capacity);
            long serverPoolOffset = ConnectionLayout.serverPoolOffset(capacity, poolSize);
            ShmPool clientPool = new ShmPool(memory.asSlice(clientPoolOffset, poolLength), poolSize,
                    name + " (client pool)", lease, backing(segment, clientPoolOffset));
            ShmPool serverPool = new ShmPool(memory.asSlice(serverPoolOffset, poolLength), poolSize,
                    name + " (server pool)", lease, backing(segment, serverPoolOffset));
            this.outPool = client ? clientPool : serverPool;
            this.inPool = client ? serverPool : clientPool;
        }
    }

    /**
     * Each side backs what it writes first: the slots of the pool it sends from, as it first hands them out, and its
     * outgoing ring's window, as it grows.
     */
    private static Backing backing(SharedMemory segment, long start) {
        return (offset, length) -> segment.reserve(start + offset, length);
    }

    /**
     * The client's side: creates a segment under a generated name, backs everything but the pools' slots with
     * storage, and writes its header.
     *
     * @throws ShmDirectoryFullException naming the directory and its free bytes if it has no room for the connection
     */
    static Connection create(SharedMemoryDirectory directory, int capacity, int poolSize, String serverKey)
            throws IOException {
        SharedMemory segment;
        try {
            segment = directory.create(ConnectionLayout.segmentLength(capacity, poolSize), MapOption.UNLINK_ON_CLOSE);
        } catch (FileSystemException full) {
            throw directoryFull(directory, capacity, poolSize, full);
        }
        try {
            reserveControl(segment, capacity, poolSize);
            ConnectionLayout.writeHeader(segment.segment(), capacity, poolSize, ProcessHandle.current().pid());
            return new Connection(segment, capacity, poolSize, true, serverKey, false);
        } catch (IOException | RuntimeException e) {
            segment.close();
            throw e;
        }
    }

    /**
     * The client's side over a spare of an earlier connection to the same server: the server released it, and it was
     * reset ({@link SpareSegments#takeForClient}).
     */
    static Connection reuse(SharedMemory spare, int capacity, int poolSize, String serverKey) throws IOException {
        return new Connection(spare, capacity, poolSize, true, serverKey, true);
    }

    /**
     * Backs the header, the rings' initial windows and the pools' state tables, which both sides touch from their
     * event loops: a fault there, on a full directory, would be an {@code InternalError} in a loop. The slots are
     * backed one by one as they are first allocated, and the rings as their windows grow ({@link Backing}), so that
     * an idle connection costs no pool memory and a quiet one little ring memory.
     */
    private static void reserveControl(SharedMemory segment, int capacity, int poolSize) throws IOException {
        try {
            segment.reserve(0, ConnectionLayout.HEADER_LENGTH + ConnectionLayout.ringReservedLength(capacity));
            segment.reserve(ConnectionLayout.serverToClientOffset(capacity),
                    ConnectionLayout.ringReservedLength(capacity));
            if (poolSize != 0) {
                long states = PoolLayout.statesLength(poolSize);
                segment.reserve(ConnectionLayout.clientPoolOffset(capacity), states);
                segment.reserve(ConnectionLayout.serverPoolOffset(capacity, poolSize), states);
            }
        } catch (FileSystemException full) {
            throw directoryFull(segment.directory(), capacity, poolSize, full);
        }
    }

    private static ShmDirectoryFullException directoryFull(SharedMemoryDirectory directory, int capacity,
            int poolSize, FileSystemException cause) {
        return new ShmDirectoryFullException(directory.path() + " has no room for a connection of ring capacity "
                + capacity + ": it needs " + ConnectionLayout.reservedLength(capacity, poolSize) + " bytes up front"
                + (poolSize == 0 ? "" : " and its pool slots as they are used") + ", " + directory.usableSpace()
                + " bytes are free", cause);
    }

    /**
     * The server's side: maps the segment the client named — or takes back its own mapping, if the name is one of its
     * spares of that client — checks its header against the sizes the client announced, and removes its name: both
     * sides have it mapped now.
     *
     * @throws NoSuchFileException if no segment has that name and no spare of the client does
     */
    static Connection open(SharedMemoryDirectory directory, String name, long clientPid, int capacity, int poolSize)
            throws IOException {
        RingDescriptor.checkCapacity(capacity);
        if (poolSize != 0) {
            PoolLayout.checkPoolSize(poolSize);
        }
        SharedMemory spare = SpareSegments.takeForServer(clientPid, name, capacity, poolSize);
        SharedMemory segment = spare != null ? spare : directory.open(name);
        try {
            if (spare == null) {
                segment.unlink();
            }
            MemorySegment memory = segment.segment();
            long expected = ConnectionLayout.segmentLength(capacity, poolSize);
            if (memory.byteSize() != expected) {
                throw new HandshakeException("segment " + name + " is " + memory.byteSize() + " bytes, a connection"
                        + " of ring capacity " + capacity + " and pool size " + poolSize + " needs " + expected);
            }
            if (memory.get(ValueLayout.JAVA_LONG, ConnectionLayout.MAGIC_OFFSET) != ConnectionLayout.MAGIC
                    || memory.get(ValueLayout.JAVA_INT, ConnectionLayout.VERSION_OFFSET) != ConnectionLayout.VERSION
                    || memory.get(ValueLayout.JAVA_INT, ConnectionLayout.CAPACITY_OFFSET) != capacity
                    || memory.get(ValueLayout.JAVA_INT, ConnectionLayout.POOL_SIZE_OFFSET) != poolSize) {
                throw new HandshakeException("segment " + name + " has no valid connection header");
            }
            memory.set(ValueLayout.JAVA_LONG, ConnectionLayout.SERVER_PID_OFFSET, ProcessHandle.current().pid());
            return new Connection(segment, capacity, poolSize, false, SpareSegments.clientKey(clientPid),
                    spare != null);
        } catch (IOException | RuntimeException e) {
            Unmapper.unmap(segment);
            throw e;
        }
    }

    String name() {
        return segment.name();
    }

    /** The whole segment, for tests that play a hostile peer. */
    MemorySegment memory() throws IOException {
        return segment.segment();
    }

    /** The handshake accepted the segment: when the connection ends, it may carry the next one. */
    void established() {
        established = true;
        if (reused) {
            ShmTransportMetrics.reusedSegment();
        }
    }

    /** The peer broke the layout's rules: when the connection ends, its segment is unmapped, never reused. */
    void spoil() {
        spoiled = true;
    }

    /**
     * The last hold on the mapping is gone: the segment is kept as a spare if its connection was made and ended
     * without a fault, and unmapped otherwise. Runs on whichever thread let go last.
     */
    private void retire() {
        if (established && !spoiled && !cut) {
            try {
                SpareSegments.keep(peerKey, segment, capacity, poolSize, client);
                return;
            } catch (IOException | RuntimeException e) {
                // Unmapped under us: nothing to keep.
            }
        }
        Unmapper.unmap(segment);
    }

    /** Removes the segment's name, if it still has one. */
    void unlink() throws IOException {
        segment.unlink();
    }

    /**
     * Checks that the peer did nothing to either pool that a correct peer never does.
     *
     * @throws PoolCorruptedException saying what it did
     */
    void checkPools() throws PoolCorruptedException {
        for (ShmPool pool : new ShmPool[] {outPool, inPool}) {
            String corruption = pool == null ? null : pool.corruption();
            if (corruption != null) {
                throw new PoolCorruptedException(corruption);
            }
        }
    }

    /** Whether the peer closed its side; a crashed peer has not, its socket tells instead. */
    boolean peerClosed() {
        return SharedWords.getIntAcquire(header, peerClosedOffset) != 0;
    }

    /**
     * Whether the peer cut the segment's file short under the mapping, so that touching it faults. Asks the file's
     * size, a system call: for after a fault, not for every access. Once seen, {@link #close()} leaves the memory
     * alone, and a cut seen before the mapping closed is still reported after.
     */
    boolean cut() {
        if (!cut) {
            try {
                cut = segment.isTruncated();
            } catch (IOException closedOrUnreadable) {
                // Nothing of it is touched any more.
            }
        }
        return cut;
    }

    /**
     * Tells the peer, through shared memory, that this side is closed; then gives up the connection's hold on the
     * mapping, which is let go of ({@link #retire}) once no pooled buffer points into it any more.
     */
    @Override
    public void close() {
        try {
            // A cut segment is not touched: the fault would come back later, wherever the JVM delivers it.
            if (!cut) {
                SharedWords.putIntRelease(header, ownClosedOffset, 1);
                // A peer asleep on a futex does not hear the socket close: wake it to look at the flag. One asleep
                // in its selector hears the close.
                out.wakeConsumer();
                in.wakeProducer();
            }
        } finally {
            lease.release();
        }
    }
}
