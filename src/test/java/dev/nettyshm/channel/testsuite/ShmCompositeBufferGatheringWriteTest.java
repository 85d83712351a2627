package dev.nettyshm.channel.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.CompositeBufferGatheringWriteTest;
import java.net.SocketAddress;
import java.util.List;

/**
 * The partial-write case limits {@code SO_SNDBUF}, which shared memory ignores: its 2 KiB fit in any ring, so it
 * checks composites written whole here; {@link ShmGatheringWriteTest} fills the ring and writes composites in part.
 */
class ShmCompositeBufferGatheringWriteTest extends CompositeBufferGatheringWriteTest {

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return ShmTestsuite.combos();
    }

    @Override
    protected List<ByteBufAllocator> newAllocators() {
        return ShmTestsuite.allocators();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return ShmTestsuite.newAddress();
    }
}
