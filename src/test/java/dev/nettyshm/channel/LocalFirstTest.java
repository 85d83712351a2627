package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One address for local and remote peers: a {@link ShmChannel} given a TCP address runs over shared memory to a
 * local {@link ShmServerChannel} that listens there, and over TCP to anything else; a {@code ShmServerChannel} on a
 * TCP address serves plain TCP clients too. 4 MiB echoed and checksummed on each path, with TLS and without.
 */
class LocalFirstTest {

    private static final int BYTES = 4 << 20;
    private static final int CHUNK = 64 * 1024;
    private static final byte[] DATA = new byte[BYTES];
    private static final SharedMemoryDirectory DIRECTORY = SharedMemoryDirectory.system();

    static {
        new Random(42).nextBytes(DATA);
    }

    private static final EventLoopGroup SHM = new MultiThreadIoEventLoopGroup(2, ShmIoHandler.newFactory());
    private static final EventLoopGroup NIO = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    private final List<ChildJvm> children = new ArrayList<>();
    private final List<Channel> servers = new ArrayList<>();

    @TempDir
    Path otherDirectory;

    @AfterEach
    void stopPeers() throws Exception {
        for (Channel server : servers) {
            server.close().sync();
        }
        for (ChildJvm child : children) {
            child.closeInput();
            if (child.waitFor(30) != 0) {
                child.kill();
            }
        }
    }

