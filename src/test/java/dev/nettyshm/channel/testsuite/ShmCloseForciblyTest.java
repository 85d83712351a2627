package dev.nettyshm.channel.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketCloseForciblyTest;
import java.net.SocketAddress;
import java.util.List;

class ShmCloseForciblyTest extends SocketCloseForciblyTest {

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

    /**
     * Netty's test casts the accepted child to the IP sockets' {@code SocketChannel} to set {@code SO_LINGER} 0, a TCP
     * option, before it closes the child forcibly. The same forcible close, without the option: the client sees it.
     */
    @Override
    public void testCloseForcibly(ServerBootstrap sb, Bootstrap cb) throws Throwable {
        sb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object child) {
                ((Channel) child).unsafe().closeForcibly();
            }
        }).childHandler(new ChannelInboundHandlerAdapter());
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel sc = sb.bind().sync().channel();
        cb.connect(sc.localAddress()).channel().closeFuture().syncUninterruptibly();
        sc.close().sync();
    }
}
