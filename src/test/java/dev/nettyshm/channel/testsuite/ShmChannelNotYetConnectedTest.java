package dev.nettyshm.channel.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketChannelNotYetConnectedTest;
import java.net.SocketAddress;
import java.nio.channels.NotYetConnectedException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

class ShmChannelNotYetConnectedTest extends SocketChannelNotYetConnectedTest {

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
     * Netty's test binds the client to an address of its own and casts it to the IP sockets' {@code SocketChannel}; a
     * shared-memory client has no address before it connects, and is a {@link DuplexChannel}. The same shutdowns, on a
     * client that is registered and not connected.
     */
    @Override
    public void testShutdownNotYetConnected(Bootstrap cb) {
        DuplexChannel ch = (DuplexChannel) cb.handler(new ChannelInboundHandlerAdapter()).register()
                .syncUninterruptibly().channel();
        try {
            assertThat(ch.shutdownInput().awaitUninterruptibly().cause()).isInstanceOf(NotYetConnectedException.class);
            assertThat(ch.shutdownOutput().awaitUninterruptibly().cause())
                    .isInstanceOf(NotYetConnectedException.class);
        } finally {
            ch.close().syncUninterruptibly();
        }
    }

    /** Netty's test connects to a NIO server on a TCP port; the same reads, from a shared-memory server. */
    @Override
    @Test
    @Timeout(30)
    public void readMustBePendingUntilChannelIsActive(TestInfo info) throws Throwable {
        run(info, this::readMustBePendingUntilChannelIsActive);
    }

    private void readMustBePendingUntilChannelIsActive(Bootstrap cb) throws Exception {
        Channel server = ShmTestsuite.server().newInstance().childHandler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(Unpooled.copyInt(42));
            }
        }).bind(newSocketAddress()).sync().channel();
        try {
            CountDownLatch read = new CountDownLatch(1);
            cb.handler(new ByteToMessageDecoder() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    assertThat(ctx.channel().isActive()).isFalse();
                    ctx.read();
                }

                @Override
                protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                    assertThat(in.readableBytes()).isLessThanOrEqualTo(Integer.BYTES);
                    if (in.readableBytes() == Integer.BYTES) {
                        assertThat(in.readInt()).isEqualTo(42);
                        read.countDown();
                    }
                }
            });
            Channel client = cb.connect(server.localAddress()).sync().channel();
            assertThat(read.await(10, TimeUnit.SECONDS)).as("the 42 the server sent").isTrue();
            client.close().sync();
        } finally {
            server.close().sync();
        }
    }
}