    @AfterAll
    static void shutdown() throws Exception {
        SHM.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        NIO.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** A server context with a fresh self-signed certificate; clients of these tests trust anything. */
    static SslContext serverTls() throws Exception {
        X509Bundle certificate = new CertificateBuilder().subject("CN=localhost").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        return SslContextBuilder.forServer(certificate.getKeyPair().getPrivate(), certificate.getCertificatePath())
                .build();
    }

    private static SslContext clientTls() throws Exception {
        return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void shouldReachAPlainNettyTcpServerByItsAddress(boolean tls) throws Exception {
        InetSocketAddress address = nioEchoServer(tls ? serverTls() : null);

        Channel client = echo(shmClient(), address, tls);

        assertThat(((ShmChannel) client).route()).isEqualTo(ShmRoute.TCP);
        assertThat(client.remoteAddress()).isEqualTo(address);
        assertThat(((ShmChannel) client).metrics().bytesRead()).isGreaterThanOrEqualTo(BYTES);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void shouldServeAPlainTcpClientOnItsTcpAddress(boolean tls) throws Exception {
        InetSocketAddress address = shmEchoServer(new InetSocketAddress("127.0.0.1", 0), tls ? serverTls() : null);

        Channel client = echo(new Bootstrap().group(NIO).channel(NioSocketChannel.class), address, tls);

        assertThat(client.remoteAddress()).isEqualTo(address);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void shouldGiveALocalClientInAnotherProcessSharedMemoryByTheServersTcpAddress(boolean tls) throws Exception {
        InetSocketAddress address = childServer("shm", tls, List.of());

        ShmChannel client = (ShmChannel) echo(shmClient(), address, tls);

        assertThat(client.route()).isEqualTo(ShmRoute.SHARED_MEMORY);
        assertThat(client.remoteAddress()).isEqualTo(address);
        ShmChannelMetrics metrics = client.metrics();
        // Every byte went through the rings or the pools.
        assertThat(metrics.sharedBytesWritten() + metrics.copiedBytesWritten()).isEqualTo(metrics.bytesWritten())
                .isGreaterThanOrEqualTo(BYTES);
        assertThat(metrics.sharedBytesRead() + metrics.copiedBytesRead()).isEqualTo(metrics.bytesRead())
                .isGreaterThanOrEqualTo(BYTES);
    }

    @Test
    void shouldUseTcpToAServerWhoseSharedMemoryItCannotSee() throws Exception {
        InetSocketAddress address = childServer("shm", false,
                List.of("-D" + SharedMemoryDirectory.DIRECTORY_PROPERTY + "=" + otherDirectory));

        ShmChannel client = (ShmChannel) echo(shmClient(), address, false);

        assertThat(client.route()).isEqualTo(ShmRoute.TCP);
        assertThat(client.metrics().copiedBytesWritten() + client.metrics().sharedBytesWritten()).isZero();
    }

    @Test
    void shouldKeepALocalClientOnTcpWhenItsRouteIsForced() throws Exception {
        InetSocketAddress address = shmEchoServer(new InetSocketAddress("127.0.0.1", 0), null);

        ShmChannel client = (ShmChannel) echo(shmClient().option(ShmChannelOption.ROUTE, ShmRoute.TCP), address,
                false);

        assertThat(client.route()).isEqualTo(ShmRoute.TCP);
    }

    @Test
    void shouldOfferNoSharedMemoryFromAServerWhoseRouteIsTcp() throws Exception {
        Channel server = new ServerBootstrap().group(SHM).channel(ShmServerChannel.class)
                .option(ShmChannelOption.ROUTE, ShmRoute.TCP).childHandler(new EchoHandler())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        servers.add(server);

        ShmChannel client = (ShmChannel) echo(shmClient(), (InetSocketAddress) server.localAddress(), false);

        assertThat(client.route()).isEqualTo(ShmRoute.TCP);
        assertThat(((ShmServerChannel) server).shmAddress()).isNull();
    }

    @Test
    void shouldGiveALocalClientInThisProcessSharedMemoryWhenTheServerListensOnTheWildcard() throws Exception {
        InetSocketAddress bound = shmEchoServer(new InetSocketAddress(0), null);

        ShmChannel client = (ShmChannel) echo(shmClient(), new InetSocketAddress("127.0.0.1", bound.getPort()),
                false);

        assertThat(client.route()).isEqualTo(ShmRoute.SHARED_MEMORY);
    }

    @Test
    void shouldFallBackToTcpWhenTheNameFoundForTheAddressIsServedByNobody() throws Exception {
        InetSocketAddress address = nioEchoServer(null);
        // What a server killed after a client found it leaves: a route to a name nobody serves any more.
        Path route = TcpRegistry.publish(DIRECTORY, address, new ShmAddress("local-first-ghost-" + address.getPort()));
        long fallbacksBefore = ShmTransportMetrics.tcpFallbacks();
        try {
            ShmChannel client = (ShmChannel) echo(shmClient(), address, false);

            assertThat(client.route()).isEqualTo(ShmRoute.TCP);
            assertThat(ShmTransportMetrics.tcpFallbacks()).isEqualTo(fallbacksBefore + 1);
            assertThatThrownBy(() -> shmClient().option(ShmChannelOption.ROUTE, ShmRoute.SHARED_MEMORY)
                    .handler(new ChannelInboundHandlerAdapter()).connect(address).sync())
                    .isInstanceOf(ConnectException.class);
        } finally {
            Files.deleteIfExists(route);
        }
    }

    @Test
    void shouldFailClearlyWhenTheServerWasKilledAfterItListened() throws Exception {
        InetSocketAddress address = childServer("shm", false, List.of());
        ChildJvm child = children.removeLast();
        child.kill();

        long start = System.nanoTime();
        assertThatThrownBy(() -> shmClient().handler(new ChannelInboundHandlerAdapter()).connect(address).sync())
                .isInstanceOf(ConnectException.class).hasMessageContaining(String.valueOf(address.getPort()));
        assertThat(System.nanoTime() - start).as("no hang").isLessThan(TimeUnit.SECONDS.toNanos(30));
        // What the killed server left is swept by the next process; this one sweeps it now.
        ShmInventory.removeStale(DIRECTORY);
        assertThat(routesTo(address.getPort())).isEmpty();
    }

    @Test
    void shouldRemoveItsRouteWhenItCloses() throws Exception {
        InetSocketAddress address = shmEchoServer(new InetSocketAddress("127.0.0.1", 0), null);
        ShmServerChannel server = (ShmServerChannel) servers.getLast();
        assertThat(routesTo(address.getPort())).hasSize(1);

        server.close().sync();

        assertThat(routesTo(address.getPort())).isEmpty();
        assertThat(Files.exists(Endpoint.socketPath(DIRECTORY, server.shmAddress()))).isFalse();
    }

    @Test
    void shouldNeverReachTheServerOfAnotherNetworkNamespaceOnTheSamePort() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root")
                && Files.isExecutable(Path.of("/usr/bin/unshare")), "needs root and unshare for a network namespace");
        // This namespace's server: plain TCP, on a port that the other namespace's shared-memory server takes too.
        InetSocketAddress here = nioEchoServer(null);
        List<String> command = new ArrayList<>(List.of("/usr/bin/unshare", "--net", "--"));
        command.addAll(ChildJvm.command(List.of(), LocalFirstPeer.class, "shm", "0.0.0.0", "plain",
                String.valueOf(here.getPort())));
        Process other = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(other.getInputStream(),
                    StandardCharsets.UTF_8));
            StringBuilder printed = new StringBuilder();
            String line;
            while ((line = output.readLine()) != null && !line.equals("port " + here.getPort())) {
                printed.append(line).append('\n');
            }
            assumeTrue(line != null, "no server in another network namespace: " + printed);
            // The other namespace's server recorded the same port, under its namespace.
            assertThat(routesTo(here.getPort())).hasSize(1);

            ShmChannel client = (ShmChannel) echo(shmClient(), here, false);

            assertThat(client.route()).isEqualTo(ShmRoute.TCP);
        } finally {
            other.getOutputStream().close();
            if (!other.waitFor(30, TimeUnit.SECONDS)) {
                other.destroyForcibly();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Bootstrap shmClient() {
        return new Bootstrap().group(SHM).channel(ShmChannel.class);
    }

    private InetSocketAddress nioEchoServer(SslContext tls) throws Exception {
        Channel server = new ServerBootstrap().group(NIO).channel(NioServerSocketChannel.class)
                .childHandler(echoInit(tls)).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private InetSocketAddress shmEchoServer(InetSocketAddress bind, SslContext tls) throws Exception {
        Channel server = new ServerBootstrap().group(SHM).channel(ShmServerChannel.class).childHandler(echoInit(tls))
                .bind(bind).sync().channel();
        servers.add(server);
        return (InetSocketAddress) server.localAddress();
    }

    private static ChannelInitializer<Channel> echoInit(SslContext tls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new EchoHandler());
            }
        };
    }

    private InetSocketAddress childServer(String kind, boolean tls, List<String> jvmArgs) throws Exception {
        ChildJvm child = ChildJvm.start(jvmArgs, LocalFirstPeer.class, kind, "127.0.0.1", tls ? "tls" : "plain");
        children.add(child);
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(child.awaitLineStartingWith("port ")));
    }

