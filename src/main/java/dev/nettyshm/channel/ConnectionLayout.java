package dev.nettyshm.channel;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.ring.RingDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The memory layout of a connection's segment: a header, one ring per direction, then — unless the pool size is
 * 0 — one buffer pool per direction, which the sending side allocates from.
 *
 * <pre>
 *  0                       128                      128 + R                128 + 2R           128 + 2R + B
 *  +-----------------------+------------------------+----------------------+------------------+------------------+
 *  | header                | ring: client to server | ring: server to      | pool: client to  | pool: server to  |
 *  | MAGIC      long  @0   | R = RingDescriptor     | client, R bytes      | server           | client, B bytes  |
 *  | VERSION    int   @8   |   .ringLength(capacity)|                      | B = PoolLayout   |                  |
 *  | CAPACITY   int   @12  |                        |                      |   .poolLength(   |                  |
 *  | CLIENT_PID long  @16  |                        |                      |   poolSize)      |                  |
 *  | SERVER_PID long  @24  |                        |                      |                  |                  |
 *  | CLIENT_CLOSED int @32 |                        |                      |                  |                  |
 *  | SERVER_CLOSED int @36 |                        |                      |                  |                  |
 *  | POOL_SIZE  int   @40  |                        |                      |                  |                  |
 *  | CLIENT_RELEASED   @44 |                        |                      |                  |                  |
 *  | SERVER_RELEASED   @48 |                        |                      |                  |                  |
 *  +-----------------------+------------------------+----------------------+------------------+------------------+
 * </pre>
 *
 * The client creates the segment and writes the header; the server checks it, writes its pid, and each side then
 * keeps the sizes it checked in final fields: nothing in the header but the closed flags is read again. A side
 * sets its closed flag when it closes, before closing its socket, so that the other side's next write fails at
 * once, without a system call; a side that crashes sets nothing, and the socket tells.
 *
 * <p>A side sets its released flag (an int) when it has let go of the connection — closed, and every pooled buffer
 * over it released — and keeps the segment mapped as a spare ({@link SpareSegments}). A client reuses a spare only
 * once the server's flag says the server let go too; it then {@link #reset}s the segment to the state of a fresh
 * one, and names it in its hello.
 */
final class ConnectionLayout {

    /** "NSHMCONN" in ASCII. */
    static final long MAGIC = 0x4E53484D434F4E4EL;
    /** 4: the released flags; a segment may carry one connection after another. */
    static final int VERSION = 4;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int CAPACITY_OFFSET = 12;
    static final int CLIENT_PID_OFFSET = 16;
    static final int SERVER_PID_OFFSET = 24;
    static final int CLIENT_CLOSED_OFFSET = 32;
    static final int SERVER_CLOSED_OFFSET = 36;
    static final int POOL_SIZE_OFFSET = 40;
    static final int CLIENT_RELEASED_OFFSET = 44;
    static final int SERVER_RELEASED_OFFSET = 48;
    /** The header's room: the first ring's producer position, written on every publication, shares no line with it. */
    static final int HEADER_LENGTH = RingDescriptor.PADDED_LENGTH;
    /**
     * Each ring's window when the connection is made ({@link RingDescriptor}, "Windows"): all of a ring that small,
     * and otherwise what the connection backs up front, whatever the capacity. A ring grows from there only if its
     * producer finds it full, so that connections that never fill it cost little memory and little time to make.
     */
    static final int INITIAL_WINDOW = 64 * 1024;

    private ConnectionLayout() {
    }

    /** Writes a client's header into a fresh segment; the magic goes last: a segment with the magic is whole. */
    static void writeHeader(MemorySegment memory, int capacity, int poolSize, long clientPid) {
        memory.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
        memory.set(ValueLayout.JAVA_INT, CAPACITY_OFFSET, capacity);
        memory.set(ValueLayout.JAVA_INT, POOL_SIZE_OFFSET, poolSize);
        memory.set(ValueLayout.JAVA_LONG, CLIENT_PID_OFFSET, clientPid);
        memory.set(ValueLayout.JAVA_LONG, MAGIC_OFFSET, MAGIC);
    }

    /**
     * Brings a segment that carried a connection back to a fresh one's state, for the next: the header written again —
     * whatever a third process may have scribbled on it — the closed and released flags, both rings' headers and both
     * pools' state tables back to zero. The rings' data and the pools' slots keep their bytes, which nothing reads
     * before it is written again. Only for a segment both sides released.
     */
    static void reset(MemorySegment memory, int capacity, int poolSize, long clientPid) {
        memory.asSlice(0, HEADER_LENGTH).fill((byte) 0);
        memory.asSlice(clientToServerOffset(), RingDescriptor.HEADER_LENGTH).fill((byte) 0);
        memory.asSlice(serverToClientOffset(capacity), RingDescriptor.HEADER_LENGTH).fill((byte) 0);
        if (poolSize != 0) {
            long states = PoolLayout.statesLength(poolSize);
            memory.asSlice(clientPoolOffset(capacity), states).fill((byte) 0);
            memory.asSlice(serverPoolOffset(capacity, poolSize), states).fill((byte) 0);
        }
        writeHeader(memory, capacity, poolSize, clientPid);
    }

    static long segmentLength(int capacity, int poolSize) {
        return clientPoolOffset(capacity) + 2 * poolLength(poolSize);
    }

    /**
     * Bytes a connection backs with storage when it is created: the header, each ring's header and initial window,
     * and the pools' state tables.
     */
    static long reservedLength(int capacity, int poolSize) {
        return HEADER_LENGTH + 2 * ringReservedLength(capacity)
                + (poolSize == 0 ? 0 : 2L * PoolLayout.statesLength(poolSize));
    }

    static int initialWindow(int capacity) {
        return Math.min(capacity, INITIAL_WINDOW);
    }

    /** Bytes at the start of a ring backed when the connection is made: its header and its initial window. */
    static long ringReservedLength(int capacity) {
        return RingDescriptor.HEADER_LENGTH + RingDescriptor.backedLength(initialWindow(capacity), capacity);
    }

    static long poolLength(int poolSize) {
        return poolSize == 0 ? 0 : PoolLayout.poolLength(poolSize);
    }

    static long clientPoolOffset(int capacity) {
        return HEADER_LENGTH + 2 * RingDescriptor.ringLength(capacity);
    }

    static long serverPoolOffset(int capacity, int poolSize) {
        return clientPoolOffset(capacity) + poolLength(poolSize);
    }

    static long clientToServerOffset() {
        return HEADER_LENGTH;
    }

    static long serverToClientOffset(int capacity) {
        return HEADER_LENGTH + RingDescriptor.ringLength(capacity);
    }
}
