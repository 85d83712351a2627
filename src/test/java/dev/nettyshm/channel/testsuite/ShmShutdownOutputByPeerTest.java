package dev.nettyshm.channel.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.AbstractSocketShutdownOutputByPeerTest;
import java.net.SocketAddress;
import java.util.List;

/**
 * The peer that shuts its output down is a shared-memory client channel, where Netty's test has a
 * {@code java.net.Socket} and epoll's domain-socket test a raw domain socket.
 */
class ShmShutdownOutputByPeerTest extends AbstractSocketShutdownOutputByPeerTest<DuplexChannel> {

    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return List.of(ShmTestsuite.server());
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
    protected DuplexChannel newSocket() {
        return (DuplexChannel) ShmTestsuite.client().newInstance().handler(new ChannelInboundHandlerAdapter())
                .register().syncUninterruptibly().channel();
    }

    @Override
    protected void connect(DuplexChannel peer, SocketAddress address) {
        peer.connect(address).syncUninterruptibly();
    }

    @Override
    protected void write(DuplexChannel peer, int data) {
        peer.writeAndFlush(Unpooled.buffer(1).writeByte(data)).syncUninterruptibly();
    }

    @Override
    protected void shutdownOutput(DuplexChannel peer) {
        peer.shutdownOutput().syncUninterruptibly();
    }

    @Override
    protected void close(DuplexChannel peer) {
        peer.close().syncUninterruptibly();
    }
}
