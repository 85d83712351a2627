package dev.nettyshm.channel.testsuite;

import static io.netty.testsuite.transport.TestsuitePermutation.randomBufferType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.channel.ShmAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketSslSessionReuseTest;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class ShmSslSessionReuseTest extends SocketSslSessionReuseTest {

    private static final String[] PROTOCOLS = {"TLSv1", "TLSv1.1", "TLSv1.2"};
    /** A JDK client caches sessions by the peer's host and port; over shared memory the port is any fixed number. */
    private static final int PEER_PORT = 1;

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
     * Netty's test types its initializers for the IP sockets' {@code SocketChannel} and names the peer by its
     * {@code InetSocketAddress}. The same two connections, the server named by its shared-memory name: the second
     * resumes the first one's session.
     */
    @Override
    public void testSslSessionReuse(ServerBootstrap sb, Bootstrap cb, SslContext serverCtx, SslContext clientCtx)
            throws Throwable {
        Discard server = new Discard();
        Discard client = new Discard();
        Channel sc = sb.childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new SslHandler(engine(serverCtx.newEngine(ch.alloc()), false)), server);
            }
        }).bind().sync().channel();
        String peerHost = sc.localAddress() instanceof ShmAddress name ? name.name()
                : ((java.net.InetSocketAddress) sc.localAddress()).getHostString();
        cb.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                SSLEngine engine = clientCtx.newEngine(ch.alloc(), peerHost, PEER_PORT);
                ch.pipeline().addLast(new SslHandler(engine(engine, true)), client);
            }
        });
        try {
            SSLSessionContext sessions = clientCtx.sessionContext();
            sendAndClose(cb, sc.localAddress());
            server.rethrow();
            client.rethrow();
            Set<String> first = sessionIds(sessions);
            assertThat(first).as("the first connection's session").isNotEmpty();

            sendAndClose(cb, sc.localAddress());
            server.rethrow();
            client.rethrow();
            assertThat(sessionIds(sessions)).as("no new session").isEqualTo(first);
        } finally {
            sc.close().sync();
        }
    }

    private static SSLEngine engine(SSLEngine engine, boolean client) {
        engine.setUseClientMode(client);
        engine.setEnabledProtocols(PROTOCOLS);
        return engine;
    }

    private static void sendAndClose(Bootstrap cb, SocketAddress server) throws InterruptedException {
        Channel ch = cb.connect(server).sync().channel();
        ch.writeAndFlush(randomBufferType(ch.alloc(), new byte[] {0xa, 0xb, 0xc, 0xd}, 0, 4))
                .addListener(ChannelFutureListener.CLOSE).sync();
        ch.closeFuture().sync();
    }

    private static Set<String> sessionIds(SSLSessionContext sessions) {
        return Collections.list(sessions.getIds()).stream().map(ByteBufUtil::hexDump).collect(Collectors.toSet());
    }

    @Override
    @Test
    @Disabled("checks Netty's resumable trust manager, not the transport (testSslSessionReuse resumes a session over"
            + " shared memory), with OpenSSL for its second case, which is not on the test class path")
    public void testSslSessionTrustManagerResumption(SslContextBuilder serverCtx, SslContextBuilder clientCtx,
            TestInfo testInfo) {
    }

    /** Reads and drops; keeps the first exception. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        private final AtomicReference<Throwable> exception = new AtomicReference<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exception.compareAndSet(null, cause);
            ctx.close();
        }

        void rethrow() throws Throwable {
            Throwable cause = exception.get();
            if (cause != null) {
                throw cause;
            }
        }
    }
}
