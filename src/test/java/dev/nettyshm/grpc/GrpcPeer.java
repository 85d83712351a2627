package dev.nettyshm.grpc;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.examples.grpc.EchoGrpc;
import dev.nettyshm.examples.grpc.ShmGrpc;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The server process of the gRPC tests: {@code GrpcPeer NAME CERT KEY} serves {@link EchoGrpc} and {@link Probe} on
 * {@code shm:NAME}, on a loopback TCP port (Netty's NIO) and on a TCP port of every address through
 * {@code ShmServerChannel} (local clients of this library get shared memory there) — once in plaintext, once with TLS
 * from the certificate chain and key files named by its second and third arguments — with the same settings, prints
 * {@code tcp PORT}, {@code local PORT}, {@code tls PORT} and {@code ready},
 * and ends cleanly — shutting both servers down — when its standard input closes.
 */
public final class GrpcPeer {

    private GrpcPeer() {
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup shmGroup = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        EventLoopGroup tcpGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Probe probe = new Probe();
        try {
            Server shm = probe.addTo(ShmGrpc.serverBuilder(new ShmAddress(args[0]), shmGroup)).build().start();
            Server tcp = probe.addTo(ShmGrpc.serverBuilder(new InetSocketAddress("127.0.0.1", 0),
                    NioServerSocketChannel.class, tcpGroup, tcpGroup)).build().start();
            Server local = probe.addTo(ShmGrpc.serverBuilder(0, shmGroup, shmGroup)).build().start();
            Server tls = probe.addTo(ShmGrpc.serverBuilder(0, shmGroup, shmGroup)
                    .useTransportSecurity(new File(args[1]), new File(args[2]))).build().start();
            System.out.println("tcp " + ((InetSocketAddress) tcp.getListenSockets().getFirst()).getPort());
            System.out.println("local " + ((InetSocketAddress) local.getListenSockets().getFirst()).getPort());
            System.out.println("tls " + ((InetSocketAddress) tls.getListenSockets().getFirst()).getPort());
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            for (Server server : new Server[] {shm, tcp, local, tls}) {
                server.shutdown();
                if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a server did not end within 10 s");
                }
            }
        } finally {
            probe.close();
            shmGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            tcpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
