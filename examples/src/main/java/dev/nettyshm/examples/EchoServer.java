package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An echo server, twice: over shared memory on {@code shm:NAME} and over loopback TCP. The same handler serves
 * both; only the event loop group, the channel class and the address differ — the three things that move a Netty
 * server from TCP to shared memory. It prints the TCP port and {@code ready}, and ends when its input closes.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp … dev.nettyshm.examples.EchoServer NAME}
 */
public final class EchoServer {

    private EchoServer() {
    }

    /** Writes back every byte it reads, flushing once per read batch; one instance serves every connection. */
    @ChannelHandler.Sharable
    public static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        OnExit.shutDown(shmGroup);
        EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Echo echo = new Echo();
            Channel shm = new ServerBootstrap().group(shmGroup).channel(ShmServerChannel.class)
                    .childHandler(echo).bind(new ShmAddress(args[0])).sync().channel();
            Channel tcp = new ServerBootstrap().group(tcpGroup).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true).childHandler(echo)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            SocketAddress tcpAddress = tcp.localAddress();
            System.out.println("tcp " + ((InetSocketAddress) tcpAddress).getPort());
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            shm.close().sync();
            tcp.close().sync();
        } finally {
            shmGroup.shutdownGracefully().sync();
            tcpGroup.shutdownGracefully().sync();
        }
    }
}
