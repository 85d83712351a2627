package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The files that make a name connectable: {@code nettyshm-<name>.sock}, the listening Unix domain socket, and
 * {@code nettyshm-<name>.lock}, whose {@code fcntl} lock a live server holds. The kernel drops the lock when its
 * process dies, however it dies: that is how a bind tells a live server from a crashed one, and why two racing binds
 * cannot both win. See {@code docs/decisions/004-transport-control-plane.md}. The first bind or connect of a JVM in a
 * directory removes first what killed processes left there ({@link StaleFiles}).
 */
final class Endpoint {

    private static final String PREFIX = "nettyshm-";
    /** Room for the path of a socket: {@code sun_path} holds 108 bytes with the NUL. */
    private static final int MAX_SOCKET_PATH = 100;
    /** The content of a lock file whose server closed it: a binder that locked it must open the path anew. */
    private static final byte RETIRED = 'X';
    /**
     * How long a bind looks again at a lock held while its file names no live process. Whoever holds it lets go
     * within microseconds: a process removing a dead server's files ({@link StaleFiles}), or a racing bind that
     * has not written its pid yet.
     */
    private static final long DEAD_OWNER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private Endpoint() {
    }

    /** The file stem for a name: the name itself, or its hash when a socket path would grow too long. */
    static String stem(SharedMemoryDirectory directory, ShmAddress address) {
        String stem = PREFIX + address.name();
        Path socket = directory.path().resolve(stem + ".sock");
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH) {
            return stem;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(address.name().getBytes(StandardCharsets.UTF_8));
            return PREFIX + "h" + HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The pid a server wrote into its lock file; 0 if there is none (not written yet, or retired). */
    static long recordedPid(FileChannel lockChannel) throws IOException {
        ByteBuffer content = ByteBuffer.allocate(32);
        lockChannel.read(content, 0);
        String text = new String(content.array(), 0, content.position(), StandardCharsets.US_ASCII).trim();
        // Eighteen digits always fit a long.
        return !text.isEmpty() && text.length() <= 18 && text.chars().allMatch(Character::isDigit)
                ? Long.parseLong(text) : 0;
    }

    static Path socketPath(SharedMemoryDirectory directory, ShmAddress address) {
        return directory.path().resolve(stem(directory, address) + ".sock");
    }

    /**
     * Connects to the server of {@code address} without blocking.
     *
     * @throws ConnectException naming the address if nobody listens there
     */
    static SocketChannel connect(SharedMemoryDirectory directory, ShmAddress address) throws IOException {
        StaleFiles.removeOnce(directory);
        Path path = socketPath(directory, address);
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.configureBlocking(false);
            if (!socket.connect(UnixDomainSocketAddress.of(path))) {
                // A full backlog: a Unix socket connect does not otherwise pend.
                throw new ConnectException(address + ": the server's backlog is full (" + path + ")");
            }
            return socket;
        } catch (SocketException e) {
            socket.close();
            ConnectException refused = new ConnectException(address + ": nobody listens (" + path + ": "
                    + e.getMessage() + ")");
            refused.initCause(e);
            throw refused;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A bound name: the lock held and the socket listening. */
    static final class Bound implements AutoCloseable {

        private final Path socketPath;
        private final Path lockPath;
        private final FileChannel lockChannel;
        private final FileLock lock;
        final ServerSocketChannel server;

        private Bound(Path socketPath, Path lockPath, FileChannel lockChannel, FileLock lock,
                ServerSocketChannel server) {
            this.socketPath = socketPath;
            this.lockPath = lockPath;
            this.lockChannel = lockChannel;
            this.lock = lock;
            this.server = server;
        }

        /**
         * Takes the name: locks it, removes what a crashed server left, and listens. A lock held while its file names
         * no live process is looked at again for up to 200 ms before the bind gives up.
         *
         * @throws BindException naming the address if a live server holds it
         */
        static Bound bind(SharedMemoryDirectory directory, ShmAddress address, int backlog) throws IOException {
            StaleFiles.removeOnce(directory);
            String stem = stem(directory, address);
            Path lockPath = directory.path().resolve(stem + ".lock");
            Path socketPath = directory.path().resolve(stem + ".sock");
            long deadline = System.nanoTime() + DEAD_OWNER_WAIT_NANOS;
            for (;;) {
                FileChannel channel = FileChannel.open(lockPath, java.util.Set.of(StandardOpenOption.CREATE,
                        StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException heldInThisJvm) {
                    lock = null;
                }
                if (lock == null) {
                    boolean ownerLive = ShmInventory.alive(recordedPid(channel));
                    channel.close();
                    if (!ownerLive && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                        continue;
                    }
                    throw new BindException(address + " is bound by a live server (" + lockPath + " is locked)");
                }
                ByteBuffer first = ByteBuffer.allocate(1);
                if (channel.read(first, 0) == 1 && first.get(0) == RETIRED) {
                    // We locked the file of a server that closed and removed it meanwhile: start over.
                    channel.close();
                    continue;
                }
                try {
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                            .getBytes(StandardCharsets.US_ASCII)), 0);
                    // A socket file here is a crashed server's: we hold the lock.
                    Files.deleteIfExists(socketPath);
                    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        server.bind(UnixDomainSocketAddress.of(socketPath), backlog);
                        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
                        server.configureBlocking(false);
                    } catch (IOException | RuntimeException e) {
                        server.close();
                        throw e;
                    }
                    return new Bound(socketPath, lockPath, channel, lock, server);
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
            }
        }

        /** Stops listening and removes both files; the lock goes last, so no bind can slip in between. */
        @Override
        public void close() throws IOException {
            try {
                server.close();
                Files.deleteIfExists(socketPath);
                lockChannel.write(ByteBuffer.wrap(new byte[] {RETIRED}), 0);
                Files.deleteIfExists(lockPath);
            } finally {
                lock.release();
                lockChannel.close();
            }
        }
    }
}
