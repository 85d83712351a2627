package dev.nettyshm.channel.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketRstTest;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

class ShmRstTest extends SocketRstTest {

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

    /** Netty's test leaves its server bound: here that leaves the name's socket and lock in /dev/shm. Closed after. */
    @Override
    public void testNoRstIfSoLingerOnClose(ServerBootstrap sb, Bootstrap cb) throws Throwable {
        CompletableFuture<Channel> server = new CompletableFuture<>();
        sb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                server.complete(ctx.channel());
            }
        });
        try {
            super.testNoRstIfSoLingerOnClose(sb, cb);
        } finally {
            server.get(10, TimeUnit.SECONDS).close().sync();
        }
    }

    @Override
    @Test
    @Disabled("SO_LINGER 0 makes a TCP close a reset; shared memory has no resets, and ignores the option")
    public void testSoLingerZeroCausesOnlyRstOnClose(TestInfo testInfo) {
    }
}
