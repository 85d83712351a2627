package dev.nettyshm.examples.grpc;

import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Collects a call's responses until it ends. Thread safety: gRPC calls an observer from one thread at a time. */
public final class Responses implements StreamObserver<byte[]> {

    private final List<byte[]> received = new ArrayList<>();
    private final CompletableFuture<List<byte[]>> done = new CompletableFuture<>();

    @Override
    public void onNext(byte[] message) {
        received.add(message);
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        done.complete(received);
    }

    /** Every response, once the call has ended well; the call's failure otherwise. */
    public List<byte[]> all(long seconds) throws Exception {
        return done.get(seconds, TimeUnit.SECONDS);
    }
}
