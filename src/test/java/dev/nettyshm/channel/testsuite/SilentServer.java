package dev.nettyshm.channel.testsuite;

import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A server that never answers, what a host that drops packets is to a TCP connect: for connect timeouts and
 * cancellations.
 *
 * <p>Over shared memory, a bound name whose server's only event loop is kept busy, so the kernel queues a client's
 * socket and hello and nobody replies. Over TCP ({@link ShmTestsuite#TCP}), a listening socket that never accepts,
 * with its accept queue filled: Linux then drops a client's SYN, and the connect waits.
 */
final class SilentServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final Channel channel;
    private final ServerSocketChannel tcp;
    private final List<SocketChannel> queued = new ArrayList<>();

    SilentServer() throws InterruptedException, IOException {
        if (ShmTestsuite.TCP) {
            channel = null;
            tcp = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1);
            fillAcceptQueue();
            return;
        }
        tcp = null;
        channel = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(ShmTestsuite.newAddress()).sync().channel();
        CountDownLatch busy = new CountDownLatch(1);
        group.execute(() -> {
            busy.countDown();
            released.join();
        });
        busy.await();
    }

    /** Connects until a connect does not complete: the queue is full, and the next SYN is dropped. */
    private void fillAcceptQueue() throws IOException {
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < 64; i++) {
                SocketChannel socket = SocketChannel.open();
                queued.add(socket);
                socket.configureBlocking(false);
                if (socket.connect(tcp.getLocalAddress())) {
                    continue;
                }
                socket.register(selector, SelectionKey.OP_CONNECT);
                if (selector.select(200) == 0) {
                    return;
                }
                selector.selectedKeys().clear();
                socket.finishConnect();
            }
        }
        throw new IOException("the accept queue of " + tcp.getLocalAddress() + " never filled");
    }

    SocketAddress address() throws IOException {
        return tcp != null ? tcp.getLocalAddress() : channel.localAddress();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (tcp != null) {
            for (SocketChannel socket : queued) {
                socket.close();
            }
            tcp.close();
        } else {
            released.complete(null);
            channel.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
