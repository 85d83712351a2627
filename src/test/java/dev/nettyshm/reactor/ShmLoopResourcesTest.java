package dev.nettyshm.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * Reactor Netty's TCP server and client on {@link ShmLoopResources}: a client of the resources reaches their server
 * over shared memory by its {@code host:port}; Reactor Netty's own client reaches it over TCP; 1 MiB echoed and
 * checked each way. The HTTP paths run between two JVMs in {@code ExamplesTest}.
 */
class ShmLoopResourcesTest {

    private static final ShmLoopResources LOOPS = ShmLoopResources.create("test", 2);
    private static final byte[] DATA = new byte[1 << 20];

    static {
        new Random(3).nextBytes(DATA);
    }

    @AfterAll
    static void dispose() {
        LOOPS.disposeLater().block(Duration.ofSeconds(10));
        assertThat(LOOPS.isDisposed()).isTrue();
    }

    @Test
    void shouldServeAClientOfTheSameResourcesOverSharedMemoryByHostAndPort() {
        DisposableServer server = echoServer();
        List<Channel> channels = new CopyOnWriteArrayList<>();
        try {
            Connection client = TcpClient.create().runOn(LOOPS).host("127.0.0.1").port(server.port())
                    .doOnConnected(connection -> channels.add(connection.channel())).connectNow();

            assertThat(echo(client)).isEqualTo(DATA);
            assertThat(server.channel()).isInstanceOf(ShmServerChannel.class);
            assertThat(channels).singleElement().isInstanceOfSatisfying(ShmChannel.class,
                    channel -> assertThat(channel.route()).isEqualTo(ShmRoute.SHARED_MEMORY));
            client.disposeNow();
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void shouldServeReactorNettysOwnTcpClientOverTcp() {
        DisposableServer server = echoServer();
        try {
            Connection client = TcpClient.create().host("127.0.0.1").port(server.port()).connectNow();

            assertThat(echo(client)).isEqualTo(DATA);
            assertThat(client.channel()).isNotInstanceOf(ShmChannel.class);
            client.disposeNow();
        } finally {
            server.disposeNow();
        }
    }

    @Test
    void shouldGiveTheTransportsChannelsForSocketChannelsAndRefuseOthers() {
        assertThat(LOOPS.onChannelClass(SocketChannel.class, LOOPS.onClient(true))).isEqualTo(ShmChannel.class);
        assertThat(LOOPS.onChannelClass(ServerSocketChannel.class, LOOPS.onServer(true)))
                .isEqualTo(ShmServerChannel.class);
        assertThatThrownBy(() -> LOOPS.onChannel(DatagramChannel.class, LOOPS.onClient(true)))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("DatagramChannel");
    }

    private static DisposableServer echoServer() {
        return TcpServer.create().runOn(LOOPS).host("127.0.0.1").port(0)
                .handle((in, out) -> out.send(in.receive().retain())).bindNow();
    }

    /** Sends {@link #DATA} and returns as many bytes as came back. */
    private static byte[] echo(Connection client) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        client.outbound().send(ByteBufFlux.fromInbound(Mono.just(DATA))).then().subscribe();
        client.inbound().receive().asByteArray().doOnNext(received::writeBytes)
                .takeUntil(bytes -> received.size() >= DATA.length).then().block(Duration.ofSeconds(30));
        return received.toByteArray();
    }
}
