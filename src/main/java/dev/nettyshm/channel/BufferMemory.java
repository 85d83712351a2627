package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;

/** The memory of a Netty buffer as a {@link MemorySegment}, for copies between buffers and rings. */
final class BufferMemory {

    private BufferMemory() {
    }

    /**
     * The memory of a buffer that has one contiguous region — {@code hasMemoryAddress()} or {@code hasArray()} —
     * indexed as the buffer is. Direct memory is reached by its address, which needs the native access the library
     * asks for.
     */
    @SuppressWarnings("restricted") // the address and capacity come from Netty's own buffer
    static MemorySegment of(ByteBuf buf) {
        if (buf.hasMemoryAddress()) {
            return MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
        }
        return MemorySegment.ofArray(buf.array()).asSlice(buf.arrayOffset(), buf.capacity());
    }
}
