package dev.nettyshm.bench.grpc;

import dev.nettyshm.bench.transport.Pinning;
import dev.nettyshm.bench.transport.Transport;
import dev.nettyshm.examples.grpc.EchoGrpc;
import dev.nettyshm.examples.grpc.ShmGrpc;
import io.grpc.Server;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The server side of a gRPC measurement, in its own JVM: {@code GrpcBenchServer TRANSPORT CPU} serves
 * {@link EchoGrpc} on one event loop pinned to CPU, and runs the service on that loop too (gRPC's direct executor,
 * as a latency-minded server with non-blocking handlers does), so that no thread but the pinned one takes part.
 * Prints {@code ready ADDRESS} and serves until its input closes.
 */
public final class GrpcBenchServer {

    private GrpcBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(group, args[1]);
            Server server = ShmGrpc.serverBuilder(transport.bindAddress("grpc-bench-" + UUID.randomUUID()),
                    transport.serverChannel, group, group).directExecutor().addService(EchoGrpc.service())
                    .build().start();
            System.out.println("ready " + Transport.describe(server.getListenSockets().getFirst()));
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
