package dev.nettyshm.channel.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.WriteBeforeRegisteredTest;
import java.net.SocketAddress;
import java.util.List;

class ShmWriteBeforeRegisteredTest extends WriteBeforeRegisteredTest {

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return List.of(ShmTestsuite.client());
    }

    @Override
    protected List<ByteBufAllocator> newAllocators() {
        return ShmTestsuite.allocators();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return ShmTestsuite.newAddress();
    }

    /**
     * Netty's test casts the channel to the IP sockets' {@code SocketChannel}. The same write, before the channel is
     * registered and to a name nobody serves; that it fails instead of hanging is checked too.
     */
    @Override
    public void testWriteBeforeConnect(Bootstrap cb) {
        Channel ch = cb.handler(new ChannelInboundHandlerAdapter()).connect(newSocketAddress()).channel();
        try {
            ChannelFuture write = ch.writeAndFlush(ch.alloc().buffer(1).writeByte(1));
            assertThat(write.awaitUninterruptibly(10_000)).as("the write ended").isTrue();
            assertThat(write.isSuccess()).isFalse();
        } finally {
            ch.close();
        }
    }
}
