package dev.nettyshm.bench.transport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The floor under any wake-up on this machine, for {@link IdleAndWakeup}: a thread blocked in a plain
 * {@code read} of a Unix domain socket, no selector and no Netty. {@code WakeFloor PATH} listens at PATH, prints
 * {@code ready}, and answers each 8-byte {@link System#nanoTime()} stamp it reads with how long it took to arrive.
 */
public final class WakeFloor {

    private WakeFloor() {
    }

    public static void main(String[] args) throws IOException {
        Path path = Path.of(args[0]);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            System.out.println("ready");
            System.out.flush();
            try (SocketChannel peer = server.accept()) {
                ByteBuffer stamp = ByteBuffer.allocateDirect(8);
                for (;;) {
                    stamp.clear();
                    while (stamp.hasRemaining()) {
                        if (peer.read(stamp) < 0) {
                            return;
                        }
                    }
                    long delay = System.nanoTime() - stamp.getLong(0);
                    stamp.clear();
                    stamp.putLong(0, delay);
                    while (stamp.hasRemaining()) {
                        peer.write(stamp);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
