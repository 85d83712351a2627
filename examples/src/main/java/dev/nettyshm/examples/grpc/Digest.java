package dev.nettyshm.examples.grpc;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * What a stream of messages held: how many messages, how many bytes, and the CRC-32C of all bytes in order. The
 * receiver of a stream sends its digest; the sender, having computed its own, compares the two.
 */
public final class Digest {

    private final CRC32C crc = new CRC32C();
    private long messages;
    private long bytes;

    /** Adds the next message. */
    public Digest add(byte[] message) {
        crc.update(message);
        messages++;
        bytes += message.length;
        return this;
    }

    public long messages() {
        return messages;
    }

    public long bytes() {
        return bytes;
    }

    /** The digest as 24 bytes: messages, bytes, CRC. */
    public byte[] toBytes() {
        return ByteBuffer.allocate(24).putLong(messages).putLong(bytes).putLong(crc.getValue()).array();
    }

    @Override
    public String toString() {
        return String.format("%,d messages, %,d bytes, CRC-32C %08x", messages, bytes, crc.getValue());
    }
}
