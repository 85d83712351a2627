package dev.nettyshm.channel;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.internal.ring.RingDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the transport has left in a shared-memory directory, and the removal of what no live process owns:
 * server names ({@code nettyshm-<name>.sock} and {@code .lock}, with the {@code nettyshm-tcp-….route} files that
 * send clients of its TCP addresses to it) and connection segments ({@code nettyshm-id-…}).
 * A connection's segment is unlinked as soon as both sides map it, so one is found here only if its client died
 * during the handshake; a server's files stay after its process was killed. Every process of the transport removes
 * the stale ones on its first bind or connect in a directory ({@code docs/decisions/007-stale-files.md}), so what
 * this finds stale was left since the last process started there.
 *
 * <p>Liveness: a server is live while its lock is held — the kernel drops the lock of a dead process — so that
 * test cannot be fooled by a reused pid. A connection segment is live while a process with one of the pids in its
 * header exists; a reused pid keeps a stale segment listed as live (never the other way round).
 *
 * <p>Thread-safe: stateless. Removal races with a bind of the same name: that bind fails with a
 * {@code BindException} while the lock is held here, for microseconds.
 */
public final class ShmInventory {

    /** What an entry is. */
    public enum Kind {
        /** A server's bound name. */
        SERVER,
        /** A connection's segment, not yet mapped by both sides. */
        CONNECTION,
        /** The route of a TCP address to a server's name that is bound no more: its server was killed. */
        ROUTE
    }

    /**
     * One thing found.
     *
     * @param kind      server name or connection segment
     * @param name      the server's name, or the segment's
     * @param files     the files it consists of
     * @param pids      the owners' pids as recorded (server: its pid; connection: client and server, 0 if none)
     * @param live      whether an owner is alive (see the class comment)
     * @param bytes     the segment's size; 0 for a server
     * @param ringBytes bytes written into the connection's rings and not yet read; -1 for a server or a segment
     *                  without a valid header
     */
    public record Entry(Kind kind, String name, List<Path> files, List<Long> pids, boolean live, long bytes,
            long ringBytes) {
    }

    /** What is done with a file that could not be examined or removed: rethrow, or note it and go on. */
    @FunctionalInterface
    interface FileError {
        void handle(Path file, IOException error) throws IOException;
    }

    private static final String PREFIX = "nettyshm-";
    private static final String CONNECTION_PREFIX = "nettyshm-id-";
    private static final FileError RETHROW = (file, error) -> {
        throw error;
    };

    private ShmInventory() {
    }

    /**
     * The command line: {@code ShmInventory list [DIRECTORY]} prints one line per entry; {@code ShmInventory clean
     * [DIRECTORY]} removes the stale ones and prints them. The directory defaults to
     * {@link SharedMemoryDirectory#system()}. Exits with 2 on a usage error.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2 || !(args[0].equals("list") || args[0].equals("clean"))) {
            System.err.println("usage: ShmInventory list|clean [directory]");
            System.exit(2);
        }
        SharedMemoryDirectory directory = args.length == 2 ? SharedMemoryDirectory.of(Path.of(args[1]))
                : SharedMemoryDirectory.system();
        boolean clean = args[0].equals("clean");
        List<Entry> entries = clean ? removeStale(directory) : list(directory);
        System.out.printf("%-10s %-6s %-24s %12s %12s  %s%n", "kind", "state", "pids", "bytes", "ring bytes",
                clean ? "removed" : "name");
        for (Entry entry : entries) {
            System.out.printf("%-10s %-6s %-24s %12d %12s  %s%n", entry.kind().name().toLowerCase(),
                    entry.live() ? "live" : "stale", entry.pids().toString(), entry.bytes(),
                    entry.ringBytes() < 0 ? "-" : String.valueOf(entry.ringBytes()), entry.name());
        }
    }

    /**
     * Everything of the transport in {@code directory}, servers first.
     *
     * @throws IOException if the directory cannot be listed, or one of its files of the transport cannot be read
     */
    public static List<Entry> list(SharedMemoryDirectory directory) throws IOException {
        return list(directory, RETHROW);
    }

