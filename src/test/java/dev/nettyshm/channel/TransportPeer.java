package dev.nettyshm.channel;

import dev.nettyshm.examples.EchoServer;
import dev.nettyshm.testing.KernelTask;
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
 *   <li>{@code framed-echo-server NAME}: echoes every frame on every connection, framed as users frame theirs
 *       ({@code LengthFieldBasedFrameDecoder} in, {@code LengthFieldPrepender} out);</li>
 *   <li>{@code stream-server NAME}: writes to every connection the sequence 0, 1, 2, … of longs, as fast as the
 *       connection takes them, and on exit prints {@code pending-max N}: the most bytes its outbound buffers ever
 *       held;</li>
 *   <li>{@code hoard-server NAME BYTES}: holds every buffer it receives — the sender's pool runs dry — until it
 *       holds BYTES, then echoes them all and echoes from then on;</li>
 *   <li>{@code hold-client NAME BYTES}: connects, holds every buffer it receives and never releases one, and
 *       prints {@code holding} once it holds BYTES;</li>
 *   <li>{@code race-bind NAME}: prints {@code waiting}, and when a line arrives on its input binds NAME and prints
 *       {@code bound}, or {@code refused EXCEPTION} if it cannot;</li>
 *   <li>{@code connect-client NAME}: starts connecting and prints {@code connecting}, whether or not the server ever
 *       answers;</li>
 *   <li>{@code soak-server NAME COUNT SEED}: writes to every connection COUNT {@link SoakMessages} of the lengths
 *       SEED gives, as fast as the connection takes them;</li>
 *   <li>{@code checksum-server NAME}: reads every connection to its end, then prints {@code received BYTES CRC}: how
 *       many bytes it received and their CRC32C;</li>
 *   <li>{@code echo-clients NAME CONNECTIONS SECONDS SIZE}: opens CONNECTIONS connections on one event loop,
 *       prints {@code connected} and waits for a line on its input; then each connection sends numbered messages
 *       of SIZE bytes and checks every echoed byte for SECONDS, and it prints {@code result MESSAGES MISMATCHES}
 *       (or {@code failed CAUSE}).</li>
 * </ul>
 * Each prints {@code ready} once bound or connected, and ends cleanly — closing its channel — when its standard
 * input closes. A server prints before it {@code serving on <pid>/task/<tid>}: the thread of the loop its connections
 * are served on, for a test that must know when that loop sleeps.
 */
public final class TransportPeer {

