package dev.nettyshm.channel;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The processes of {@link StaleFilesTest}. Commands:
 * <ul>
 *   <li>{@code partner BUSY STUCK}: serves BUSY with an echo, and STUCK from a loop that never answers a hello,
 *       and prints {@code ready}; then connects to each name that arrives as a line on its input and prints
 *       {@code connected}. It closes everything and ends when its input closes;</li>
 *   <li>{@code victim NAME BUSY STUCK}: prints {@code warm} once its event loop runs, and when a line arrives on its
 *       input serves NAME-idle and NAME-busy, connects to BUSY, starts connecting to STUCK, and prints
 *       {@code ready} once that connection's segment exists; then waits to be killed. It ends cleanly when its
 *       input closes.</li>
 * </ul>
 */
public final class LeftoverPeer {

    private LeftoverPeer() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        switch (args[0]) {
            case "partner" -> partner(group, args[1], args[2]);
            case "victim" -> victim(group, args[1], args[2], args[3]);
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static void partner(EventLoopGroup group, String busy, String stuck) throws Exception {
        EventLoopGroup stuckLoop = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        Channel busyServer = server(group, busy);
        Channel stuckServer = server(stuckLoop, stuck);
        // Hellos wait in the listening socket's backlog as long as its loop is busy with this.
        CountDownLatch release = new CountDownLatch(1);
        stuckLoop.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.out.println("ready");
        System.out.flush();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in));
        String name;
        while ((name = input.readLine()) != null) {
            client(group).connect(new ShmAddress(name)).sync();
            System.out.println("connected");
            System.out.flush();
        }
        release.countDown();
        stuckServer.close().sync();
        busyServer.close().sync();
        stuckLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static void victim(EventLoopGroup group, String name, String busy, String stuck) throws Exception {
        group.submit(() -> { }).sync();
        System.out.println("warm");
        System.out.flush();
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in));
        if (input.readLine() == null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            return;
        }
        server(group, name + "-idle");
        server(group, name + "-busy");
        client(group).connect(new ShmAddress(busy)).sync();
        Channel handshaking = client(group).connect(new ShmAddress(stuck)).channel();
        while (handshaking.localAddress() == null) {
            Thread.sleep(1);
        }
        System.out.println("ready");
        System.out.flush();
        while (input.readLine() != null) {
            // Wait for the kill; should the test end without one, our input closes.
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static Channel server(EventLoopGroup group, String name) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(new EchoHandler())
                .bind(new ShmAddress(name)).sync().channel();
    }

    private static Bootstrap client(EventLoopGroup group) {
        return new Bootstrap().group(group).channel(ShmChannel.class).handler(new ChannelInboundHandlerAdapter());
    }
}
