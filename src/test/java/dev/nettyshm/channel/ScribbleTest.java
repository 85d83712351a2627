package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.pool.PoolCorruptedException;
import dev.nettyshm.internal.ring.RingCorruptedException;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.LogCapture;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A third process scribbles random bytes on the live segments of connections that stream framed echoes through one
 * server — the header, both rings' control words, their records, the pools' state tables — for
 * {@value #DEFAULT_CONNECTIONS} connections. Each connection completes (its frames intact, or altered where the
 * scribbler hit a payload: the transport checks structure, not content, and the user's codec may refuse what it
 * altered), ends with an exception that names the corruption, ends closed, or stalls on a control word altered into
 * a plausible value; none makes any other exception, and nothing reaches the loops' logs. No loop dies: a new
 * connection works at once when the scribbling stops.
 */
class ScribbleTest {

    private static final int DEFAULT_CONNECTIONS = 1_000;
    private static final int CONNECTIONS = Integer.getInteger("dev.nettyshm.test.scribbledConnections",
            DEFAULT_CONNECTIONS);
    private static final int[] FRAMES = {64, 4096, 64 << 10};

    private final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("scribble-" + UUID.randomUUID());
    /** The server's exceptions, by the client's segment name. */
    private final Map<String, Throwable> serverErrors = new ConcurrentHashMap<>();

    @AfterEach
    void shutdown() throws Exception {
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private final class Recorder extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            serverErrors.putIfAbsent(((ShmAddress) ctx.channel().remoteAddress()).name(), cause);
            ctx.close();
        }
    }

    @Test
    void shouldEndEachScribbledConnectionCleanlyAndKeepEveryLoop() throws Exception {
        Channel server = new ServerBootstrap().group(serverGroup).channel(ShmServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel child) {
                        child.pipeline().addLast(new LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 4),
                                new LengthFieldPrepender(4), new EchoHandler(), new Recorder());
                    }
                }).bind(address).sync().channel();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        long seed = Long.getLong("dev.nettyshm.test.scribbleSeed", System.nanoTime());
        System.out.println("ScribbleTest seed " + seed);
        ChildJvm third = ChildJvm.start(Scribbler.class);
        try (LogCapture logs = LogCapture.warnings("dev.nettyshm", "io.netty")) {
            for (int i = 0; i < CONNECTIONS; i++) {
                FramedEchoClient client = new FramedEchoClient(FRAMES[i % FRAMES.length], 4);
                ShmChannel channel = (ShmChannel) new Bootstrap().group(clientGroup).channel(ShmChannel.class)
                        .handler(client).connect(address).sync().channel();
                MemorySegment memory = channel.connection().memory();
                third.sendLine(HostilePeerFuzzTest.mapFile(memory) + " " + memory.byteSize() + " " + (seed + i)
                        + " 5");
                third.awaitLineStartingWith("scribbled ");
                client.stop();
                String outcome = outcome(client, channel);
                outcomes.merge(outcome, 1, Integer::sum);
                if (outcome.equals("other exception")) {
                    unexpected.add("connection " + i + ": " + client.failure + " / "
                            + serverErrors.get(((ShmAddress) channel.localAddress()).name()));
                }
                channel.close().sync();
            }
            third.closeInput();
            assertThat(third.waitFor(30)).as("the scribbler's exit").isZero();
            System.out.println("scribbled connections by outcome: " + outcomes);
            assertThat(unexpected).as("every exception names the corruption").isEmpty();
            assertThat(logs.records()).as("nothing reached the loops' logs").isEmpty();
        }
        FramedEchoClient after = new FramedEchoClient(64 << 10, 1);
        new Bootstrap().group(clientGroup).channel(ShmChannel.class).handler(after).connect(address).sync();
        after.awaitEchoes(1, 5);
        after.stop();
        assertThat(after.drained.get(5, TimeUnit.SECONDS)).as("a new connection once the scribbling stopped")
                .isEqualTo(after.sent.get());
        assertThat(after.wrong).hasValue(0);
        server.close().sync();
    }

    /**
     * How the connection ended, given a second to finish what it had in flight. A side that sees corruption records
     * it before it closes, so by the time the client is inactive, whichever side saw it has said so.
     */
    private String outcome(FramedEchoClient client, ShmChannel channel) throws Exception {
        try {
            CompletableFuture.anyOf(client.drained, client.inactive).get(1, TimeUnit.SECONDS);
        } catch (TimeoutException stalled) {
            // Judged below.
        }
        List<Throwable> errors = new ArrayList<>();
        if (client.failure != null) {
            errors.add(client.failure);
        }
        Throwable serverError = serverErrors.get(((ShmAddress) channel.localAddress()).name());
        if (serverError != null) {
            errors.add(serverError);
        }
        if (errors.stream().anyMatch(ScribbleTest::namesCorruption)) {
            return "corruption named";
        }
        if (errors.stream().anyMatch(DecoderException.class::isInstance)) {
            // The scribbler hit a frame's length prefix: the user's own codec refused the altered bytes.
            return "payload altered, refused by the codec";
        }
        if (errors.stream().anyMatch(e -> !(e instanceof IOException))) {
            return "other exception";
        }
        if (!errors.isEmpty()) {
            return "closed by the peer";
        }
        if (client.drained.isDone()) {
            return client.wrong.get() == 0 ? "completed" : "completed, payload altered";
        }
        return channel.isActive() ? "stalled, closed by the test" : "closed";
    }

    private static boolean namesCorruption(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RingCorruptedException || t instanceof PoolCorruptedException) {
                return true;
            }
        }
        return false;
    }
}
