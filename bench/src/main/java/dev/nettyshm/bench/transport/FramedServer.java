package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import java.util.UUID;

/**
 * The server side of {@link FramedReport}, in its own JVM: {@code FramedServer TRANSPORT CPU}, its event loops — one
 * accepts, one serves — pinned to CPU. Prints {@code ready ADDRESS} and serves until its input closes. Every
 * connection's pipeline frames ({@link Framing}); its first frame picks the mode. {@code E}: every later frame is
 * echoed back, through the prepender. {@code T} followed by a count (a long): that many frames are decoded, the
 * first and last 8 bytes of each checked against {@link Payload} and released, and a 1-byte frame answers — {@code !},
 * or {@code X} if a check failed — after which the next {@code T} starts the next phase.
 */
public final class FramedServer {

    private FramedServer() {
    }

    public static void main(String[] args) throws Exception {
        BenchServer.serve(Transport.valueOf(args[0]), args[1], "bench-framed-" + UUID.randomUUID(),
                () -> new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        Framing.addTo(channel.pipeline());
                        channel.pipeline().addLast(new Serve());
                    }
                });
    }

    /** One connection's server side; see the class comment for the protocol. */
    private static final class Serve extends ChannelInboundHandlerAdapter {
        private boolean echo;
        private long remaining;
        private boolean damaged;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (echo) {
                ctx.write(frame);
                return;
            }
            if (remaining == 0) {
                byte command = frame.readByte();
                echo = command == 'E';
                remaining = echo ? 0 : frame.readLong();
                damaged = false;
                frame.release();
                return;
            }
            damaged |= !Payload.endsIntact(frame, 0, frame.readableBytes());
            frame.release();
            if (--remaining == 0) {
                ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(damaged ? 'X' : '!'));
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (echo) {
                ctx.flush();
            }
        }
    }
}
