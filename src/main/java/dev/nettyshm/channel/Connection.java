package dev.nettyshm.channel;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.ring.RingConsumer;
import dev.nettyshm.ring.RingDescriptor;
import dev.nettyshm.ring.RingProducer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/** A connection's mapped segment and this side's two ring ends. Confined to the channel's event loop. */
final class Connection implements AutoCloseable {

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final SharedMemory segment;
    private final MemorySegment header;
    private final long ownClosedOffset;
    private final long peerClosedOffset;
    final RingProducer out;
    final RingConsumer in;

    private Connection(SharedMemory segment, int capacity, boolean client) throws IOException {
        this.segment = segment;
        MemorySegment memory = segment.segment();
        this.header = memory.asSlice(0, ConnectionLayout.HEADER_LENGTH);
        this.ownClosedOffset = client ? ConnectionLayout.CLIENT_CLOSED_OFFSET : ConnectionLayout.SERVER_CLOSED_OFFSET;
        this.peerClosedOffset = client ? ConnectionLayout.SERVER_CLOSED_OFFSET : ConnectionLayout.CLIENT_CLOSED_OFFSET;
        long ringLength = RingDescriptor.ringLength(capacity);
        MemorySegment toServer = memory.asSlice(ConnectionLayout.clientToServerOffset(), ringLength);
        MemorySegment toClient = memory.asSlice(ConnectionLayout.serverToClientOffset(capacity), ringLength);
        String name = segment.name();
        this.out = new RingProducer(client ? toServer : toClient, capacity, name + " (out)");
        this.in = new RingConsumer(client ? toClient : toServer, capacity, name + " (in)");
    }

    /** The client's side: creates a segment under a generated name and writes its header. */
    static Connection create(SharedMemoryDirectory directory, int capacity) throws IOException {
        SharedMemory segment = directory.create(ConnectionLayout.segmentLength(capacity), MapOption.UNLINK_ON_CLOSE);
        try {
            MemorySegment memory = segment.segment();
            memory.set(ValueLayout.JAVA_INT, ConnectionLayout.VERSION_OFFSET, ConnectionLayout.VERSION);
            memory.set(ValueLayout.JAVA_INT, ConnectionLayout.CAPACITY_OFFSET, capacity);
            memory.set(ValueLayout.JAVA_LONG, ConnectionLayout.CLIENT_PID_OFFSET, ProcessHandle.current().pid());
            // Magic last: a segment with the magic is whole.
            memory.set(ValueLayout.JAVA_LONG, ConnectionLayout.MAGIC_OFFSET, ConnectionLayout.MAGIC);
            return new Connection(segment, capacity, true);
        } catch (IOException | RuntimeException e) {
            segment.close();
            throw e;
        }
    }

    /**
     * The server's side: maps the segment the client named, checks its header against the capacity the client
     * announced, and removes its name — both sides have it mapped now.
     */
    static Connection open(SharedMemoryDirectory directory, String name, int capacity) throws IOException {
        RingDescriptor.checkCapacity(capacity);
        SharedMemory segment = directory.open(name);
        try {
            segment.unlink();
            MemorySegment memory = segment.segment();
            long expected = ConnectionLayout.segmentLength(capacity);
            if (memory.byteSize() != expected) {
                throw new HandshakeException("segment " + name + " is " + memory.byteSize() + " bytes, a connection"
                        + " of ring capacity " + capacity + " needs " + expected);
            }
            if (memory.get(ValueLayout.JAVA_LONG, ConnectionLayout.MAGIC_OFFSET) != ConnectionLayout.MAGIC
                    || memory.get(ValueLayout.JAVA_INT, ConnectionLayout.VERSION_OFFSET) != ConnectionLayout.VERSION
                    || memory.get(ValueLayout.JAVA_INT, ConnectionLayout.CAPACITY_OFFSET) != capacity) {
                throw new HandshakeException("segment " + name + " has no valid connection header");
            }
            memory.set(ValueLayout.JAVA_LONG, ConnectionLayout.SERVER_PID_OFFSET, ProcessHandle.current().pid());
            return new Connection(segment, capacity, false);
        } catch (IOException | RuntimeException e) {
            segment.close();
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

    /** Removes the segment's name, if it still has one. */
    void unlink() throws IOException {
        segment.unlink();
    }

    /** Whether the peer closed its side; a crashed peer has not, its socket tells instead. */
    boolean peerClosed() {
        return (int) INT.getAcquire(header, peerClosedOffset) != 0;
    }

    /** Tells the peer, through shared memory, that this side is closed; then unmaps. */
    @Override
    public void close() throws IOException {
        try {
            INT.setRelease(header, ownClosedOffset, 1);
        } catch (InternalError truncatedByPeer) {
            // The segment is gone under us; the socket's close tells the peer instead.
        } finally {
            segment.close();
        }
    }
}
