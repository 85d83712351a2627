package dev.nettyshm.channel.testsuite;

import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A bound name that never answers: its server's only event loop is kept busy, so the kernel queues a client's
 * socket and hello and nobody replies — what a host that drops packets is to a TCP connect. For connect timeouts
 * and cancellations.
 */
final class SilentServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final Channel channel;

    SilentServer() throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(ShmTestsuite.newAddress()).sync().channel();
        CountDownLatch busy = new CountDownLatch(1);
        group.execute(() -> {
            busy.countDown();
            released.join();
        });
        busy.await();
    }

    SocketAddress address() {
        return channel.localAddress();
    }

    @Override
    public void close() throws InterruptedException {
        released.complete(null);
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
