package dev.nettyshm.channel.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketConnectionAttemptTest;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Netty's tests connect to an IP address that drops packets and to a TCP port nobody listens on. Over shared memory
 * the first is a {@link SilentServer}, the second a name nobody bound; the same steps and assertions otherwise. Over
 * TCP the first is a {@link SilentServer} too — some networks answer for any address — and the second Netty's.
 */
class ShmConnectionAttemptTest extends SocketConnectionAttemptTest {

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return List.of(ShmTestsuite.client());
    }

    /** No byte crosses a connection that never completes: one allocator is enough. */
    @Override
    protected List<ByteBufAllocator> newAllocators() {
        return ShmTestsuite.allocators().subList(0, 1);
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return ShmTestsuite.newAddress();
    }

    @Override
    public void testConnectTimeout(Bootstrap cb) throws Throwable {
        try (SilentServer silent = new SilentServer()) {
            cb.handler(new ChannelInboundHandlerAdapter()).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
            ChannelFuture future = cb.connect(silent.address());
            try {
                assertThat(future.await(3000)).isTrue();
                assertThat(future.cause()).isInstanceOf(ConnectTimeoutException.class);
            } finally {
                future.channel().close();
            }
        }
    }

    @Override
    public void testConnectRefused(Bootstrap cb) throws Throwable {
        if (ShmTestsuite.TCP) {
            super.testConnectRefused(cb);
            return;
        }
        connectToANameNobodyServes(cb, false);
    }

    @Override
    public void testConnectRefusedHalfClosure(Bootstrap cb) throws Throwable {
        if (ShmTestsuite.TCP) {
            super.testConnectRefusedHalfClosure(cb);
            return;
        }
        connectToANameNobodyServes(cb, true);
    }

    private void connectToANameNobodyServes(Bootstrap cb, boolean halfClosure) {
        AtomicBoolean active = new AtomicBoolean();
        cb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                active.set(true);
            }
        }).option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure);
        ChannelFuture future = cb.connect(newSocketAddress()).awaitUninterruptibly();
        assertThat(future.cause()).isInstanceOf(ConnectException.class);
        assertThat(active).isFalse();
    }

    /** Netty's first probes whether its unreachable IP address really drops packets; a silent server always does. */
    @Override
    @Test
    public void testConnectCancellation(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testConnectCancellation);
    }

    @Override
    public void testConnectCancellation(Bootstrap cb) throws Throwable {
        try (SilentServer silent = new SilentServer()) {
            cb.handler(new ChannelInboundHandlerAdapter()).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 4000);
            ChannelFuture future = cb.connect(silent.address());
            try {
                assertThat(future.await(1000)).as("a connect to a silent server still pending").isFalse();
                assertThat(future.cancel(true)).isTrue();
                assertThat(future.channel().closeFuture().await(500)).isTrue();
                assertThat(future.isCancelled()).isTrue();
            } finally {
                future.channel().close();
            }
        }
    }
}
