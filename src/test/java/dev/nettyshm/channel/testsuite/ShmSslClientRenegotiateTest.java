package dev.nettyshm.channel.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketSslClientRenegotiateTest;
import java.net.SocketAddress;
import java.util.List;

/**
 * Skipped as a whole, as in any build without OpenSSL: the test renegotiates through an OpenSSL server, and none is
 * on the test class path (BoringSSL, Netty's usual native one, refuses renegotiation altogether).
 */
class ShmSslClientRenegotiateTest extends SocketSslClientRenegotiateTest {

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