    /**
     * Removes every entry of {@link #list} that no live process owns.
     *
     * @return what was removed
     * @throws IOException as {@link #list} does, or if a stale entry cannot be removed
     */
    public static List<Entry> removeStale(SharedMemoryDirectory directory) throws IOException {
        return removeStale(directory, RETHROW);
    }

    /** As {@link #removeStale(SharedMemoryDirectory)}, handing each file that fails to {@code onError}. */
    static List<Entry> removeStale(SharedMemoryDirectory directory, FileError onError) throws IOException {
        List<Entry> removed = new ArrayList<>();
        for (Entry entry : list(directory, onError)) {
            try {
                if (!entry.live() && remove(entry)) {
                    removed.add(entry);
                }
            } catch (IOException e) {
                onError.handle(entry.files().getFirst(), e);
            }
        }
        return removed;
    }

    /** Reads one file into an entry, or {@code null} if it is gone or not of the transport. */
    private interface EntryReader {
        Entry read(Path file) throws IOException;
    }

    private static void readEach(List<Path> files, java.util.function.Predicate<String> named, EntryReader reader,
            List<Entry> entries, FileError onError) throws IOException {
        for (Path file : files) {
            if (named.test(file.getFileName().toString())) {
                try {
                    Entry entry = reader.read(file);
                    if (entry != null) {
                        entries.add(entry);
                    }
                } catch (IOException e) {
                    onError.handle(file, e);
                }
            }
        }
    }

