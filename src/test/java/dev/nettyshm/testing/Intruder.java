package dev.nettyshm.testing;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Run as another user: {@code Intruder SOCKET SEGMENT} tries to connect to a server's socket and to open a
 * segment for reading, and prints {@code connect: …} and {@code open: …} with what happened. JDK classes only, so
 * that it runs with nothing but its own class directory readable.
 */
public final class Intruder {

    private Intruder() {
    }

    public static void main(String[] args) {
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
            System.out.println("connect: connected");
        } catch (Exception e) {
            System.out.println("connect: " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
        try (FileChannel segment = FileChannel.open(Path.of(args[1]), StandardOpenOption.READ)) {
            System.out.println("open: opened " + segment.size() + " bytes");
        } catch (Exception e) {
            System.out.println("open: " + e.getClass().getSimpleName());
        }
    }
}
