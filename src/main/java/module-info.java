/**
 * netty-shm: Netty over mapped shared memory, and the memory-mapping core beneath it.
 *
 * <ul>
 *   <li>{@link dev.nettyshm.mmap} maps files and named shared memory with the FFM API.</li>
 *   <li>{@link dev.nettyshm.channel} is the Netty transport: channels, address, I/O handler, options, metrics.</li>
 *   <li>{@link dev.nettyshm.buffer} is the public face of the allocator whose buffers live in shared memory.</li>
 * </ul>
 *
 * The rings, the buffer pools and their memory layouts live in {@code dev.nettyshm.internal.*}, which is not
 * exported: they may change in any release. {@code docs/api.md} lists the public API.
 */
module dev.nettyshm {
    exports dev.nettyshm.mmap;
    exports dev.nettyshm.channel;
    exports dev.nettyshm.buffer;

    requires transitive io.netty.transport;
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
}
