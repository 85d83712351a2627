package dev.nettyshm.examples;

import io.netty.buffer.ByteBuf;

/**
 * A market-data tick of the {@link FanOut} example: {@value #BYTES} bytes on the wire, always, so that Netty's
 * {@link io.netty.handler.codec.FixedLengthFrameDecoder} frames a stream of them.
 *
 * @param sequence  the feed's sequence number, 1, 2, 3, … without gaps; every subscriber sees every tick
 * @param sentNanos {@link System#nanoTime()} in the publisher when it sent the tick: on Linux every process reads the
 *                  same {@code CLOCK_MONOTONIC}, so a subscriber's own clock minus this is the tick's latency
 * @param price     in ten-thousandths
 * @param symbol    the instrument's id
 * @param flags     {@link #WARMUP}, {@link #BURST}, {@link #END}
 */
record Tick(long sequence, long sentNanos, long price, int symbol, int flags) {

    static final int BYTES = 32;
    /** Sent while the subscribers' code warms up: not measured. */
    static final int WARMUP = 1;
    /** Part of a burst, sent back to back with many others. */
    static final int BURST = 2;
    /** The feed ends: not a tick, the sequence number the next one would have had. */
    static final int END = 4;

    static Tick end(long sequence, long sentNanos) {
        return new Tick(sequence, sentNanos, 0, 0, END);
    }

    boolean is(int flag) {
        return (flags & flag) != 0;
    }

    void writeTo(ByteBuf out) {
        out.writeLong(sequence).writeLong(sentNanos).writeLong(price).writeInt(symbol).writeInt(flags);
    }

    static Tick readFrom(ByteBuf in) {
        return new Tick(in.readLong(), in.readLong(), in.readLong(), in.readInt(), in.readInt());
    }
}
