/**
 * netty-shm: Netty over mapped shared memory, and the memory-mapping core beneath it.
 *
 * <ul>
 *   <li>{@link dev.nettyshm.mmap} maps files and named shared memory with the FFM API.</li>
 *   <li>{@link dev.nettyshm.ring} lays single-producer/single-consumer byte rings over shared memory.</li>
 *   <li>{@link dev.nettyshm.channel} is the Netty transport over those rings.</li>
 *   <li>{@link dev.nettyshm.buffer} holds the buffers that live in a connection's shared memory.</li>
 * </ul>
 */
module dev.nettyshm {
    exports dev.nettyshm.mmap;
    exports dev.nettyshm.ring;
    exports dev.nettyshm.channel;
    exports dev.nettyshm.buffer;

    requires transitive io.netty.transport;
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
}
