package dev.nettyshm.bench.transport;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import dev.nettyshm.channel.ShmIoHandler;
import dev.nettyshm.channel.ShmServerChannel;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** The Netty transports measured beside each other: what differs between them is exactly this. */
public enum Transport {
    SHM("shared memory", ShmIoHandler.newFactory(), ShmServerChannel.class, ShmChannel.class, true),
    NIO_TCP("NIO TCP", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class, true),
    EPOLL_TCP("epoll TCP", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class,
            true),
    EPOLL_UDS("epoll domain socket", EpollIoHandler.newFactory(), EpollServerDomainSocketChannel.class,
            EpollDomainSocketChannel.class, true),
    /** In-JVM only: server and client share one process, on two event loops. */
    LOCAL("LocalChannel (one JVM)", LocalIoHandler.newFactory(), LocalServerChannel.class, LocalChannel.class,
            false);

    public final String label;
    public final IoHandlerFactory ioHandlerFactory;
    public final Class<? extends ServerChannel> serverChannel;
    public final Class<? extends Channel> channel;
    public final boolean crossesProcesses;

    Transport(String label, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
            Class<? extends Channel> channel, boolean crossesProcesses) {
        this.label = label;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.channel = channel;
        this.crossesProcesses = crossesProcesses;
    }

    /** The address a server binds, from a token unique to the run. */
    public SocketAddress bindAddress(String token) {
        return switch (this) {
            case SHM -> new ShmAddress(token);
            case NIO_TCP, EPOLL_TCP -> new InetSocketAddress("127.0.0.1", 0);
            case EPOLL_UDS -> new DomainSocketAddress("/tmp/" + token + ".sock");
            case LOCAL -> new LocalAddress(token);
        };
    }

    /** How the bound address travels to the client process: one line of text. */
    public static String describe(SocketAddress address) {
        return switch (address) {
            case ShmAddress shm -> "shm:" + shm.name();
            case InetSocketAddress inet -> "tcp:" + inet.getPort();
            case DomainSocketAddress uds -> "uds:" + uds.path();
            case LocalAddress local -> "local:" + local.id();
            default -> throw new IllegalArgumentException(address.toString());
        };
    }

    public static SocketAddress parse(String described) {
        String value = described.substring(described.indexOf(':') + 1);
        return switch (described.substring(0, described.indexOf(':'))) {
            case "shm" -> new ShmAddress(value);
            case "tcp" -> new InetSocketAddress("127.0.0.1", Integer.parseInt(value));
            case "uds" -> new DomainSocketAddress(value);
            case "local" -> new LocalAddress(value);
            default -> throw new IllegalArgumentException(described);
        };
    }
}
