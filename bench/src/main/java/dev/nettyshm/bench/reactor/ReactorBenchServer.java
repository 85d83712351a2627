package dev.nettyshm.bench.reactor;

import dev.nettyshm.bench.transport.Pinning;
import dev.nettyshm.bench.transport.Transport;
import dev.nettyshm.reactor.ShmLoopResources;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * The server side of a Reactor Netty measurement, in its own JVM: {@code ReactorBenchServer TRANSPORT CPU} runs a
 * Reactor Netty {@code HttpServer} that echoes the body of every {@code POST /echo}, on one event loop pinned to
 * CPU: {@link ShmLoopResources} on a TCP address for {@code SHM}, Reactor Netty's own loops for NIO TCP and for
 * epoll domain sockets. Prints {@code ready ADDRESS} and serves until its input closes.
 */
public final class ReactorBenchServer {

    private ReactorBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        LoopResources loops = loops(transport, "bench-server");
        boolean nativeLoops = transport == Transport.EPOLL_UDS;
        try {
            Pinning.pin(loops.onServer(nativeLoops), args[1]);
            HttpServer server = HttpServer.create().runOn(loops, nativeLoops).protocol(HttpProtocol.HTTP11)
                    .route(routes -> routes.post("/echo", (request, response) -> response.send(request.receive()
                            .retain())));
            server = transport == Transport.EPOLL_UDS
                    ? server.bindAddress(() -> new DomainSocketAddress("/tmp/reactor-bench-" + UUID.randomUUID()
                            + ".sock"))
                    : server.bindAddress(() -> new InetSocketAddress("127.0.0.1", 0));
            DisposableServer bound = server.bindNow(Duration.ofSeconds(10));
            System.out.println("ready " + Transport.describe(bound.address()));
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            bound.disposeNow(Duration.ofSeconds(10));
        } finally {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(1)).block(Duration.ofSeconds(10));
        }
    }

    /** One event loop of the transport's kind. */
    static LoopResources loops(Transport transport, String prefix) {
        return switch (transport) {
            case SHM -> ShmLoopResources.create(prefix, 1);
            case NIO_TCP -> LoopResources.create(prefix, 1, 1, false);
            case EPOLL_UDS -> LoopResources.create(prefix, 1, 1, true);
            default -> throw new IllegalArgumentException(transport + " is not measured through Reactor Netty");
        };
    }
}
