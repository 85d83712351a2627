package dev.nettyshm.channel;

import dev.nettyshm.examples.EchoServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

/**
 * The other process of the transport's two-process tests. Commands:
 * <ul>
 *   <li>{@code echo-server NAME}: echoes every byte on every connection;</li>
 *   <li>{@code stream-server NAME}: writes to every connection the sequence 0, 1, 2, … of longs, as fast as the
 *       connection takes them.</li>
 * </ul>
 * Each prints {@code ready} once bound, and ends cleanly — closing the server — when its standard input closes.
 */
public final class TransportPeer {

    private TransportPeer() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            ChannelInboundHandlerAdapter handler = switch (args[0]) {
                case "echo-server" -> new EchoServer.Echo();
                case "stream-server" -> new Stream();
                default -> throw new IllegalArgumentException("unknown command " + args[0]);
            };
            Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                    .childHandler(handler).bind(new ShmAddress(args[1])).sync().channel();
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Run until the parent closes our input.
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Stream extends ChannelInboundHandlerAdapter {
        private static final io.netty.util.AttributeKey<long[]> NEXT = io.netty.util.AttributeKey.valueOf("next");

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.channel().attr(NEXT).set(new long[1]);
            writeWhileWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
        }

        private static void writeWhileWritable(ChannelHandlerContext ctx) {
            long[] next = ctx.channel().attr(NEXT).get();
            while (ctx.channel().isActive() && ctx.channel().isWritable()) {
                ByteBuf buf = ctx.alloc().buffer(8192);
                while (buf.isWritable(8)) {
                    buf.writeLong(next[0]++);
                }
                ctx.writeAndFlush(buf);
            }
        }
    }
}
