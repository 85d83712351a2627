/**
 * netty-shm: Netty over mapped shared memory, and the memory-mapping core beneath it.
 *
 * <ul>
 *   <li>{@link dev.nettyshm.mmap} maps files and named shared memory with the FFM API.</li>
 *   <li>{@link dev.nettyshm.channel} is the Netty transport: channels, address, I/O handler, options, metrics.</li>
 *   <li>{@link dev.nettyshm.buffer} is the public face of the allocator whose buffers live in shared memory.</li>
 *   <li>{@link dev.nettyshm.reactor} runs Reactor Netty on the transport; it needs Reactor Netty, an optional
 *       dependency.</li>
 *   <li>{@link dev.nettyshm.micrometer} publishes the transport's counters to Micrometer, an optional
 *       dependency.</li>
 * </ul>
 *
 * The rings, the buffer pools and their memory layouts live in {@code dev.nettyshm.internal.*}, which is not
 * exported: they may change in any release. {@code docs/api.md} lists the public API.
 */
module dev.nettyshm {
    exports dev.nettyshm.mmap;
    exports dev.nettyshm.channel;
    exports dev.nettyshm.buffer;
    exports dev.nettyshm.reactor;
    exports dev.nettyshm.micrometer;

    requires transitive io.netty.transport;
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    // Optional: only users of dev.nettyshm.reactor and dev.nettyshm.micrometer need them, and they are in their API.
    requires static transitive reactor.core;
    requires static transitive reactor.netty.core;
    requires static transitive micrometer.core;
}
