package dev.nettyshm.examples.grpc;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * A gRPC service over raw bytes, one method of each kind, written by hand as generated code would be:
 * <ul>
 *   <li>{@link #UNARY} answers with its request;</li>
 *   <li>{@link #SERVER_STREAM} takes a {@link #streamRequest} of COUNT and SIZE and streams
 *       {@link Payloads#of Payloads.of(0, SIZE)} … {@code Payloads.of(COUNT - 1, SIZE)}, as fast as the client takes
 *       them;</li>
 *   <li>{@link #CLIENT_STREAM} answers the stream it took with its {@link Digest};</li>
 *   <li>{@link #BIDI} answers each message with itself.</li>
 * </ul>
 */
public final class EchoGrpc {

    public static final String SERVICE_NAME = "nettyshm.Echo";

    /** Messages are the bytes themselves. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                // gRPC hands over each message whole, and says its length: read it in one go.
                return stream instanceof KnownLength ? stream.readNBytes(stream.available()) : stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read a message", e);
            }
        }
    };

    public static final MethodDescriptor<byte[], byte[]> UNARY = method(SERVICE_NAME, MethodType.UNARY, "Unary");
    public static final MethodDescriptor<byte[], byte[]> SERVER_STREAM = method(SERVICE_NAME,
            MethodType.SERVER_STREAMING, "ServerStream");
    public static final MethodDescriptor<byte[], byte[]> CLIENT_STREAM = method(SERVICE_NAME,
            MethodType.CLIENT_STREAMING, "ClientStream");
    public static final MethodDescriptor<byte[], byte[]> BIDI = method(SERVICE_NAME, MethodType.BIDI_STREAMING, "Bidi");

    private EchoGrpc() {
    }

    /** A method of {@code service} named {@code name}, carrying bytes both ways, as this service's do. */
    public static MethodDescriptor<byte[], byte[]> method(String service, MethodType type, String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    /** The service's implementation, to add to a server. */
    public static ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(SERVICE_NAME)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(request);
                    response.onCompleted();
                }))
                .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall(EchoGrpc::stream))
                .addMethod(CLIENT_STREAM, ServerCalls.asyncClientStreamingCall(EchoGrpc::digest))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(response -> new Answer() {
                    @Override
                    public void onNext(byte[] message) {
                        response.onNext(message);
                    }

                    @Override
                    public void onCompleted() {
                        response.onCompleted();
                    }
                }))
                .build();
    }

    /** The request of {@link #SERVER_STREAM}: {@code count} messages of {@code size} bytes. */
    public static byte[] streamRequest(int count, int size) {
        return ByteBuffer.allocate(8).putInt(count).putInt(size).array();
    }

    private static void stream(byte[] request, StreamObserver<byte[]> observer) {
        ByteBuffer parameters = ByteBuffer.wrap(request);
        int count = parameters.getInt();
        int size = parameters.getInt();
        ServerCallStreamObserver<byte[]> response = (ServerCallStreamObserver<byte[]>) observer;
        // A cancelled call is never ready again, which ends the loop below; without a handler gRPC would throw at
        // the next message instead.
        response.setOnCancelHandler(() -> { });
        // Sends only while the transport takes messages, so that a slow client holds the server back rather than
        // making it buffer the whole stream.
        response.setOnReadyHandler(new Runnable() {
            private int sent;
            private boolean completed;

            @Override
            public void run() {
                while (sent < count && response.isReady()) {
                    response.onNext(Payloads.of(sent++, size));
                }
                if (sent == count && !completed) {
                    completed = true;
                    response.onCompleted();
                }
            }
        });
    }

    private static StreamObserver<byte[]> digest(StreamObserver<byte[]> response) {
        Digest digest = new Digest();
        return new Answer() {
            @Override
            public void onNext(byte[] message) {
                digest.add(message);
            }

            @Override
            public void onCompleted() {
                response.onNext(digest.toBytes());
                response.onCompleted();
            }
        };
    }

    /** An inbound stream's observer: a stream the client failed needs no answer. */
    private abstract static class Answer implements StreamObserver<byte[]> {
        @Override
        public void onError(Throwable t) {
        }
    }
}
