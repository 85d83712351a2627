package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.ring.RingDescriptor;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames whose pooled payload cannot take its header in front, frames a handler keeps after the decoder has let go
 * of the buffer they were sliced from, and frames the ring's end cuts in two: every byte still arrives, and the
 * counters say how each part crossed.
 */
class FramedEdgeCaseTest {

    private static final int PAYLOAD = 8192;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("framed-edge-" + UUID.randomUUID());
    /** The frames the server decoded, retained: the test releases them. */
    private final BlockingQueue<ByteBuf> frames = new LinkedBlockingQueue<>();

    @AfterEach
    void shutdown() throws Exception {
        ByteBuf frame;
        while ((frame = frames.poll()) != null) {
            frame.release();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A server that decodes length-prefixed frames and hands each to the test, unreleased. */
    private Channel server() throws Exception {
        return new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 24, 0, 4, 0, 4),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        frames.add((ByteBuf) msg);
                                    }
                                });
                    }
                }).bind(address).sync().channel();
    }

    private ShmChannel client() throws Exception {
        return (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
    }

    /** A client whose rings are as small as they come and that has no pools: every byte crosses in the ring. */
    private ShmChannel smallRingClient() throws Exception {
        return (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                .option(ShmChannelOption.RING_CAPACITY, RingDescriptor.MIN_CAPACITY)
                .option(ShmChannelOption.POOL_SIZE, 0)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
    }

    /** Writes a frame of {@code length} numbered bytes from {@code first}: a 4-byte header, then the payload. */
    private static ChannelFuture writeFrame(Channel channel, int length, int first) {
        channel.write(channel.alloc().heapBuffer(4).writeInt(length));
        return channel.writeAndFlush(numbered(channel, length, first));
    }

    /** A pooled buffer of {@code length} numbered bytes, from {@code first} on. */
    private static ByteBuf numbered(Channel channel, int length, int first) {
        ByteBuf buf = channel.alloc().directBuffer(length);
        for (int i = 0; i < length; i++) {
            buf.writeByte(first + i);
        }
        return buf;
    }

    private static void assertNumbered(ByteBuf frame, int length, int first) {
        assertThat(frame.readableBytes()).isEqualTo(length);
        for (int i = 0; i < length; i++) {
            assertThat(frame.getByte(frame.readerIndex() + i)).as("byte %d", i).isEqualTo((byte) (first + i));
        }
    }

    @Test
    void shouldCopyAHeaderWithNoHeadroomInFrontOfItsPayloadAndSendThePayloadByDescriptor() throws Exception {
        Channel server = server();
        ShmChannel client = client();
        // The payload is a slice deep in its buffer: the bytes in front of it are the buffer's, not headroom.
        ByteBuf whole = numbered(client, 100 + PAYLOAD, 0);
        ByteBuf payload = whole.retainedSlice(100, PAYLOAD);
        whole.release();
        ByteBuf header = client.alloc().heapBuffer(4).writeInt(PAYLOAD);
        client.write(header);
        client.writeAndFlush(payload).sync();

        ByteBuf frame = frames.poll(10, TimeUnit.SECONDS);
        assertThat(frame).as("the frame").isNotNull();
        assertNumbered(frame, PAYLOAD, 100);
        ShmChannelMetrics metrics = client.metrics();
        assertThat(metrics.copiedBytesWritten()).as("the header, copied").isEqualTo(4);
        assertThat(metrics.sharedBytesWritten()).as("the payload, shared").isEqualTo(PAYLOAD);
        assertThat(metrics.descriptorsSent()).isEqualTo(1);
        client.close().sync();
        server.close().sync();
    }

    @Test
    void shouldKeepTheBytesOfAFrameRetainedPastItsBuffersReleaseWhileTheSenderGoesOn() throws Exception {
        Channel server = server();
        ShmChannel client = client();
        // Each frame crosses whole, header in the headroom, and the decoder slices it from the shared buffer; the
        // frames stay retained while many more arrive, whose buffers are released and their slots reused.
        int kept = 4;
        int more = 200;
        List<ByteBuf> held = new ArrayList<>();
        for (int i = 0; i < kept + more; i++) {
            client.write(client.alloc().heapBuffer(4).writeInt(PAYLOAD));
            client.writeAndFlush(numbered(client, PAYLOAD, i)).sync();
            ByteBuf frame = take();
            if (i < kept) {
                held.add(frame);
            } else {
                assertNumbered(frame, PAYLOAD, i);
                frame.release();
            }
        }
        assertThat(client.metrics().descriptorsSent()).as("every frame crossed whole").isEqualTo(kept + more);
        for (int i = 0; i < kept; i++) {
            assertNumbered(held.get(i), PAYLOAD, i);
            held.get(i).release();
        }
        client.close().sync();
        server.close().sync();
    }

    @Test
    void shouldDeliverAFrameThatTheRingsEndCutsInTwoWhole() throws Exception {
        Channel server = server();
        ShmChannel client = smallRingClient();
        int capacity = RingDescriptor.MIN_CAPACITY;
        // The first frame's record leaves 1,000 bytes before the end of the ring's data; once it is read, the
        // second frame's record fills those and goes on from the start: its bytes are cut in two at the wrap.
        int leftAtEnd = 1000;
        int first = capacity - leftAtEnd - RingDescriptor.RECORD_HEADER_LENGTH - 4;
        writeFrame(client, first, 0).sync();
        ByteBuf frame = take();
        assertNumbered(frame, first, 0);
        frame.release();
        writeFrame(client, 3000, 7).sync();
        frame = take();
        assertNumbered(frame, 3000, 7);
        frame.release();
        // Then frames of every length up to twice the ring, each cut wherever the ring's end falls.
        for (int i = 0; i < 300; i++) {
            writeFrame(client, 1 + i * 37 % (2 * capacity), i);
        }
        client.flush();
        for (int i = 0; i < 300; i++) {
            frame = take();
            assertNumbered(frame, 1 + i * 37 % (2 * capacity), i);
            frame.release();
        }
        assertThat(client.metrics().copiedBytesWritten()).isEqualTo(client.metrics().bytesWritten());
        client.close().sync();
        server.close().sync();
    }

    private ByteBuf take() throws InterruptedException {
        ByteBuf frame = frames.poll(10, TimeUnit.SECONDS);
        assertThat(frame).isNotNull();
        return frame;
    }
}
