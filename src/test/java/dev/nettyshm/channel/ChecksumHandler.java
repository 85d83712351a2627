package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * Receives a connection's bytes and checksums them; {@link #result} completes with their count and CRC32C when the
 * connection ends. One per connection.
 */
final class ChecksumHandler extends ChannelInboundHandlerAdapter {

    /** How many bytes, and their CRC32C. */
    record Result(long bytes, long crc) {
    }

    final CompletableFuture<Result> result = new CompletableFuture<>();
    private final CRC32C crc = new CRC32C();
    private long bytes;

    /** The {@link Result} of {@code count} bytes of {@code file} from {@code position}, as a receiver sees them. */
    static Result of(Path file, long position, long count) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file)) {
            for (long done = 0; done < count; ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), count - done));
                int n = channel.read(buffer, position + done);
                if (n < 0) {
                    throw new IOException(file + " ends at " + (position + done));
                }
                crc.update(buffer.flip());
                done += n;
            }
        }
        return new Result(count, crc.getValue());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            bytes += buf.readableBytes();
            for (ByteBuffer part : buf.nioBuffers()) {
                crc.update(part);
            }
        } finally {
            buf.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A writer that failed may reset the connection: what arrived before still counts.
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        result.complete(new Result(bytes, crc.getValue()));
    }
}
