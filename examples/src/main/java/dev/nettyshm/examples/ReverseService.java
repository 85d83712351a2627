package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The backend of the {@link SidecarProxy} example, a process of its own: a request/response service on a
 * {@code ShmServerChannel}. A message is an {@code int} length of what follows, a {@code long} id and a payload;
 * the service answers each request with its id and its payload reversed, and closes the connection on a request with
 * id {@value #QUIT}. It prints {@code ready} once bound, and ends when its standard input closes, printing what it
 * served.
 *
 * <p>Started by {@link SidecarProxy} as {@code ReverseService NAME}.
 */
public final class ReverseService {

    /** The id of the request that asks the service to close the connection. */
    static final long QUIT = -1;
    /** The largest message, length field excluded. */
    static final int MAX_MESSAGE = 1 << 20;

    private ReverseService() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        OnExit.shutDown(group);
        try {
            Reverse reverse = new Reverse();
            Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            reverse.connections.incrementAndGet();
                            channel.pipeline().addLast(
                                    new LengthFieldBasedFrameDecoder(MAX_MESSAGE, 0, Integer.BYTES, 0, Integer.BYTES),
                                    reverse);
                        }
                    }).bind(new ShmAddress(args[0])).sync().channel();
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            server.close().sync();
            System.out.printf("served %d connections, %,d requests%n", reverse.connections.get(),
                    reverse.requests.get());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Answers every request of every connection. */
    @ChannelHandler.Sharable
    private static final class Reverse extends SimpleChannelInboundHandler<ByteBuf> {
        private final AtomicLong connections = new AtomicLong();
        private final AtomicLong requests = new AtomicLong();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf request) {
            long id = request.readLong();
            if (id == QUIT) {
                ctx.close();
                return;
            }
            requests.incrementAndGet();
            int length = request.readableBytes();
            // From the channel's allocator: an answer of 4 KiB or more crosses to the proxy without a copy.
            ByteBuf answer = ctx.alloc().buffer(Integer.BYTES + Long.BYTES + length);
            answer.writeInt(Long.BYTES + length).writeLong(id);
            for (int i = request.writerIndex() - 1; i >= request.readerIndex(); i--) {
                answer.writeByte(request.getByte(i));
            }
            ctx.writeAndFlush(answer);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("service: " + cause);
            ctx.close();
        }
    }
}
