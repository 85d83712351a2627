package dev.nettyshm.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmChannelMetrics;
import dev.nettyshm.channel.ShmChannelOption;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.examples.grpc.Digest;
import dev.nettyshm.examples.grpc.EchoGrpc;
import dev.nettyshm.examples.grpc.Payloads;
import dev.nettyshm.examples.grpc.Responses;
import dev.nettyshm.examples.grpc.ShmGrpc;
import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.testing.ChildJvm;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC messages of 1 MiB between two processes, the server in a {@link GrpcPeer}: every byte checked, and the
 * client channel's counters show that they crossed in shared buffers, not through the ring — requests written by
 * descriptor, answers read in the server's pool. A message larger than the whole pool still arrives whole, by copy.
 */
class GrpcZeroCopyTest {

    private static final int MESSAGE = 1 << 20;
    private static final int MESSAGES = 8;
    /**
     * The share of each message that must cross shared. The rest is copied: HTTP/2 frame headers, gRPC's 5-byte
     * prefix, and the frames that straddle two of gRPC's buffers — the end of one message and the start of the next,
     * in a stream — which the HTTP/2 encoder composes.
     */
    private static final double SHARED_AT_LEAST = 0.9;

    private static final String NAME = "grpc-zero-copy-" + UUID.randomUUID();
    private static ChildJvm server;
    private static EventLoopGroup group;

    private final List<ShmChannel> channels = new CopyOnWriteArrayList<>();
    private ManagedChannel managed;

    @BeforeAll
    static void startServer() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        server = ChildJvm.start(GrpcPeer.class, NAME);
        server.awaitLine("ready");
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            server.closeInput();
            assertThat(server.waitFor(30)).as("the server's exit status; it printed:%n%s", server.output()).isZero();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        managed.shutdownNow();
        assertThat(managed.awaitTermination(10, TimeUnit.SECONDS)).as("channel terminated").isTrue();
    }

    /** A channel of {@link ShmGrpc}'s settings, changed by {@code settings}, whose Netty channel the test keeps. */
    private ShmChannel open(UnaryOperator<NettyChannelBuilder> settings) {
        managed = settings.apply(ShmGrpc.channelBuilder(new ShmAddress(NAME), group))
                .channelFactory(() -> {
                    ShmChannel channel = new ShmChannel();
                    channels.add(channel);
                    return channel;
                }, ShmAddress.class)
                .build();
        // The first call connects.
        byte[] answer = ClientCalls.blockingUnaryCall(managed, EchoGrpc.UNARY, withDeadline(), Payloads.of(0, 10));
        assertThat(Payloads.matches(answer, 0, 10)).isTrue();
        assertThat(channels).as("one connection").hasSize(1);
        return channels.getFirst();
    }

    private static CallOptions withDeadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldCrossUnaryMegabyteCallsInSharedBuffersBothWays() {
        ShmChannel channel = open(UnaryOperator.identity());
        ShmChannelMetrics before = channel.metrics();
        for (int i = 1; i <= MESSAGES; i++) {
            byte[] response = ClientCalls.blockingUnaryCall(managed, EchoGrpc.UNARY, withDeadline(),
                    Payloads.of(i, MESSAGE));
            assertThat(Payloads.matches(response, i, MESSAGE)).as("response %d matches its request", i).isTrue();
        }
        assertCrossedShared(before, channel.metrics(), MESSAGES, MESSAGES);
    }

    @Test
    void shouldCrossAStreamOfMegabyteMessagesInSharedBuffersBothWays() throws Exception {
        ShmChannel channel = open(UnaryOperator.identity());
        ShmChannelMetrics before = channel.metrics();
        Responses responses = new Responses();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                managed.newCall(EchoGrpc.BIDI, withDeadline()), responses);
        for (int i = 0; i < MESSAGES; i++) {
            requests.onNext(Payloads.of(i, MESSAGE));
        }
        requests.onCompleted();
        List<byte[]> echoes = responses.all(60);
        assertThat(echoes).hasSize(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(Payloads.matches(echoes.get(i), i, MESSAGE)).as("echo %d", i).isTrue();
        }
        assertCrossedShared(before, channel.metrics(), MESSAGES, MESSAGES);
    }

    @Test
    void shouldCrossAClientStreamInSharedBuffers() throws Exception {
        ShmChannel channel = open(UnaryOperator.identity());
        ShmChannelMetrics before = channel.metrics();
        Responses responses = new Responses();
        StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
                managed.newCall(EchoGrpc.CLIENT_STREAM, withDeadline()), responses);
        Digest sent = new Digest();
        for (int i = 0; i < MESSAGES; i++) {
            byte[] message = Payloads.of(i, MESSAGE);
            requests.onNext(message);
            sent.add(message);
        }
        requests.onCompleted();
        assertThat(responses.all(60)).singleElement().isEqualTo(sent.toBytes());
        assertCrossedShared(before, channel.metrics(), MESSAGES, 0);
    }

    @Test
    void shouldDeliverAMessageLargerThanThePoolWholeByCopy() {
        // 4 MiB messages through a pool of 2 MiB, which holds one buffer of gRPC's 1 MiB at a time.
        int size = 4 << 20;
        ShmChannel channel = open(builder -> builder.withOption(ShmChannelOption.POOL_SIZE, PoolLayout.MIN_POOL_SIZE));
        for (int i = 1; i <= 3; i++) {
            byte[] response = ClientCalls.blockingUnaryCall(managed, EchoGrpc.UNARY, withDeadline(),
                    Payloads.of(i, size));
            assertThat(Payloads.matches(response, i, size)).as("response %d matches its request", i).isTrue();
        }
        ShmChannelMetrics metrics = channel.metrics();
        assertThat(metrics.poolFallbacks()).as("buffers the small pool could not serve").isPositive();
        assertThat(metrics.copiedBytesWritten()).as("what the pool could not hold was copied")
                .isGreaterThan(3L * (size - (long) PoolLayout.MIN_POOL_SIZE));
    }

    /** Between two snapshots, {@code sent} and {@code received} messages of {@link #MESSAGE} crossed shared. */
    private static void assertCrossedShared(ShmChannelMetrics before, ShmChannelMetrics after, int sent,
            int received) {
        long sharedOut = after.sharedBytesWritten() - before.sharedBytesWritten();
        long copiedOut = after.copiedBytesWritten() - before.copiedBytesWritten();
        long sharedIn = after.sharedBytesRead() - before.sharedBytesRead();
        long copiedIn = after.copiedBytesRead() - before.copiedBytesRead();
        assertThat(sharedOut).as("request bytes written in shared buffers (copied: %d)", copiedOut)
                .isGreaterThanOrEqualTo((long) (sent * MESSAGE * SHARED_AT_LEAST));
        assertThat(sharedIn).as("answer bytes read in the server's shared buffers (copied: %d)", copiedIn)
                .isGreaterThanOrEqualTo((long) (received * MESSAGE * SHARED_AT_LEAST));
    }
}
