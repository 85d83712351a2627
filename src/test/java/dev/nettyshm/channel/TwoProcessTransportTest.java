package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.buffer.ShmByteBufAllocator;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.ShmFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport between two JVMs, each with one event loop: bulk echo, many connections at once, a peer killed with
 * SIGKILL, a crashed server replaced.
 */
class TwoProcessTransportTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final String name = "two-process-" + UUID.randomUUID();
    private final ShmAddress address = new ShmAddress(name);

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** What a test does while a peer serves. */
    private interface WithPeer {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} while a {@link TransportPeer} serves {@code command} under this test's name; then ends the
     * peer cleanly and checks that it left nothing under the name.
     */
    private void whileServing(WithPeer body, String command, String... args) throws Exception {
        List<String> peerArgs = new java.util.ArrayList<>(List.of(command, name));
        peerArgs.addAll(List.of(args));
        ChildJvm server = ChildJvm.start(TransportPeer.class, peerArgs.toArray(String[]::new));
        server.awaitLine("ready");
        try {
            body.run();
        } finally {
            server.closeInput();
            assertThat(server.waitFor(30)).isZero();
        }
        assertThat(ShmFiles.containing(name)).as("a clean exit leaves nothing").isEmpty();
    }

    private ChildJvm startServer(String command) throws Exception {
        ChildJvm child = ChildJvm.start(TransportPeer.class, command, name);
        child.awaitLine("ready");
        return child;
    }

    @Test
    void shouldLetExactlyOneOfFourRacingProcessesBindAName() throws Exception {
        for (int round = 0; round < 3; round++) {
            List<ChildJvm> racers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                racers.add(ChildJvm.start(TransportPeer.class, "race-bind", name));
            }
            for (ChildJvm racer : racers) {
                racer.awaitLine("waiting");
            }
            for (ChildJvm racer : racers) {
                racer.sendLine("go");
            }
            List<String> outcomes = new java.util.ArrayList<>();
            for (ChildJvm racer : racers) {
                String outcome = racer.awaitLineStartingWith("");
                outcomes.add(outcome);
                if (!outcome.equals("bound")) {
                    assertThat(outcome).as("round %d", round).startsWith("refused java.net.BindException");
                }
            }
            assertThat(outcomes).as("round %d", round).containsOnlyOnce("bound");
            EchoClient.Result echoed = EchoClient.run(group, address, 100, 64);
            assertThat(echoed.mismatches()).isZero();
            for (ChildJvm racer : racers) {
                racer.closeInput();
                assertThat(racer.waitFor(30)).isZero();
            }
            assertThat(ShmFiles.containing(name)).as("round %d: nothing left", round).isEmpty();
        }
    }

    @Test
    void shouldEchoAMillionSmallMessagesAcrossProcesses() throws Exception {
        whileServing(() -> {
            EchoClient.Result result = EchoClient.run(group, address, 1_000_000, 32);
            assertThat(result.messages()).isEqualTo(1_000_000);
            assertThat(result.mismatches()).isZero();
        }, "echo-server");
    }

    @Test
    void shouldServeManyConnectionsOnOneEventLoopOnEachSide() throws Exception {
        whileServing(() -> {
            List<CompletableFuture<EchoClient.Result>> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                clients.add(EchoClient.start(group, address, 5_000, 1 + 97 * i % 3000, 256 << 10));
            }
            for (CompletableFuture<EchoClient.Result> client : clients) {
                EchoClient.Result result = client.get(120, TimeUnit.SECONDS);
                assertThat(result.messages()).isEqualTo(5_000);
                assertThat(result.mismatches()).isZero();
            }
        }, "echo-server");
    }

    @Test
    void shouldEchoAThousandMessagesOfOneMebibyteAcrossProcesses() throws Exception {
        whileServing(() -> {
            EchoClient.Result result = EchoClient.run(group, address, 1_000, 1 << 20);
            assertThat(result.messages()).isEqualTo(1_000);
            assertThat(result.mismatches()).isZero();
        }, "echo-server");
    }

    @Test
    void shouldEchoTenThousandMessagesOfOneMebibyteSentFromThePool() throws Exception {
        whileServing(() -> {
            EchoClient.Result result = EchoClient.run(group, address, 10_000, 1 << 20);
            assertThat(result.messages()).isEqualTo(10_000);
            assertThat(result.mismatches()).isZero();
            assertThat(result.pooled()).as("messages sent as descriptors").isGreaterThan(5_000);
        }, "echo-server");
    }

    @Test
    void shouldEchoAMillionMessagesOf256BytesSentFromThePool() throws Exception {
        whileServing(() -> {
            // At most 2,048 messages unanswered: the pool's 256-byte class has as many slots. A sender that runs
            // further ahead is served by copy once the class is empty (see the hoarding test below).
            EchoClient.Result result = EchoClient.start(group, address, 1_000_000, 256, 2_048 * 256, 256)
                    .get(120, TimeUnit.SECONDS);
            assertThat(result.messages()).isEqualTo(1_000_000);
            assertThat(result.mismatches()).isZero();
            assertThat(result.pooled()).as("messages sent as descriptors").isGreaterThan(900_000);
        }, "echo-server");
    }

    @Test
    void shouldGoOnByCopyWithoutLossWhileTheReceiverHoldsThePoolDry() throws Exception {
        long hoard = 40L << 20;
        whileServing(() -> {
            // The 16 MiB pool holds at most 48 buffers of 64 KiB; the receiver holds 640 before it lets go.
            EchoClient.Result result = EchoClient.start(group, address, 2_000, 64 << 10, 2 * hoard)
                    .get(120, TimeUnit.SECONDS);
            assertThat(result.messages()).isEqualTo(2_000);
            assertThat(result.mismatches()).isZero();
            assertThat(result.fallbacks()).as("copies while the pool was dry").isGreaterThan(500);
            assertThat(result.pooled()).as("descriptors before and after").isGreaterThan(40);
        }, "hoard-server", String.valueOf(hoard));
    }

    @Test
    void shouldReclaimAConnectionsPoolWhenItsReceiverIsKilledHoldingBuffers() throws Exception {
        // This side sends 64 buffers of 64 KiB from its pool to each client; the clients never release them.
        List<Channel> children = new java.util.concurrent.CopyOnWriteArrayList<>();
        Channel server = new io.netty.bootstrap.ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public boolean isSharable() {
                        return true;
                    }

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        children.add(ctx.channel());
                        for (int i = 0; i < 64; i++) {
                            ctx.write(ctx.alloc().directBuffer(64 << 10).writeZero(64 << 10));
                        }
                        ctx.flush();
                    }
                }).bind(address).sync().channel();
        try {
            ChildJvm holder = ChildJvm.start(TransportPeer.class, "hold-client", name, String.valueOf(4 << 20));
            holder.awaitLine("holding");
            Channel first = children.getFirst();
            String segment = ((ShmAddress) first.remoteAddress()).name();
            assertThat(ShmFiles.mappedSegments()).as("the connection's segment %s is mapped here", segment)
                    .anyMatch(line -> line.contains(segment));
            holder.kill();
            assertThat(first.closeFuture().await(5, TimeUnit.SECONDS)).as("inactive after the kill").isTrue();
            ShmByteBufAllocator pool = (ShmByteBufAllocator) first.config().getAllocator();
            assertThat(pool.pooled()).as("the buffers crossed as descriptors").isGreaterThanOrEqualTo(32);
            // A dead peer's segment is never kept: the unmapping thread unmaps it soon after the close.
            ShmFiles.awaitUnmapped(segment, Duration.ofSeconds(5));
            assertThat(ShmFiles.mappedSegments()).as("closing unmapped the segment, pool and all")
                    .noneMatch(line -> line.contains(segment));

            ChildJvm next = ChildJvm.start(TransportPeer.class, "hold-client", name, String.valueOf(4 << 20));
            next.awaitLine("holding");
            next.closeInput();
            assertThat(next.waitFor(30)).isZero();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void shouldHoldTheSenderBackWhileTheReceiverPausesThenDeliverEverythingInOrder() throws Exception {
        ChildJvm server = startServer("stream-server");
        SequenceReader reader = new SequenceReader((64L << 20) / 8);
        Channel client = new Bootstrap().group(group).channel(ShmChannel.class)
                .option(io.netty.channel.ChannelOption.AUTO_READ, false).handler(reader).connect(address).sync()
                .channel();
        // The receiver reads nothing for ten seconds while the sender writes whenever it is writable.
        Thread.sleep(Long.getLong("dev.nettyshm.test.pauseMillis", 10_000));
        assertThat(reader.received()).isZero();
        client.config().setAutoRead(true);
        reader.reached.get(60, TimeUnit.SECONDS);
        client.close().sync();
        server.closeInput();
        assertThat(server.waitFor(30)).isZero();
        assertThat(reader.wrong()).as("every long arrived, in order").isZero();
        String output = server.output();
        long pendingMax = Long.parseLong(output.substring(output.indexOf("pending-max ") + 12).trim());
        assertThat(pendingMax).as("the sender's outbound buffer stayed within its high water mark and one message")
                .isLessThanOrEqualTo(64 * 1024 + 8192);
    }

    @Test
    void shouldDeliverEverythingThenGoInactiveWhenThePeerIsKilled() throws Exception {
        List<String> segmentsBefore = ShmFiles.containing("nettyshm-id-");
        ChildJvm server = startServer("stream-server");
        SequenceReader reader = new SequenceReader((8 << 20) / 8);
        Channel client = new Bootstrap().group(group).channel(ShmChannel.class).handler(reader).connect(address)
                .sync().channel();
        reader.reached.get(30, TimeUnit.SECONDS);
        server.kill();
        long killedAt = System.nanoTime();
        long inactive = reader.inactive.get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(Math.max(0, inactive - killedAt)))
                .as("the survivor goes inactive within a second of the kill").isLessThan(1_000);
        assertThat(client.isActive()).isFalse();
        assertThat(reader.wrong()).as("every long received is the next of the sequence").isZero();
        // A subset: the first connect of each new JVM removes what dead processes left there before.
        assertThat(ShmFiles.containing("nettyshm-id-")).as("connection segments are unlinked once both sides map them")
                .isSubsetOf(segmentsBefore);

        // The crashed server left its socket and lock; the next bind takes the name over.
        ChildJvm restarted = startServer("echo-server");
        try {
            EchoClient.Result result = EchoClient.run(group, address, 1_000, 100);
            assertThat(result.mismatches()).isZero();
        } finally {
            restarted.closeInput();
            assertThat(restarted.waitFor(30)).isZero();
        }
        assertThat(ShmFiles.containing(name)).isEmpty();
        assertThatThrownBy(() -> new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(address).sync())
                .isInstanceOf(ConnectException.class);
    }
}