    /** As {@link #list(SharedMemoryDirectory)}, handing each file that fails to {@code onError}. */
    static List<Entry> list(SharedMemoryDirectory directory, FileError onError) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> all = Files.list(directory.path())) {
            files = all.filter(p -> p.getFileName().toString().startsWith(PREFIX)).sorted().toList();
        }
        Map<String, List<Path>> routes = routes(files);
        // Servers first, then connections: the order the listing has always had.
        readEach(files, name -> name.endsWith(".lock"), lock -> server(lock, routes), entries, onError);
        readEach(files, name -> name.startsWith(CONNECTION_PREFIX), ShmInventory::connection, entries, onError);
        // Routes whose server's files are gone altogether.
        routes.forEach((name, paths) -> entries.add(new Entry(Kind.ROUTE, name, paths, List.of(), false, 0, -1)));
        return entries;
    }

    /** The route files among {@code files}, by the server name they hold. */
    private static Map<String, List<Path>> routes(List<Path> files) {
        Map<String, List<Path>> routes = new TreeMap<>();
        for (Path file : files) {
            if (isRoute(file)) {
                String name = TcpRegistry.read(file);
                if (name != null) {
                    routes.computeIfAbsent(name, n -> new ArrayList<>()).add(file);
                }
            }
        }
        return routes;
    }

    private static boolean remove(Entry entry) throws IOException {
        if (entry.kind() == Kind.CONNECTION) {
            return Files.deleteIfExists(entry.files().getFirst());
        }
        if (entry.kind() == Kind.ROUTE) {
            return removeRoutes(entry.files(), entry.name());
        }
        Path lockPath = entry.files().getFirst();
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock = tryLock(channel);
            if (lock == null) {
                // A server bound the name since the listing.
                return false;
            }
            // As a closing server does: mark the file retired, so that a bind that opened it meanwhile starts over.
            channel.write(ByteBuffer.wrap(new byte[] {'X'}), 0);
            // The routes first, so that no client is sent to the name as it goes.
            removeRoutes(entry.files().stream().filter(ShmInventory::isRoute).toList(), entry.name());
            for (Path file : entry.files().reversed()) {
                if (!isRoute(file)) {
                    Files.deleteIfExists(file);
                }
            }
            lock.release();
            return true;
        } catch (NoSuchFileException goneMeanwhile) {
            return false;
        }
    }

    private static boolean isRoute(Path file) {
        return file.getFileName().toString().endsWith(TcpRegistry.SUFFIX);
    }

    /** Removes route files that still send clients to {@code name}: a new server may have taken the port over. */
    private static boolean removeRoutes(List<Path> routes, String name) throws IOException {
        boolean removed = false;
        for (Path route : routes) {
            if (name.equals(TcpRegistry.read(route))) {
                removed |= Files.deleteIfExists(route);
            }
        }
        return removed;
    }

    /**
     * The entry of a server's name, with the routes to it taken out of {@code routes}; {@code null} if its lock file
     * was removed since the listing.
     */
    private static Entry server(Path lockPath, Map<String, List<Path>> routes) throws IOException {
        String stem = lockPath.getFileName().toString();
        stem = stem.substring(0, stem.length() - ".lock".length());
        Path socketPath = lockPath.resolveSibling(stem + ".sock");
        long pid;
        boolean live;
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            pid = Endpoint.recordedPid(channel);
            FileLock lock = tryLock(channel);
            live = lock == null;
            if (lock != null) {
                lock.release();
            }
        } catch (NoSuchFileException goneMeanwhile) {
            return null;
        }
        List<Path> files = new ArrayList<>(List.of(lockPath));
        if (Files.exists(socketPath, LinkOption.NOFOLLOW_LINKS)) {
            files.add(socketPath);
        }
        String name = stem.substring(PREFIX.length());
        files.addAll(routes.getOrDefault(name, List.of()));
        routes.remove(name);
        return new Entry(Kind.SERVER, name, List.copyOf(files), List.of(pid), live, 0, -1);
    }

    /** A lock, or {@code null} if a live process — this one included — holds it. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;
        }
    }

    /** The entry of a connection segment; {@code null} if the file is no connection's (a plain shared segment). */
    private static Entry connection(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = channel.size();
            ByteBuffer header = ByteBuffer.allocate(ConnectionLayout.HEADER_LENGTH).order(ByteOrder.nativeOrder());
            if (channel.read(header, 0) < ConnectionLayout.HEADER_LENGTH
                    || header.getLong(ConnectionLayout.MAGIC_OFFSET) != ConnectionLayout.MAGIC) {
                return null;
            }
            long clientPid = header.getLong(ConnectionLayout.CLIENT_PID_OFFSET);
            long serverPid = header.getLong(ConnectionLayout.SERVER_PID_OFFSET);
            boolean live = alive(clientPid) || alive(serverPid);
            long ringBytes = -1;
            int capacity = header.getInt(ConnectionLayout.CAPACITY_OFFSET);
            int poolSize = header.getInt(ConnectionLayout.POOL_SIZE_OFFSET);
            if (header.getInt(ConnectionLayout.VERSION_OFFSET) == ConnectionLayout.VERSION
                    && validCapacity(capacity) && size == ConnectionLayout.segmentLength(capacity, poolSize)) {
                ringBytes = unread(channel, ConnectionLayout.clientToServerOffset())
                        + unread(channel, ConnectionLayout.serverToClientOffset(capacity));
            }
            return new Entry(Kind.CONNECTION, file.getFileName().toString(), List.of(file),
                    List.of(clientPid, serverPid), live, size, ringBytes);
        } catch (NoSuchFileException goneMeanwhile) {
            return null;
        }
    }

    private static boolean validCapacity(int capacity) {
        try {
            RingDescriptor.checkCapacity(capacity);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static long unread(FileChannel channel, long ringOffset) throws IOException {
        ByteBuffer positions = ByteBuffer.allocate(RingDescriptor.HEAD_OFFSET + Long.BYTES)
                .order(ByteOrder.nativeOrder());
        channel.read(positions, ringOffset);
        return Math.max(0, positions.getLong(RingDescriptor.TAIL_OFFSET) - positions.getLong(RingDescriptor.HEAD_OFFSET));
    }

    /** Whether {@code pid} names a live process; a reused pid says yes. */
    static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
