package dev.nettyshm.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmChannelMetrics;
import dev.nettyshm.channel.ShmChannelOption;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.examples.grpc.Digest;
import dev.nettyshm.examples.grpc.EchoGrpc;
import dev.nettyshm.examples.grpc.Payloads;
import dev.nettyshm.examples.grpc.Responses;
import dev.nettyshm.examples.grpc.ShmGrpc;
import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.testing.ChildJvm;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gRPC-java, unchanged, between two processes: the server in a {@link GrpcPeer}, the client here. Every test of
 * behaviour runs over shared memory and over loopback TCP, with the same settings and the same calls, so that a way
 * in which the transport behaves differently from TCP shows as one of the two failing. Messages follow {@link Payloads}, and
 * every byte is checked. Over shared memory alone, messages of 1 MiB show through the channel's counters that they
 * crossed in shared buffers, and a message larger than the whole pool still arrives whole, by copy.
 */
class GrpcTransportTest {

    /**
     * The transports under test: shared memory by name; Netty's NIO over loopback TCP; and a {@code host:port}
     * target served by a {@code ShmServerChannel}, which a local client reaches over shared memory, or over TCP when
     * its route is forced — in plaintext and with TLS.
     */
    enum Wire { SHM, TCP, LOCAL_FIRST, LOCAL_FIRST_FORCED_TCP, LOCAL_FIRST_TLS, LOCAL_FIRST_TLS_FORCED_TCP }

    private static final String NAME = "grpc-" + UUID.randomUUID();
    private static final int[] SIZES = {10, 64 << 10, 4 << 20};
    /** Zero-copy: messages of 1 MiB, eight a test. */
    private static final int MESSAGE = 1 << 20;
    private static final int MESSAGES = 8;
    /**
     * The share of each message that must cross shared. The rest is copied: HTTP/2 frame headers, gRPC's 5-byte
     * prefix, and the frames that straddle two of gRPC's buffers — the end of one message and the start of the next,
     * in a stream — which the HTTP/2 encoder composes.
     */
    private static final double SHARED_AT_LEAST = 0.9;


    private static Set<String> shmBefore;
    private static ChildJvm server;
    private static int tcpPort;
    private static int localPort;
    private static int tlsPort;
    private static Path certificates;
    private static SslContext clientTls;
    private static EventLoopGroup shmGroup;
    private static EventLoopGroup tcpGroup;

