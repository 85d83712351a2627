package dev.nettyshm.channel.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.examples.EchoServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketConnectTest;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class ShmConnectTest extends SocketConnectTest {

    private static final String NORMAL_DATA = "[normal data]";

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
    @Test
    @Disabled("casts the addresses to InetSocketAddress and asks for a port; ShmAddressesTest checks the"
            + " shared-memory addresses before and after the connect")
    public void testLocalAddressAfterConnect(TestInfo testInfo) {
    }

    /**
     * Netty's test types the server's initializer for the IP sockets' {@code SocketChannel} and asks for TCP Fast
     * Open. What it checks holds without either, for each of its initial buffers: bytes written before the connect
     * cross first once connected, then those written after — on two connections in a row.
     */
    @Override
    protected void testWriteWithFastOpenBeforeConnect(ServerBootstrap sb, Bootstrap cb,
            Function<Channel, ByteBuf> initialData, String expectedInitialData) throws Throwable {
        Channel sc = sb.childHandler(new EchoServer.Echo()).bind().sync().channel();
        try {
            String expected = expectedInitialData + NORMAL_DATA;
            for (int connection = 0; connection < 2; connection++) {
                assertThat(writeBeforeAndAfterConnect(cb, sc.localAddress(), initialData, expected.length()))
                        .isEqualTo(expected);
            }
        } finally {
            sc.close().sync();
        }
    }

    private static String writeBeforeAndAfterConnect(Bootstrap cb, SocketAddress server,
            Function<Channel, ByteBuf> initialData, int length) throws Exception {
        Collector echo = new Collector(length);
        Channel ch = cb.handler(echo).register().sync().channel();
        try {
            ChannelFuture early = ch.write(initialData.apply(ch));
            ch.connect(server).sync();
            ch.writeAndFlush(ByteBufUtil.writeAscii(ch.alloc(), NORMAL_DATA)).sync();
            early.sync();
            return echo.received.get(10, TimeUnit.SECONDS);
        } finally {
            ch.close().sync();
        }
    }

    /** Collects what it reads as ASCII until {@code length} characters have come. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> received = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final int length;

        Collector(int length) {
            this.length = length;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            text.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
            if (text.length() >= length) {
                received.complete(text.toString());
            }
        }
    }
}
