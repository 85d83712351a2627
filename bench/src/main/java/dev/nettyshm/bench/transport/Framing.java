package dev.nettyshm.bench.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;

/**
 * The framing every real pipeline has, the same on both sides of {@link FramedReport}: a 4-byte length in front of
 * each message, {@link LengthFieldPrepender} on the way out, {@link LengthFieldBasedFrameDecoder} on the way in.
 */
final class Framing {

    /** The largest frame either side accepts. */
    static final int MAX_FRAME = 16 << 20;
    /** Bytes of the length prefix in front of each frame, stripped by the decoder. */
    static final int LENGTH_FIELD = 4;

    private Framing() {
    }

    /** Adds the decoder and the prepender at the head of {@code pipeline}. */
    static void addTo(ChannelPipeline pipeline) {
        pipeline.addLast("frameDecoder", new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, LENGTH_FIELD, 0,
                LENGTH_FIELD));
        pipeline.addLast("framePrepender", new LengthFieldPrepender(LENGTH_FIELD));
    }
}
