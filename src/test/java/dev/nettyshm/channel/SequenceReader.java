package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the sequence 0, 1, 2, … of longs that {@code TransportPeer stream-server} writes, counting the longs that
 * are not the next of the sequence, and completes {@link #reached} once {@code enough} longs have arrived and
 * {@link #inactive} (with the time) when the channel goes inactive.
 */
final class SequenceReader extends ChannelInboundHandlerAdapter {

    final CompletableFuture<Void> reached = new CompletableFuture<>();
    final CompletableFuture<Long> inactive = new CompletableFuture<>();
    private final long enough;
    private volatile long next;
    private volatile long wrong;
    private long partial;
    private int partialBytes;

    SequenceReader(long enough) {
        this.enough = enough;
    }

    /** Longs received. */
    long received() {
        return next;
    }

    /** Longs that were not the next of the sequence. */
    long wrong() {
        return wrong;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        while (buf.isReadable()) {
            partial = partial << 8 | buf.readUnsignedByte();
            if (++partialBytes == 8) {
                if (partial != next) {
                    wrong++;
                }
                next++;
                partial = 0;
                partialBytes = 0;
            }
        }
        buf.release();
        if (next >= enough) {
            reached.complete(null);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive.complete(System.nanoTime());
    }
}
