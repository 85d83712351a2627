package dev.nettyshm.channel;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An event loop for each side of a connection, and a way to hold the receiving side's loop still. */
final class SenderAndReceiverLoops implements AutoCloseable {

    final EventLoopGroup sender = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    final EventLoopGroup receiver = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());

    /** Holds the receiver's loop — it reads nothing, releases nothing — until the returned future completes. */
    CompletableFuture<Void> holdReceiver() {
        CompletableFuture<Void> resume = new CompletableFuture<>();
        receiver.execute(resume::join);
        return resume;
    }

    @Override
    public void close() throws InterruptedException {
        sender.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        receiver.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
