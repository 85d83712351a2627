package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

/**
 * Which TCP addresses of this host are served by a {@link ShmServerChannel}, and under which {@link ShmAddress}: one
 * file per listening address in the shared-memory directory,
 * {@code nettyshm-tcp-<network namespace>-<port>-<host>.route}, holding the server's name. {@code <host>} is the
 * address's bytes in hex, or {@code any4} / {@code any6} for a server bound to a wildcard address.
 *
 * <p>The file is the server's while it lives: written (owner-only, whole, by a rename) after both its sockets listen,
 * removed before they close. One a crashed server left points at a name nobody serves: a client finds the name's
 * socket gone or refusing, and falls back to TCP, where the kernel answers for the port as it would anyway. The
 * file's mode keeps other users out: they cannot read it, so they use TCP. See
 * {@code docs/decisions/014-local-first.md}.
 *
 * <p>Thread-safe: stateless.
 */
final class TcpRegistry {

    private static final String PREFIX = "nettyshm-tcp-";
    static final String SUFFIX = ".route";

    private TcpRegistry() {
    }

    /**
     * Records that {@code name} serves {@code bound} (the address the TCP socket listens on, its port resolved).
     *
     * @return the entry, for {@link #withdraw}; {@code null} if this host cannot tell network namespaces apart, so
     *         no client may be sent to shared memory by address
     */
    static Path publish(SharedMemoryDirectory directory, InetSocketAddress bound, ShmAddress name) throws IOException {
        if (NetworkNamespace.ID == null) {
            return null;
        }
        InetAddress host = bound.getAddress();
        String key = host.isAnyLocalAddress() ? (host instanceof Inet6Address ? "any6" : "any4") : hex(host);
        Path entry = entry(directory, bound.getPort(), key);
        Path temporary = directory.path().resolve(entry.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.deleteIfExists(temporary);
        if (directory.path().getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(temporary, name.name(), StandardCharsets.UTF_8);
        Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return entry;
    }

    /** Removes an entry of {@link #publish}, if it is still the one this server wrote. */
    static void withdraw(Path entry, ShmAddress name) throws IOException {
        if (entry != null && name.name().equals(read(entry))) {
            Files.deleteIfExists(entry);
        }
    }

    /**
     * The server of this host, in this network namespace, that listens on {@code target}; {@code null} if none is
     * recorded, or its entry cannot be read (another user's).
     */
    static ShmAddress lookup(SharedMemoryDirectory directory, InetSocketAddress target) {
        InetAddress host = target.getAddress();
        if (NetworkNamespace.ID == null || host == null) {
            return null;
        }
        int port = target.getPort();
        String name = read(entry(directory, port, hex(host)));
        if (name == null && isLocal(host)) {
            // Linux's dual-stack sockets: a server on the IPv6 wildcard also takes IPv4 connections.
            name = read(entry(directory, port, "any6"));
            if (name == null && !(host instanceof Inet6Address)) {
                name = read(entry(directory, port, "any4"));
            }
        }
        try {
            return name == null ? null : new ShmAddress(name);
        } catch (IllegalArgumentException corrupt) {
            return null;
        }
    }

    private static Path entry(SharedMemoryDirectory directory, int port, String host) {
        return directory.path().resolve(PREFIX + NetworkNamespace.ID + "-" + port + "-" + host + SUFFIX);
    }

    /** The server name an entry holds; {@code null} if it is gone or cannot be read. */
    static String read(Path entry) {
        try {
            return Files.readString(entry, StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException absentOrUnreadable) {
            // Gone, another user's, or a file that is not ours: as if absent.
            return null;
        }
    }

    /** Whether a connection to {@code host} stays on this host: a server bound to a wildcard address takes it. */
    private static boolean isLocal(InetAddress host) {
        if (host.isLoopbackAddress() || host.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(host) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static String hex(InetAddress host) {
        return HexFormat.of().formatHex(host.getAddress());
    }
}
