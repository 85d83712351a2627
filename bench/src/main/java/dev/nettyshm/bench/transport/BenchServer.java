package dev.nettyshm.bench.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server side of a measurement, in its own JVM: {@code BenchServer TRANSPORT CPU}, its event loops — one
 * accepts, one serves — pinned to CPU. Prints {@code ready ADDRESS} and serves until its input closes, one connection
 * after another or several at once. A connection's first byte picks its mode, and all but {@code W} are followed by
 * a message size (an int). Ping-pong, as {@link RoundTripWork} describes: {@code P} echoes every byte; {@code R}
 * echoes each buffer's bytes copied into a buffer from the channel's allocator; {@code F} checks the first and last
 * 8 bytes of each message and answers it with a message filled from its own {@link Payload}, closing the connection
 * if a check failed. {@code T} reads an 8-byte total, swallows that many bytes — checking that the first and last
 * 8 bytes of each message hold their offsets — and answers {@code !} (or {@code X} if one did not), then reads the
 * next total (throughput: a warm-up phase, then the measured one); {@code W} reads 8-byte {@link System#nanoTime()}
 * stamps and answers each with the nanoseconds it took to arrive (wake-up latency: the clock is the machine's
 * monotonic one, shared by its processes).
 */
public final class BenchServer {

    private BenchServer() {
    }

    public static void main(String[] args) throws Exception {
        serve(Transport.valueOf(args[0]), args[1], "bench-" + UUID.randomUUID(), Serve::new);
    }

    /**
     * Binds a server of {@code transport} pinned to {@code cpu}, prints {@code ready ADDRESS}, and serves each
     * connection with a handler from {@code handlers} until the parent closes this process's input.
     */
    static void serve(Transport transport, String cpu, String token, Supplier<ChannelHandler> handlers)
            throws Exception {
        // Logback, which Netty's testsuite brings onto the class path, would take half a second of the JVM's start.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        // Connections are accepted on a loop of their own and served on another, as servers are commonly set up: a
        // shared-memory loop that listens sleeps in its selector, one that only serves may sleep on futexes.
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(boss, cpu);
            Pinning.pin(group, cpu);
            Channel server = bind(transport, boss, group, token, handlers);
            System.out.println("ready " + Transport.describe(server.localAddress()));
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Binds a server that accepts on {@code boss} and serves on {@code group}; the two may be one. */
    static Channel bind(Transport transport, EventLoopGroup boss, EventLoopGroup group, String token)
            throws InterruptedException {
        return bind(transport, boss, group, token, Serve::new);
    }

    /**
     * Binds a server of {@code transport} that accepts on {@code boss} and serves each connection on {@code group}
     * with a handler of its own from {@code handlers}, {@code TCP_NODELAY} over TCP.
     */
    static Channel bind(Transport transport, EventLoopGroup boss, EventLoopGroup group, String token,
            Supplier<ChannelHandler> handlers) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(boss, group).channel(transport.serverChannel)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        // Each connection has its own state: a server serves run after run.
                        channel.pipeline().addLast(handlers.get());
                    }
                });
        if (transport == Transport.NIO_TCP || transport == Transport.EPOLL_TCP) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap.bind(transport.bindAddress(token)).sync().channel();
    }

    /** One connection's server side; see the class comment for the protocol. */
    private static final class Serve extends ChannelInboundHandlerAdapter {
        private char mode;
        private long remaining;
        private int headerBytes;
        private long total;
        private int messageSize;
        /** Position in the current phase's stream. */
        private long position;
        private boolean damaged;
        /** What {@code F} fills its answers from. */
        private ByteBuf payload;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            if (mode == 0) {
                mode = (char) buf.readByte();
                if (mode != 'W') {
                    messageSize = buf.readInt();
                }
                if (mode == 'F') {
                    payload = Payload.of(messageSize);
                }
            }
            if (mode == 'P') {
                ctx.write(buf);
                return;
            }
            if (mode == 'R') {
                ctx.write(ctx.alloc().directBuffer(buf.readableBytes()).writeBytes(buf));
                buf.release();
                return;
            }
            if (mode == 'F') {
                answerFilled(ctx, buf);
                return;
            }
            if (mode == 'W') {
                answerStamps(ctx, buf);
                return;
            }
            while (buf.isReadable()) {
                if (headerBytes < 8) {
                    total = total << 8 | buf.readUnsignedByte();
                    if (++headerBytes == 8) {
                        remaining = total;
                    }
                    continue;
                }
                int n = (int) Math.min(remaining, buf.readableBytes());
                check(buf, n);
                buf.skipBytes(n);
                remaining -= n;
                if (remaining == 0) {
                    ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte(damaged ? 'X' : '!'));
                    headerBytes = 0;
                    total = 0;
                    position = 0;
                }
            }
            buf.release();
        }

        /** Checks the first and last 8 bytes of each message among the next {@code n} readable bytes. */
        private void check(ByteBuf buf, int n) {
            int reader = buf.readerIndex();
            int i = 0;
            while (i < n) {
                int inMessage = (int) (position % messageSize);
                if (inMessage >= 8 && inMessage < messageSize - 8) {
                    // Skip to the message's last 8 bytes.
                    int skip = Math.min(messageSize - 8 - inMessage, n - i);
                    i += skip;
                    position += skip;
                    continue;
                }
                if (buf.getByte(reader + i) != (byte) inMessage) {
                    damaged = true;
                }
                i++;
                position++;
            }
        }

        /** Checks the ends of a request and, once all of it is in, answers with a message filled from the payload. */
        private void answerFilled(ChannelHandlerContext ctx, ByteBuf buf) {
            check(buf, buf.readableBytes());
            buf.release();
            if (damaged) {
                ctx.close();
            } else if (position % messageSize == 0) {
                ctx.write(ctx.alloc().directBuffer(messageSize).writeBytes(payload, 0, messageSize));
            }
        }

        private void answerStamps(ChannelHandlerContext ctx, ByteBuf buf) {
            long now = System.nanoTime();
            while (buf.isReadable()) {
                total = total << 8 | buf.readUnsignedByte();
                if (++headerBytes == 8) {
                    ctx.write(ctx.alloc().buffer(8).writeLong(now - total));
                    headerBytes = 0;
                    total = 0;
                }
            }
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (payload != null) {
                payload.release();
            }
            ctx.fireChannelInactive();
        }
    }
}
