package dev.nettyshm.channel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The two messages of the handshake, sent over the connection's socket before any ring is used.
 *
 * <pre>
 *  hello, client to server:  MAGIC int | VERSION short | name length short | segment name (UTF-8) | capacity int
 *                            | pool size int | pid long
 *  reply, server to client:  MAGIC int | status byte (0 ok, 1 refused, 2 unknown segment) | pid long
 * </pre>
 *
 * The segment a hello names is a fresh one, or a spare of an earlier connection between the two processes
 * ({@link SpareSegments}). A server that has no such segment answers {@link #UNKNOWN} and reads a second hello, which
 * names a fresh one.
 *
 * After the reply every byte on the socket is a doorbell: its value means nothing, its arrival wakes the reader.
 */
final class Handshake {

    static final int MAGIC = 0x4E53484D; // "NSHM"
    static final short VERSION = 3;
    static final int MAX_HELLO = 4 + 2 + 2 + 255 + 4 + 4 + 8;
    static final int REPLY_LENGTH = 4 + 1 + 8;
    static final byte OK = 0;
    static final byte REFUSED = 1;
    static final byte UNKNOWN = 2;

    record Hello(String segmentName, int capacity, int poolSize, long pid) {
    }

    /** {@code status} is {@link #OK}, {@link #REFUSED} or {@link #UNKNOWN}. */
    record Reply(byte status, long pid) {
    }

    private Handshake() {
    }

    static ByteBuffer hello(String segmentName, int capacity, int poolSize) {
        byte[] name = segmentName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(4 + 2 + 2 + name.length + 4 + 4 + 8);
        buffer.putInt(MAGIC).putShort(VERSION).putShort((short) name.length).put(name).putInt(capacity)
                .putInt(poolSize).putLong(ProcessHandle.current().pid());
        return buffer.flip();
    }

    static ByteBuffer reply(byte status) {
        return ByteBuffer.allocate(REPLY_LENGTH).putInt(MAGIC).put(status).putLong(ProcessHandle.current().pid())
                .flip();
    }

    /**
     * Parses a hello from the bytes received so far ({@code buffer} in write mode).
     *
     * @return the hello, or {@code null} if more bytes are needed
     * @throws HandshakeException if the bytes are not a hello
     */
    static Hello parseHello(ByteBuffer buffer) throws HandshakeException {
        ByteBuffer view = buffer.duplicate().flip();
        if (view.remaining() < 8) {
            return null;
        }
        int magic = view.getInt();
        short version = view.getShort();
        int nameLength = view.getShort();
        if (magic != MAGIC || version != VERSION || nameLength <= 0 || nameLength > 255) {
            throw new HandshakeException("not a netty-shm hello (magic " + Integer.toHexString(magic) + ", version "
                    + version + ", name length " + nameLength + ")");
        }
        if (view.remaining() < nameLength + 16) {
            return null;
        }
        byte[] name = new byte[nameLength];
        view.get(name);
        return new Hello(new String(name, StandardCharsets.UTF_8), view.getInt(), view.getInt(), view.getLong());
    }

    /** Parses a reply; {@code null} if more bytes are needed. */
    static Reply parseReply(ByteBuffer buffer) throws HandshakeException {
        ByteBuffer view = buffer.duplicate().flip();
        if (view.remaining() < REPLY_LENGTH) {
            return null;
        }
        int magic = view.getInt();
        byte status = view.get();
        if (magic != MAGIC || status < OK || status > UNKNOWN) {
            throw new HandshakeException("not a netty-shm reply (magic " + Integer.toHexString(magic) + ", status "
                    + status + ")");
        }
        return new Reply(status, view.getLong());
    }
}