    /**
     * Connects through {@code bootstrap}, sends {@link #BYTES} bytes and checks that every one comes back in order;
     * returns the connected channel, closed.
     */
    private static Channel echo(Bootstrap bootstrap, SocketAddress address, boolean tls) throws Exception {
        Echoed echoed = new Echoed();
        SslContext context = tls ? clientTls() : null;
        Channel channel = bootstrap.handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (context != null) {
                    ch.pipeline().addLast(context.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(echoed);
            }
        }).connect(address).sync().channel();
        for (int offset = 0; offset < BYTES; offset += CHUNK) {
            channel.write(Unpooled.wrappedBuffer(DATA, offset, CHUNK));
        }
        channel.flush();
        try {
            assertThat(echoed.done.get(60, TimeUnit.SECONDS)).isEqualTo(crc(DATA));
        } finally {
            channel.close().sync();
        }
        return channel;
    }

    private static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }

    private static List<Path> routesTo(int port) throws Exception {
        try (Stream<Path> files = Files.list(DIRECTORY.path())) {
            return files.filter(f -> f.getFileName().toString().matches("nettyshm-tcp-\\d+-" + port + "-.*\\.route"))
                    .toList();
        }
    }

    /** Checks what comes back against {@link #DATA}; completes with the CRC once all of it came, or fails. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Echoed extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final CRC32C crc = new CRC32C();
        private int received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                for (ByteBuffer part : buf.nioBuffers()) {
                    received += part.remaining();
                    crc.update(part);
                }
            } finally {
                buf.release();
            }
            if (received > BYTES) {
                done.completeExceptionally(new AssertionError("more came back than was sent: " + received));
            } else if (received == BYTES) {
                done.complete(crc.getValue());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new AssertionError("closed after " + received + " bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
