package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The receiving side of {@link FileReport}: {@code FileClient TRANSPORT CPU ADDRESS SIZE COUNT}, its event loop
 * pinned to CPU. Asks a {@link FileServer} for its file of SIZE bytes, one after another, for at least
 * {@code bench.warmupMillis} (3 s by default) and then COUNT times more, and prints
 * {@code result bytesPerSecond} of those COUNT. Honest work: every buffer received is checked where the file's first
 * whole 8-byte word in it lies — each word of the file holds its offset ({@link FileReport}) — and released.
 */
public final class FileClient {

    private static final long WARMUP_NANOS = Long.getLong("bench.warmupMillis", 3_000) * 1_000_000;

    private FileClient() {
    }

    public static void main(String[] args) throws Exception {
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        Transport transport = Transport.valueOf(args[0]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(group, args[1]);
            Receive receive = new Receive(Long.parseLong(args[3]), Integer.parseInt(args[4]));
            Channel channel = BenchClient.clientBootstrap(transport, group).handler(receive)
                    .connect(Transport.parse(args[2])).sync().channel();
            String result = receive.result.get(600, TimeUnit.SECONDS);
            channel.close().sync();
            System.out.println("result " + result);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Asks for the file, takes it in, asks again; times the files after the warm-up. */
    private static final class Receive extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> result = new CompletableFuture<>();
        private final long size;
        private final int count;
        private long received;
        private long warmupStart;
        private long start;
        private int measured;

        Receive(long size, int count) {
            this.size = size;
            this.count = count;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            warmupStart = System.nanoTime();
            request(ctx);
        }

        private static void request(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte('G'));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            long word = (received + 7) & -8;
            boolean intact = word + 8 > received + n
                    || buf.getLong(buf.readerIndex() + (int) (word - received)) == word;
            buf.release();
            if (!intact) {
                result.completeExceptionally(new IllegalStateException("the file arrived damaged at " + word));
                ctx.close();
                return;
            }
            received += n;
            if (received < size) {
                return;
            }
            received = 0;
            long now = System.nanoTime();
            if (start == 0 && now - warmupStart >= WARMUP_NANOS) {
                start = now;
            } else if (start != 0 && ++measured == count) {
                result.complete(String.valueOf((long) (size * count / ((now - start) / 1e9))));
                return;
            }
            request(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("the server closed the connection"));
        }
    }
}
