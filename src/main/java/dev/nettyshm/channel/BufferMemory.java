package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;

/**
 * The memory of a Netty buffer that has one contiguous region — {@code hasMemoryAddress()} or {@code hasArray()} —
 * as a {@link MemorySegment} and an offset in it, for copies between buffers and rings.
 */
final class BufferMemory {

    /**
     * All of the address space: a direct buffer's bytes are reached at their address in it, so that a copy makes no
     * segment of its own. One made for each message was a sixth of a 1 KiB framed sender's time.
     */
    @SuppressWarnings("restricted") // the addresses used in it come from Netty's own buffers
    private static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private BufferMemory() {
    }

    /** The segment {@code buf}'s bytes are in; see {@link #offset}. */
    static MemorySegment of(ByteBuf buf) {
        return buf.hasMemoryAddress() ? NATIVE : MemorySegment.ofArray(buf.array());
    }

    /** Where {@code buf}'s byte at {@code index} is in {@link #of}'s segment. */
    static long offset(ByteBuf buf, int index) {
        return buf.hasMemoryAddress() ? buf.memoryAddress() + index : buf.arrayOffset() + index;
    }
}
