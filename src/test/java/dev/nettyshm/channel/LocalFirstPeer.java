package dev.nettyshm.channel;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;

/**
 * The other process of {@link LocalFirstTest}: an echo server listening on a TCP address, printing {@code port <n>}
 * once it listens, until its standard input ends.
 *
 * <p>Arguments: {@code shm} (a {@link ShmServerChannel}) or {@code nio} (Netty's NIO server); the host to bind;
 * {@code tls} or {@code plain}; and optionally the port (0, any, by default).
 */
public final class LocalFirstPeer {

    private LocalFirstPeer() {
    }

    public static void main(String[] args) throws Exception {
        boolean shm = args[0].equals("shm");
        SslContext tls = args[2].equals("tls") ? LocalFirstTest.serverTls() : null;
        int port = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                shm ? ShmIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group)
                    .channel(shm ? ShmServerChannel.class : NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls != null) {
                                ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(new EchoHandler());
                        }
                    }).bind(new InetSocketAddress(args[1], port)).sync().channel();
            System.out.println("port " + ((InetSocketAddress) server.localAddress()).getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Until the test closes our input.
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
