package dev.nettyshm.channel.testsuite;

import static io.netty.testsuite.transport.TestsuitePermutation.randomBufferType;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketShutdownOutputBySelfTest;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Netty's tests talk to a {@code java.net.ServerSocket} and cast the client to the IP sockets' {@code SocketChannel}.
 * Here the other end is a {@link Peer}, a shared-memory server read byte by byte, and the client a
 * {@link DuplexChannel}; the same steps and assertions otherwise.
 */
class ShmShutdownOutputBySelfTest extends SocketShutdownOutputBySelfTest {

    private static final int BYTE = 1;

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

    @Override
    public void testShutdownOutput(Bootstrap cb) throws Throwable {
        Recorder client = new Recorder();
        try (Peer peer = new Peer(newSocketAddress())) {
            DuplexChannel ch = (DuplexChannel) cb.handler(client).connect(peer.address()).sync().channel();
            try {
                assertThat(ch.isActive()).isTrue();
                assertThat(ch.isOutputShutdown()).isFalse();
                ch.writeAndFlush(randomBufferType(ch.alloc(), new byte[] {BYTE}, 0, 1)).sync();
                assertThat(peer.read()).isEqualTo(BYTE);
                assertOpen(ch, false);

                ch.shutdownOutput().sync();
                assertThat(peer.read()).as("the end of the stream").isEqualTo(-1);
                assertOpen(ch, true);

                peer.write(BYTE);
                assertThat(client.read()).as("the half-closed side still reads").isEqualTo(BYTE);
            } finally {
                ch.close().sync();
            }
        }
    }

    private static void assertOpen(DuplexChannel ch, boolean outputShutdown) {
        assertThat(ch.isOpen()).isTrue();
        assertThat(ch.isActive()).isTrue();
        assertThat(ch.isInputShutdown()).isFalse();
        assertThat(ch.isOutputShutdown()).isEqualTo(outputShutdown);
    }

    @Override
    public void testShutdownOutputAfterClosed(Bootstrap cb) throws Throwable {
        try (Peer peer = new Peer(newSocketAddress())) {
            DuplexChannel ch = (DuplexChannel) cb.handler(new Recorder()).connect(peer.address()).sync().channel();
            assertThat(ch.isActive()).isTrue();
            ch.close().sync();
            assertThat(ch.shutdownInput().awaitUninterruptibly().cause()).isInstanceOf(ClosedChannelException.class);
            assertThat(ch.shutdownOutput().awaitUninterruptibly().cause()).isInstanceOf(ClosedChannelException.class);
        }
    }

    @Override
    @Test
    @Disabled("sets SO_LINGER, a TCP option the transport ignores: the test guards NIO's and epoll's linger path")
    public void testShutdownOutputSoLingerNoAssertError(TestInfo testInfo) {
    }

    @Override
    @Test
    @Disabled("sets SO_LINGER, a TCP option the transport ignores: the test guards NIO's and epoll's linger path")
    public void testShutdownSoLingerNoAssertError(TestInfo testInfo) {
    }

    /** Queues the bytes a channel reads, -1 at the end of its input. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final BlockingQueue<Integer> reads = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            while (buf.isReadable()) {
                reads.add((int) buf.readByte());
            }
            buf.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                reads.add(-1);
            }
        }

        int read() throws InterruptedException {
            Integer read = reads.poll(10, TimeUnit.SECONDS);
            assertThat(read).as("a byte or the end within 10 s").isNotNull();
            return read;
        }
    }

    /**
     * The other end of Netty's tests, a {@code ServerSocket} there: a server whose one connection reads byte by byte
     * and, half-closable, still writes after its input ended.
     */
    private static final class Peer implements AutoCloseable {
        private final Recorder recorder = new Recorder();
        private final CompletableFuture<Channel> accepted = new CompletableFuture<>();
        private final Channel server;

        Peer(SocketAddress address) throws InterruptedException {
            server = ShmTestsuite.server().newInstance().childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void handlerAdded(ChannelHandlerContext ctx) {
                            ctx.pipeline().addLast(recorder);
                            accepted.complete(ctx.channel());
                        }
                    }).bind(address).sync().channel();
        }

        SocketAddress address() {
            return server.localAddress();
        }

        int read() throws InterruptedException {
            return recorder.read();
        }

        void write(int b) throws Exception {
            Channel child = accepted.get(10, TimeUnit.SECONDS);
            child.writeAndFlush(child.alloc().buffer(1).writeByte(b)).sync();
        }

        @Override
        public void close() throws InterruptedException {
            Channel child = accepted.getNow(null);
            if (child != null) {
                child.close().sync();
            }
            server.close().sync();
        }
    }
}
