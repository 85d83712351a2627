package dev.nettyshm.bench.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.UUID;

/**
 * The server side of a measurement, in its own JVM: {@code BenchServer TRANSPORT CPU}, its event loop pinned to
 * CPU. Prints {@code ready ADDRESS}
 * and serves until its input closes. A connection's first byte picks its mode: {@code P} echoes every byte
 * (ping-pong); {@code T} reads an 8-byte total, swallows that many bytes and answers one byte (throughput).
 */
public final class BenchServer {

    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(group, args[1]);
            Channel server = bind(transport, group, "bench-" + UUID.randomUUID());
            System.out.println("ready " + Transport.describe(server.localAddress()));
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully().sync();
        }
    }

    static Channel bind(Transport transport, EventLoopGroup group, String token) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(transport.serverChannel)
                .childHandler(new Serve());
        if (transport == Transport.NIO_TCP || transport == Transport.EPOLL_TCP) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap.bind(transport.bindAddress(token)).sync().channel();
    }

    /** One connection's server side; see the class comment for the protocol. */
    private static final class Serve extends ChannelInboundHandlerAdapter {
        private char mode;
        private long remaining = -1;
        private int headerBytes;
        private long total;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            if (mode == 0) {
                mode = (char) buf.readByte();
            }
            if (mode == 'P') {
                ctx.write(buf);
                return;
            }
            while (headerBytes < 8 && buf.isReadable()) {
                total = total << 8 | buf.readUnsignedByte();
                if (++headerBytes == 8) {
                    remaining = total;
                }
            }
            remaining -= buf.readableBytes();
            buf.release();
            if (remaining == 0) {
                ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte('!'));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
