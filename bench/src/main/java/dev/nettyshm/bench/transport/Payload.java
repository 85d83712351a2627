package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** What senders copy into their messages: byte {@code i} of a message holds {@code (byte) i}, which receivers check. */
final class Payload {

    private Payload() {
    }

    /** A direct buffer of {@code size} payload bytes. */
    static ByteBuf of(int size) {
        ByteBuf payload = Unpooled.directBuffer(size);
        for (int i = 0; i < size; i++) {
            payload.writeByte(i);
        }
        return payload;
    }

    /**
     * Whether those of the first and last 8 bytes of a {@code size}-byte message that {@code buf} holds — its
     * readable bytes begin at {@code offset} in the message — hold their offsets.
     */
    static boolean endsIntact(ByteBuf buf, int offset, int size) {
        int reader = buf.readerIndex();
        int n = buf.readableBytes();
        for (int i = 0; i < n; i++) {
            int at = offset + i;
            if (at >= 8 && at < size - 8) {
                // Skip to the message's last 8 bytes.
                i = size - 8 - offset - 1;
            } else if (buf.getByte(reader + i) != (byte) at) {
                return false;
            }
        }
        return true;
    }
}
