package dev.nettyshm.grpc;

import dev.nettyshm.examples.grpc.EchoGrpc;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server's side of a call, for the tests to ask about: a method that answers late, and whether the server saw a
 * call cancelled. Every call that carries a {@link #CALL_ID} header, of the echo service or of {@link #SLOW}, has
 * its end noted under that id.
 */
final class Probe implements AutoCloseable {

    static final String SERVICE_NAME = "nettyshm.Probe";
    static final Metadata.Key<String> CALL_ID = Metadata.Key.of("call-id", Metadata.ASCII_STRING_MARSHALLER);
    /** Answers with its request after as many milliseconds as the request's first 8 bytes hold. */
    static final MethodDescriptor<byte[], byte[]> SLOW = EchoGrpc.method(SERVICE_NAME, MethodType.UNARY, "Slow");
    /**
     * Takes a call id (UTF-8) and answers {@code {1}} once that call was cancelled on the server, {@code {0}} once it
     * ended otherwise or if it has not ended within 10 s. Waiting makes the answer independent of the order in
     * which the server runs the two calls' callbacks.
     */
    static final MethodDescriptor<byte[], byte[]> WAS_CANCELLED = EchoGrpc.method(SERVICE_NAME, MethodType.UNARY,
            "WasCancelled");

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    /** Per call id: completes with whether the call was cancelled, once it ended. */
    private final Map<String, CompletableFuture<Boolean>> endings = new ConcurrentHashMap<>();

    /** Adds the echo service and this probe's methods to {@code builder}. */
    NettyServerBuilder addTo(NettyServerBuilder builder) {
        ServerInterceptor noteEndings = new NoteEndings();
        return builder.addService(ServerInterceptors.intercept(EchoGrpc.service(), noteEndings))
                .addService(ServerInterceptors.intercept(service(), noteEndings));
    }

    static byte[] slowRequest(long millis) {
        return ByteBuffer.allocate(8).putLong(millis).array();
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(SERVICE_NAME)
                .addMethod(SLOW, ServerCalls.asyncUnaryCall(this::slow))
                .addMethod(WAS_CANCELLED, ServerCalls.asyncUnaryCall((request, response) ->
                        ending(new String(request, StandardCharsets.UTF_8))
                                .completeOnTimeout(false, 10, TimeUnit.SECONDS)
                                .thenAccept(cancelled -> {
                                    response.onNext(new byte[] {(byte) (cancelled ? 1 : 0)});
                                    response.onCompleted();
                                })))
                .build();
    }

    private void slow(byte[] request, StreamObserver<byte[]> observer) {
        ServerCallStreamObserver<byte[]> response = (ServerCallStreamObserver<byte[]>) observer;
        timer.schedule(() -> {
            if (!response.isCancelled()) {
                response.onNext(request);
                response.onCompleted();
            }
        }, ByteBuffer.wrap(request).getLong(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Boolean> ending(String callId) {
        return endings.computeIfAbsent(callId, id -> new CompletableFuture<>());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** Notes how each call with a {@link #CALL_ID} ended. */
    private final class NoteEndings implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            ServerCall.Listener<Q> listener = next.startCall(call, headers);
            String callId = headers.get(CALL_ID);
            if (callId == null) {
                return listener;
            }
            CompletableFuture<Boolean> ending = ending(callId);
            return new SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onCancel() {
                    ending.complete(true);
                    super.onCancel();
                }

                @Override
                public void onComplete() {
                    ending.complete(false);
                    super.onComplete();
                }
            };
        }
    }
}