    private ManagedChannel managed;
    /** The Netty channels of {@link #openShm}'s gRPC channel. */
    private final List<ShmChannel> channels = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        shmBefore = shmFiles();
        shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        X509Bundle certificate = new CertificateBuilder().subject("CN=localhost").addSanIpAddress("127.0.0.1")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        certificates = Files.createTempDirectory("grpc-tls");
        Path chain = Files.writeString(certificates.resolve("chain.pem"), certificate.getCertificatePathPEM());
        Path key = Files.writeString(certificates.resolve("key.pem"), certificate.getPrivateKeyPEM());
        clientTls = GrpcSslContexts.forClient().trustManager(chain.toFile()).build();
        server = ChildJvm.start(GrpcPeer.class, NAME, chain.toString(), key.toString());
        tcpPort = Integer.parseInt(server.awaitLineStartingWith("tcp "));
        localPort = Integer.parseInt(server.awaitLineStartingWith("local "));
        tlsPort = Integer.parseInt(server.awaitLineStartingWith("tls "));
        server.awaitLine("ready");
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            server.closeInput();
            assertThat(server.waitFor(30)).as("the server's exit status; it printed:%n%s", server.output()).isZero();
        } finally {
            try (Stream<Path> files = Files.list(certificates)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(certificates);
            shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        // A subset: the first connect of each child JVM removes what dead processes left there before.
        assertThat(shmFiles()).as("left in /dev/shm").isSubsetOf(shmBefore);
    }

    @AfterEach
    void closeChannel() throws InterruptedException {
        managed.shutdownNow();
        assertThat(managed.awaitTermination(10, TimeUnit.SECONDS)).as("channel terminated").isTrue();
    }

    private static Set<String> shmFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.map(file -> file.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** A channel to the server over {@code wire}, closed after the test. */
    private Channel open(Wire wire) {
        managed = switch (wire) {
            case SHM -> ShmGrpc.channelBuilder(new ShmAddress(NAME), shmGroup).build();
            case TCP -> ShmGrpc.channelBuilder(new InetSocketAddress("127.0.0.1", tcpPort), NioSocketChannel.class,
                    tcpGroup).build();
            case LOCAL_FIRST -> ShmGrpc.channelBuilder("127.0.0.1:" + localPort, shmGroup).usePlaintext().build();
            case LOCAL_FIRST_FORCED_TCP -> ShmGrpc.channelBuilder("127.0.0.1:" + localPort, shmGroup).usePlaintext()
                    .withOption(ShmChannelOption.ROUTE, ShmRoute.TCP).build();
            case LOCAL_FIRST_TLS -> ShmGrpc.channelBuilder("127.0.0.1:" + tlsPort, shmGroup).sslContext(clientTls)
                    .build();
            case LOCAL_FIRST_TLS_FORCED_TCP -> ShmGrpc.channelBuilder("127.0.0.1:" + tlsPort, shmGroup)
                    .sslContext(clientTls).withOption(ShmChannelOption.ROUTE, ShmRoute.TCP).build();
        };
        return managed;
    }

    /** A channel of {@link ShmGrpc}'s settings, changed by {@code settings}, whose Netty channel the test keeps. */
    private ShmChannel openShm(UnaryOperator<NettyChannelBuilder> settings) {
        managed = settings.apply(ShmGrpc.channelBuilder(new ShmAddress(NAME), shmGroup))
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

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Wire.class, names = {"LOCAL_FIRST", "LOCAL_FIRST_FORCED_TCP", "LOCAL_FIRST_TLS",
            "LOCAL_FIRST_TLS_FORCED_TCP"})
    void shouldReachAServerByItsTcpAddressOverTheRouteItMay(Wire wire) {
        List<ShmChannel> made = new CopyOnWriteArrayList<>();
        boolean tls = wire == Wire.LOCAL_FIRST_TLS || wire == Wire.LOCAL_FIRST_TLS_FORCED_TCP;
        NettyChannelBuilder builder = ShmGrpc.channelBuilder("127.0.0.1:" + (tls ? tlsPort : localPort), shmGroup);
        builder = (tls ? builder.sslContext(clientTls) : builder.usePlaintext())
                .channelFactory(() -> {
                    ShmChannel channel = new ShmChannel();
                    made.add(channel);
                    return channel;
                }, InetSocketAddress.class);
        boolean forced = wire == Wire.LOCAL_FIRST_FORCED_TCP || wire == Wire.LOCAL_FIRST_TLS_FORCED_TCP;
        managed = (forced ? builder.withOption(ShmChannelOption.ROUTE, ShmRoute.TCP) : builder).build();

        byte[] answer = ClientCalls.blockingUnaryCall(managed, EchoGrpc.UNARY, withDeadline(), Payloads.of(7, 1 << 20));

        assertThat(Payloads.matches(answer, 7, 1 << 20)).isTrue();
        assertThat(made).hasSize(1);
        assertThat(made.getFirst().route())
                .isEqualTo(forced ? ShmRoute.TCP : ShmRoute.SHARED_MEMORY);
    }

    static Stream<Arguments> wiresAndSizes() {
        return Stream.of(Wire.values()).flatMap(wire -> Arrays.stream(SIZES)
                .mapToObj(size -> Arguments.of(wire, size)));
    }

    /** Messages per call, or calls per test: fewer of the larger sizes, to keep the class short. */
    private static int count(int size) {
        return size >= 1 << 20 ? 3 : size >= 1024 ? 20 : 100;
    }

    private static CallOptions withDeadline() {
        return CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("wiresAndSizes")
    void shouldAnswerUnaryCallsWithTheirRequests(Wire wire, int size) {
        Channel channel = open(wire);
        for (int i = 0; i < count(size); i++) {
            byte[] response = ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, withDeadline(),
                    Payloads.of(i, size));
            assertThat(Payloads.matches(response, i, size)).as("response %d matches its request", i).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("wiresAndSizes")
    void shouldStreamEveryMessageFromTheServerInOrder(Wire wire, int size) {
        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(open(wire), EchoGrpc.SERVER_STREAM,
                withDeadline(), EchoGrpc.streamRequest(count(size), size));
        int received = 0;
        while (stream.hasNext()) {
            assertThat(Payloads.matches(stream.next(), received, size)).as("message %d", received).isTrue();
            received++;
        }
        assertThat(received).isEqualTo(count(size));
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("wiresAndSizes")
    void shouldDigestEveryMessageStreamedByTheClient(Wire wire, int size) throws Exception {
        Responses responses = new Responses();
        StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(
                open(wire).newCall(EchoGrpc.CLIENT_STREAM, withDeadline()), responses);
        Digest sent = new Digest();
        for (int i = 0; i < count(size); i++) {
            byte[] message = Payloads.of(i, size);
            requests.onNext(message);
            sent.add(message);
        }
        requests.onCompleted();
        assertThat(responses.all(60)).singleElement().isEqualTo(sent.toBytes());
    }

    @ParameterizedTest(name = "{0}, {1} bytes")
    @MethodSource("wiresAndSizes")
    void shouldEchoEveryMessageOfABidiStream(Wire wire, int size) throws Exception {
        Responses responses = new Responses();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                open(wire).newCall(EchoGrpc.BIDI, withDeadline()), responses);
        for (int i = 0; i < count(size); i++) {
            requests.onNext(Payloads.of(i, size));
        }
        requests.onCompleted();
        List<byte[]> echoes = responses.all(60);
        assertThat(echoes).hasSize(count(size));
        for (int i = 0; i < echoes.size(); i++) {
            assertThat(Payloads.matches(echoes.get(i), i, size)).as("echo %d", i).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void shouldEndACallThatOutlastsItsDeadlineWithDeadlineExceededAndKeepTheChannel(Wire wire) {
        Channel channel = open(wire);
        // Connected first, so that the deadline cannot pass before the server has seen the call.
        assertEchoes(channel);
        String callId = UUID.randomUUID().toString();
        // The server would answer in a minute; the deadline is a second.
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(withCallId(channel, callId), Probe.SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS), Probe.slowRequest(60_000)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(wasCancelled(channel, callId)).as("the server saw the call cancelled").isTrue();
        assertEchoes(channel);
    }

    @ParameterizedTest
    @EnumSource(Wire.class)
    void shouldCancelAServerStreamOnBothSidesAndKeepTheChannel(Wire wire) {
        Channel channel = open(wire);
        String callId = UUID.randomUUID().toString();
        ClientCall<byte[], byte[]> call = withCallId(channel, callId).newCall(EchoGrpc.SERVER_STREAM,
                withDeadline());
        // A stream that would not end by itself.
        Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(call,
                EchoGrpc.streamRequest(Integer.MAX_VALUE, 1024));
        for (int i = 0; i < 100; i++) {
            assertThat(Payloads.matches(stream.next(), i, 1024)).as("message %d", i).isTrue();
        }
        call.cancel("the client has read enough", null);
        assertThatThrownBy(() -> stream.forEachRemaining(message -> { }))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        assertThat(wasCancelled(channel, callId)).as("the server saw the call cancelled").isTrue();
        assertEchoes(channel);
    }

    @Test
    void shouldCrossUnaryMegabyteCallsInSharedBuffersBothWays() {
        ShmChannel channel = openShm(UnaryOperator.identity());
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
        ShmChannel channel = openShm(UnaryOperator.identity());
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
        ShmChannel channel = openShm(UnaryOperator.identity());
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
        ShmChannel channel = openShm(builder -> builder.withOption(ShmChannelOption.POOL_SIZE,
                PoolLayout.MIN_POOL_SIZE));
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

    private static Channel withCallId(Channel channel, String callId) {
        Metadata headers = new Metadata();
        headers.put(Probe.CALL_ID, callId);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static boolean wasCancelled(Channel channel, String callId) {
        byte[] answer = ClientCalls.blockingUnaryCall(channel, Probe.WAS_CANCELLED, withDeadline(),
                callId.getBytes(StandardCharsets.UTF_8));
        return answer[0] == 1;
    }

    private static void assertEchoes(Channel channel) {
        byte[] response = ClientCalls.blockingUnaryCall(channel, EchoGrpc.UNARY, withDeadline(),
                Payloads.of(7, 4096));
        assertThat(Payloads.matches(response, 7, 4096)).as("a call on the channel answered").isTrue();
    }
}
