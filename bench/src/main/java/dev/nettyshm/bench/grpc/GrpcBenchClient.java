package dev.nettyshm.bench.grpc;

import dev.nettyshm.bench.transport.Pinning;
import dev.nettyshm.bench.transport.Transport;
import dev.nettyshm.examples.grpc.Digest;
import dev.nettyshm.examples.grpc.EchoGrpc;
import dev.nettyshm.examples.grpc.Payloads;
import dev.nettyshm.examples.grpc.ShmGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The client side of a gRPC measurement, in its own JVM:
 * {@code GrpcBenchClient TRANSPORT CPU ADDRESS WARMUP CALLS SMALL LARGE MEGABYTE_CALLS}. Its one event loop is pinned
 * to CPU, and gRPC runs the client's callbacks on it (the direct executor), so each call starts from the end of the
 * one before without waking another thread. It makes WARMUP unary calls of 64 bytes, then times CALLS more; then
 * streams SMALL messages of 64 bytes and LARGE of 64 KiB to {@link EchoGrpc#CLIENT_STREAM}, each stream timed after
 * an untimed one as long, as fast as gRPC's flow control lets it, and checks the server's digest of each; then makes
 * MEGABYTE_CALLS unary calls of 1 MiB each way untimed and as many timed. Every answer is checked. Prints
 * {@code result P50 P99 P999 SMALL_MSGS_PER_S SMALL_BYTES_PER_S LARGE_MSGS_PER_S LARGE_BYTES_PER_S MIB_P50 MIB_P99},
 * times in nanoseconds.
 */
public final class GrpcBenchClient {

    private static final int UNARY_SIZE = 64;
    private static final int SMALL = 64;
    private static final int LARGE = 64 << 10;
    private static final int MEGABYTE = 1 << 20;

    private GrpcBenchClient() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        ManagedChannel channel = null;
        try {
            Pinning.pin(group, args[1]);
            channel = ShmGrpc.channelBuilder(Transport.parse(args[2]), transport.channel, group).directExecutor()
                    .build();
            Histogram latency = new UnaryCalls(channel, UNARY_SIZE, Integer.parseInt(args[3]),
                    Integer.parseInt(args[4])).run();
            long[] small = stream(channel, SMALL, Integer.parseInt(args[5]));
            long[] large = stream(channel, LARGE, Integer.parseInt(args[6]));
            int megabyteCalls = Integer.parseInt(args[7]);
            Histogram megabyte = new UnaryCalls(channel, MEGABYTE, megabyteCalls, megabyteCalls).run();
            System.out.printf("result %d %d %d %d %d %d %d %d %d%n", latency.getValueAtPercentile(50),
                    latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), small[0], small[1],
                    large[0], large[1], megabyte.getValueAtPercentile(50), megabyte.getValueAtPercentile(99));
        } finally {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Messages and bytes per second of a stream of {@code count} messages of {@code size}, after a warm-up. */
    private static long[] stream(ManagedChannel channel, int size, int count) throws Exception {
        byte[] message = Payloads.of(size, size);
        clientStream(channel, message, count);
        long nanos = clientStream(channel, message, count);
        return new long[] {count * 1_000_000_000L / nanos, (long) (count * (double) size * 1e9 / nanos)};
    }

    /** Streams {@code message} {@code count} times; returns the nanoseconds until the server's checked digest. */
    private static long clientStream(ManagedChannel channel, byte[] message, int count) throws Exception {
        Digest expected = new Digest();
        for (int i = 0; i < count; i++) {
            expected.add(message);
        }
        CompletableFuture<byte[]> digest = new CompletableFuture<>();
        long start = System.nanoTime();
        ClientCalls.asyncClientStreamingCall(channel.newCall(EchoGrpc.CLIENT_STREAM, CallOptions.DEFAULT),
                new ClientResponseObserver<byte[], byte[]>() {
                    private int sent;
                    private boolean completed;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
                        requests.setOnReadyHandler(() -> {
                            while (sent < count && requests.isReady()) {
                                requests.onNext(message);
                                sent++;
                            }
                            if (sent == count && !completed) {
                                completed = true;
                                requests.onCompleted();
                            }
                        });
                    }

                    @Override
                    public void onNext(byte[] answer) {
                        digest.complete(answer);
                    }

                    @Override
                    public void onError(Throwable t) {
                        digest.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        byte[] answer = digest.get(300, TimeUnit.SECONDS);
        long nanos = System.nanoTime() - start;
        if (!Arrays.equals(answer, expected.toBytes())) {
            throw new IllegalStateException("the server's digest of " + count + " messages of " + message.length
                    + " bytes differs from the client's: " + expected);
        }
        return nanos;
    }

    /** Unary calls one at a time, each started by the end of the one before, on the event loop. */
    private static final class UnaryCalls implements StreamObserver<byte[]> {
        private final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        private final CompletableFuture<Histogram> done = new CompletableFuture<>();
        private final byte[] request;
        private final ManagedChannel channel;
        private final int warmup;
        private final int calls;
        private int call;
        private boolean answered;
        private long startedAt;

        UnaryCalls(ManagedChannel channel, int size, int warmup, int calls) {
            this.request = Payloads.of(1, size);
            this.channel = channel;
            this.warmup = warmup;
            this.calls = calls;
        }

        Histogram run() throws Exception {
            next();
            return done.get(300, TimeUnit.SECONDS);
        }

        private void next() {
            answered = false;
            startedAt = System.nanoTime();
            ClientCalls.asyncUnaryCall(channel.newCall(EchoGrpc.UNARY, CallOptions.DEFAULT), request, this);
        }

        @Override
        public void onNext(byte[] response) {
            answered = Arrays.equals(response, request);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            long nanos = System.nanoTime() - startedAt;
            if (!answered) {
                done.completeExceptionally(new IllegalStateException("call " + call + " was answered wrongly"));
                return;
            }
            if (call >= warmup) {
                histogram.recordValue(nanos);
            }
            if (++call == warmup + calls) {
                done.complete(histogram);
            } else {
                next();
            }
        }
    }
}
