package dev.nettyshm.channel;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends numbered messages to an echo server and checks every echoed byte: message {@code i} is {@code size} bytes,
 * byte {@code j} of it {@code pattern(i, j)}. Keeps at most a window of bytes in flight.
 */
final class EchoClient extends ChannelInboundHandlerAdapter {

    /** What came back, and how the channel's pool allocator served the messages sent. */
    record Result(long messages, long mismatches, long pooled, long fallbacks) {
    }

    private static final long DEFAULT_WINDOW = 4L << 20;

    private final int count;
    private final int size;
    private final long window;
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    private long sent;
    /** Send no more; complete once every message sent has come back. */
    private boolean stopped;
    private long receivedBytes;
    private long mismatches;
    private final byte[] scratch;
    private final byte[] received = new byte[64 * 1024];

    private EchoClient(int count, int size, long window) {
        this.count = count;
        this.size = size;
        this.window = window;
        this.scratch = new byte[size];
    }

    static Result run(EventLoopGroup group, ShmAddress address, int count, int size) throws Exception {
        return start(group, address, count, size).get(120, TimeUnit.SECONDS);
    }

    /** Connects and starts sending; the result completes once every echo is checked, and the channel is closed. */
    static CompletableFuture<Result> start(EventLoopGroup group, ShmAddress address, int count, int size)
            throws InterruptedException {
        return start(group, address, count, size, DEFAULT_WINDOW);
    }

    /** As {@link #start(EventLoopGroup, ShmAddress, int, int)}, with up to {@code window} bytes unanswered. */
    static CompletableFuture<Result> start(EventLoopGroup group, ShmAddress address, int count, int size, long window)
            throws InterruptedException {
        return start(group, address, count, size, window, ShmByteBufAllocator.DEFAULT_THRESHOLD);
    }

    /** As above, with the smallest buffer sent from the pool {@code poolThreshold}. */
    static CompletableFuture<Result> start(EventLoopGroup group, ShmAddress address, int count, int size, long window,
            int poolThreshold) throws InterruptedException {
        EchoClient handler = new EchoClient(count, size, window);
        Channel channel = new Bootstrap().group(group).channel(ShmChannel.class).handler(handler)
                .option(ShmChannelOption.POOL_THRESHOLD, poolThreshold).connect(address).sync().channel();
        return handler.done.whenComplete((result, failure) -> channel.close());
    }

    /**
     * Connects and waits for {@code go}; then echoes for {@code duration}, stops sending and completes once every
     * message sent is back.
     */
    static CompletableFuture<Result> startFor(EventLoopGroup group, ShmAddress address, int size, long window,
            java.time.Duration duration, CompletableFuture<?> go) throws InterruptedException {
        EchoClient handler = new EchoClient(Integer.MAX_VALUE, size, window);
        handler.stopped = true;
        Channel channel = new Bootstrap().group(group).channel(ShmChannel.class).handler(handler)
                .connect(address).sync().channel();
        go.thenRun(() -> channel.eventLoop().execute(() -> {
            handler.stopped = false;
            handler.sendMore(channel.pipeline().context(handler));
            channel.eventLoop().schedule(() -> {
                handler.stopped = true;
                handler.completeIfAllBack(channel.config().getAllocator());
            }, duration.toMillis(), TimeUnit.MILLISECONDS);
        }));
        return handler.done.whenComplete((result, failure) -> channel.close());
    }

    static byte pattern(long message, long index) {
        return (byte) (message * 31 + index * 7 + (message >>> 8));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sendMore(ctx);
    }

    private void sendMore(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!stopped && sent < count && sent * size - receivedBytes < window) {
            for (int j = 0; j < size; j++) {
                scratch[j] = pattern(sent, j);
            }
            ctx.write(ctx.alloc().buffer(size).writeBytes(scratch, 0, size));
            sent++;
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        while (buf.isReadable()) {
            int n = Math.min(buf.readableBytes(), received.length);
            buf.readBytes(received, 0, n);
            long message = receivedBytes / size;
            long index = receivedBytes % size;
            for (int i = 0; i < n; i++) {
                if (received[i] != pattern(message, index)) {
                    mismatches++;
                }
                if (++index == size) {
                    index = 0;
                    message++;
                }
            }
            receivedBytes += n;
        }
        buf.release();
        completeIfAllBack(ctx.channel().config().getAllocator());
    }

    private void completeIfAllBack(io.netty.buffer.ByteBufAllocator allocator) {
        if (receivedBytes == (long) count * size || stopped && receivedBytes == sent * size) {
            ShmByteBufAllocator alloc = allocator instanceof ShmByteBufAllocator a ? a : null;
            done.complete(new Result(receivedBytes / size, mismatches, alloc == null ? 0 : alloc.pooled(),
                    alloc == null ? 0 : alloc.fallbacks()));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        sendMore(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done.completeExceptionally(new IllegalStateException("closed after " + receivedBytes + " bytes"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        done.completeExceptionally(cause);
        ctx.close();
    }
}
