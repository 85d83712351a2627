package dev.nettyshm.channel.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.channel.ShmAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketAddressesTest;
import java.net.SocketAddress;
import java.util.List;

class ShmAddressesTest extends SocketAddressesTest {

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

    @Override
    protected void assertAddress(SocketAddress address) {
        assertThat(address).isInstanceOf(ShmTestsuite.TCP ? java.net.InetSocketAddress.class : ShmAddress.class);
    }
}
