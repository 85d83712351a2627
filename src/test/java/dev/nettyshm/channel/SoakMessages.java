package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The soak's messages: a 12-byte header — payload length (int), sequence number (long) — then the payload, 1 B to
 * 64 KiB, uniformly random from a seed both sides know, whose byte {@code i} is {@code (byte) (7 * seq + i)}. The
 * writer copies each payload from one pattern buffer into a buffer of its channel's allocator, as an encoder
 * would; the {@link Reader} checks the sequence and every length, the first and last byte of every payload, and
 * every byte of one message in {@value #FULL_CHECK_EVERY}.
 */
final class SoakMessages {

    static final int HEADER = 12;
    static final int MAX_PAYLOAD = 64 * 1024;
    static final int FULL_CHECK_EVERY = 1024;
    /** Byte {@code k} is {@code (byte) k}: the payload of {@code seq} starts at {@code 7 * seq & 255}. */
    private static final ByteBuf PATTERN = pattern();

    private SoakMessages() {
    }

    private static ByteBuf pattern() {
        ByteBuf pattern = Unpooled.directBuffer(256 + MAX_PAYLOAD);
        for (int k = 0; k < pattern.capacity(); k++) {
            pattern.writeByte(k);
        }
        return Unpooled.unreleasableBuffer(pattern.asReadOnly());
    }

    /** The payload lengths of a soak, in order. */
    static SplittableRandom lengths(long seed) {
        return new SplittableRandom(seed);
    }

    static int nextLength(SplittableRandom lengths) {
        return 1 + lengths.nextInt(MAX_PAYLOAD);
    }

    /** Message {@code seq} of {@code length} payload bytes, in a buffer of {@code ctx}'s allocator. */
    static ByteBuf message(ChannelHandlerContext ctx, long seq, int length) {
        ByteBuf buf = ctx.alloc().directBuffer(HEADER + length);
        buf.writeInt(length).writeLong(seq);
        return buf.writeBytes(PATTERN, start(seq), length);
    }

    private static int start(long seq) {
        return (int) (7 * seq & 255);
    }

    private static byte expected(long seq, int index) {
        return (byte) (7 * seq + index);
    }

    /** Reads a soak's messages, however the stream splits them, and completes {@link #done} after {@code count}. */
    static final class Reader extends ChannelInboundHandlerAdapter {

        final CompletableFuture<Void> done = new CompletableFuture<>();
        private final long count;
        private final SplittableRandom lengths;
        private final byte[] header = new byte[HEADER];
        private int headerBytes;
        private int length;
        private long seq;
        private int offset;
        private volatile long received;
        private volatile long damaged;
        private volatile long bytes;

        Reader(long count, long seed) {
            this.count = count;
            this.lengths = lengths(seed);
        }

        long received() {
            return received;
        }

        /** Messages whose sequence number, length or checked bytes were not the expected ones. */
        long damaged() {
            return damaged;
        }

        long bytes() {
            return bytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                bytes += buf.readableBytes();
                while (buf.isReadable()) {
                    if (headerBytes < HEADER) {
                        int n = Math.min(HEADER - headerBytes, buf.readableBytes());
                        buf.readBytes(header, headerBytes, n);
                        headerBytes += n;
                        if (headerBytes == HEADER) {
                            startMessage();
                        }
                        continue;
                    }
                    int n = Math.min(length - offset, buf.readableBytes());
                    check(buf, n);
                    buf.skipBytes(n);
                    offset += n;
                    if (offset == length) {
                        headerBytes = 0;
                        received++;
                        if (received == count) {
                            done.complete(null);
                        }
                    }
                }
            } finally {
                buf.release();
            }
        }

        private void startMessage() {
            ByteBuf view = Unpooled.wrappedBuffer(header);
            length = view.readInt();
            long got = view.readLong();
            if (got != received || received >= count || length != nextLength(lengths)) {
                damaged++;
                done.completeExceptionally(new AssertionError("message " + received + ": header says number "
                        + got + " of length " + length));
            }
            seq = got;
            offset = 0;
        }

        private void check(ByteBuf buf, int n) {
            int at = buf.readerIndex();
            boolean whole = seq % FULL_CHECK_EVERY == 0;
            boolean good = whole ? ByteBufUtil.equals(buf, at, PATTERN, start(seq) + offset, n)
                    : (offset != 0 || buf.getByte(at) == expected(seq, 0))
                    && (offset + n != length || buf.getByte(at + n - 1) == expected(seq, length - 1));
            if (!good) {
                damaged++;
                done.completeExceptionally(new AssertionError("message " + seq + " has a wrong byte in "
                        + offset + ".." + (offset + n)));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new AssertionError("the channel closed after " + received + " messages"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