    private TransportPeer() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        try {
            if (args[0].equals("echo-clients")) {
                echoClients(group, new ShmAddress(args[1]), Integer.parseInt(args[2]),
                        java.time.Duration.ofSeconds(Long.parseLong(args[3])), Integer.parseInt(args[4]));
                return;
            }
            if (args[0].equals("race-bind")) {
                raceBind(group, new ShmAddress(args[1]));
                return;
            }
            if (args[0].equals("connect-client")) {
                new io.netty.bootstrap.Bootstrap().group(group).channel(ShmChannel.class)
                        .handler(new ChannelInboundHandlerAdapter()).connect(new ShmAddress(args[1]));
                System.out.println("connecting");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // Run until the parent closes our input, or signals us.
                }
                return;
            }
            if (args[0].equals("hold-client")) {
                Channel client = new io.netty.bootstrap.Bootstrap().group(group).channel(ShmChannel.class)
                        .handler(new Hold(Long.parseLong(args[2]))).connect(new ShmAddress(args[1])).sync().channel();
                System.out.println("ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // Run until the parent closes our input.
                }
                client.close().sync();
                return;
            }
            io.netty.channel.ChannelHandler handler = switch (args[0]) {
                case "echo-server" -> new EchoServer.Echo();
                case "framed-echo-server" -> new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel child) {
                        child.pipeline().addLast(
                                new io.netty.handler.codec.LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 4),
                                new io.netty.handler.codec.LengthFieldPrepender(4), new EchoHandler());
                    }
                };
                case "stream-server" -> new Stream();
                case "soak-server" -> new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel child) {
                        child.pipeline().addLast(new Soak(Long.parseLong(args[2]), Long.parseLong(args[3])));
                    }
                };
                case "checksum-server" -> new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel child) {
                        ChecksumHandler checksum = new ChecksumHandler();
                        checksum.result.thenAccept(received -> {
                            System.out.println("received " + received.bytes() + " " + received.crc());
                            System.out.flush();
                        });
                        child.pipeline().addLast(checksum);
                    }
                };
                case "hoard-server" -> new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel child) {
                        child.pipeline().addLast(new Hoard(Long.parseLong(args[2])));
                    }
                };
                default -> throw new IllegalArgumentException("unknown command " + args[0]);
            };
            // Connections are accepted on a loop of their own, so that the loop serving them sleeps on futexes
            // (unless -Ddev.nettyshm.futex=false): a loop that listens sleeps in its selector.
            EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
            try {
                Channel server = new ServerBootstrap().group(boss, group).channel(ShmServerChannel.class)
                        .childHandler(handler).bind(new ShmAddress(args[1])).sync().channel();
                System.out.println("serving on " + group.submit(KernelTask::current).get().name());
                System.out.println("ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // Run until the parent closes our input.
                }
                server.close().sync();
            } finally {
                boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
            }
            if (handler instanceof Stream) {
                System.out.println("pending-max " + Stream.PENDING_MAX.get());
            }
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private static void raceBind(EventLoopGroup group, ShmAddress address) throws Exception {
        System.out.println("waiting");
        System.out.flush();
        java.io.BufferedReader input = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        input.readLine();
        io.netty.channel.ChannelFuture bind = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoServer.Echo()).bind(address).await();
        if (!bind.isSuccess()) {
            System.out.println("refused " + bind.cause());
            System.out.flush();
            return;
        }
        System.out.println("bound");
        System.out.flush();
        while (input.read() >= 0) {
            // Serve until the parent closes our input.
        }
        bind.channel().close().sync();
    }

    private static void echoClients(EventLoopGroup group, ShmAddress address, int connections,
            java.time.Duration duration, int size) {
        try {
            java.util.List<java.util.concurrent.CompletableFuture<EchoClient.Result>> clients =
                    new java.util.ArrayList<>();
            java.util.concurrent.CompletableFuture<Void> go = new java.util.concurrent.CompletableFuture<>();
            for (int i = 0; i < connections; i++) {
                clients.add(EchoClient.startFor(group, address, size, 16L * size, duration, go));
            }
            System.out.println("connected");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            go.complete(null);
            long messages = 0;
            long mismatches = 0;
            for (var client : clients) {
                EchoClient.Result result = client.get(duration.toSeconds() + 60, java.util.concurrent.TimeUnit.SECONDS);
                messages += result.messages();
                mismatches += result.mismatches();
            }
            System.out.println("result " + messages + " " + mismatches);
        } catch (Exception e) {
            System.out.println("failed " + e);
        }
        System.out.flush();
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Stream extends ChannelInboundHandlerAdapter {
        private static final io.netty.util.AttributeKey<long[]> NEXT = io.netty.util.AttributeKey.valueOf("next");
        static final java.util.concurrent.atomic.AtomicLong PENDING_MAX = new java.util.concurrent.atomic.AtomicLong();

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
                io.netty.channel.ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
                if (pending != null) {
                    PENDING_MAX.accumulateAndGet(pending.totalPendingWriteBytes(), Math::max);
                }
            }
        }
    }

    /** See the class comment; one per connection. */
    private static final class Soak extends ChannelInboundHandlerAdapter {
        /** Flush after this many bytes: fewer flushes, yet the ring never waits long for a publication. */
        private static final int FLUSH_BYTES = 256 * 1024;
        private final long count;
        private final java.util.SplittableRandom lengths;
        private long next;

        Soak(long count, long seed) {
            this.count = count;
            this.lengths = SoakMessages.lengths(seed);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            writeWhileWritable(ctx);
        }

        private void writeWhileWritable(ChannelHandlerContext ctx) {
            long unflushed = 0;
            while (next < count && ctx.channel().isActive() && ctx.channel().isWritable()) {
                ByteBuf message = SoakMessages.message(ctx, next++, SoakMessages.nextLength(lengths));
                unflushed += message.readableBytes();
                ctx.write(message);
                if (unflushed >= FLUSH_BYTES) {
                    ctx.flush();
                    unflushed = 0;
                }
            }
            ctx.flush();
        }
    }

    /** See the class comment; one per connection. */
    private static final class Hoard extends ChannelInboundHandlerAdapter {
        private final long threshold;
        private final java.util.List<ByteBuf> held = new java.util.ArrayList<>();
        private long heldBytes;

        Hoard(long threshold) {
            this.threshold = threshold;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (heldBytes < 0) {
                ctx.write(msg);
                return;
            }
            ByteBuf buf = (ByteBuf) msg;
            held.add(buf);
            heldBytes += buf.readableBytes();
            if (heldBytes >= threshold) {
                held.forEach(ctx::write);
                held.clear();
                heldBytes = -1;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            held.forEach(ByteBuf::release);
            held.clear();
        }
    }

    /** Holds every buffer it receives, to the end; says so once it holds enough. */
    private static final class Hold extends ChannelInboundHandlerAdapter {
        private final long enough;
        private final java.util.List<Object> held = new java.util.ArrayList<>();
        private long heldBytes;

        Hold(long enough) {
            this.enough = enough;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            held.add(msg);
            long before = heldBytes;
            heldBytes += ((ByteBuf) msg).readableBytes();
            if (before < enough && heldBytes >= enough) {
                System.out.println("holding");
                System.out.flush();
            }
        }
    }
}
