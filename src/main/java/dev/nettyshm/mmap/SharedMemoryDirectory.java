package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A directory that holds shared-memory segments as files, and the calls to create, open and unlink them there.
 *
 * <p>{@link #system()} is {@code /dev/shm} on Linux — memory, not disk. Where that is absent it is the portable
 * fallback, {@link #fallback()}: a directory under {@code java.io.tmpdir}, whose files the page cache shares between
 * processes just the same, though the kernel may write them back to disk. The system property
 * {@value #DIRECTORY_PROPERTY} names another directory for the whole JVM.
 *
 * <p>Segments are created owner-only (0600) where the file system has POSIX permissions, and are opened without
 * following symbolic links. Instances are immutable and thread-safe.
 */
public final class SharedMemoryDirectory {

    /** System property naming the directory {@link #system()} uses instead of the automatic choice. */
    public static final String DIRECTORY_PROPERTY = "dev.nettyshm.shm.dir";

    private static final System.Logger LOG = System.getLogger(SharedMemoryDirectory.class.getPackageName());
    private static final Path DEV_SHM = Path.of("/dev/shm");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom IDS = new SecureRandom();

    private final Path directory;
    private final boolean posix;

    private SharedMemoryDirectory(Path directory) {
        this.directory = directory;
        this.posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * The directory named by {@value #DIRECTORY_PROPERTY} if set, else {@code /dev/shm} if it is a writable
     * directory, else {@link #fallback()}.
     *
     * @throws java.io.UncheckedIOException if the fallback directory cannot be created
     */
    public static SharedMemoryDirectory system() {
        String named = System.getProperty(DIRECTORY_PROPERTY);
        if (named != null && !named.isEmpty()) {
            return new SharedMemoryDirectory(Path.of(named));
        }
        if (Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM)) {
            return new SharedMemoryDirectory(DEV_SHM);
        }
        return fallback();
    }

    /**
     * The portable fallback: {@code netty-shm-<user>} under {@code java.io.tmpdir}, created owner-only on first use.
     *
     * @throws java.io.UncheckedIOException if it cannot be created, or exists and is not a directory
     */
    public static SharedMemoryDirectory fallback() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "netty-shm-" + user);
        try {
            return of(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Segments in {@code directory}, which is created owner-only if it does not exist.
     *
     * @throws NotDirectoryException if {@code directory} exists and is not a directory
     */
    public static SharedMemoryDirectory of(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            if (Files.exists(directory)) {
                throw new NotDirectoryException(directory.toString());
            }
            boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
            try {
                if (posix) {
                    Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                } else {
                    Files.createDirectories(directory);
                }
            } catch (FileAlreadyExistsException raced) {
                // Another process created it between the check and here.
            }
        }
        return new SharedMemoryDirectory(directory);
    }

    /** Where the segments' files are. */
    public Path path() {
        return directory;
    }

    /**
     * The file of a segment.
     *
     * @throws IllegalArgumentException if the name breaks a rule of {@link SharedMemory#checkName}
     */
    public Path resolve(String name) {
        return directory.resolve(SegmentNames.check(name));
    }

    /**
     * Bytes free for new segments and for the pages of existing ones, as the file system reports them to this
     * process; -1 if it cannot tell. A sparse segment takes its pages as they are first written: see
     * {@link MappedRegion#reserve}.
     */
    public long usableSpace() {
        return SpaceReservation.usableSpace(directory.resolve("."));
    }

    /** Whether a segment of that name exists. */
    public boolean exists(String name) {
        return Files.exists(resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Creates a segment of {@code size} bytes, mapped read-write; {@code options} may add {@link MapOption}s.
     *
     * @throws FileAlreadyExistsException if the name exists
     * @throws IllegalArgumentException   if the name breaks a rule, or {@code size} is negative
     */
    public SharedMemory create(String name, long size, OpenOption... options) throws IOException {
        Path file = resolve(name);
        checkSize(file, size);
        MapOptions parsed = options(options, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        FileChannel channel = FileChannel.open(file, parsed.fileOptions(), ownerOnly());
        try {
            SparseExtension.extend(channel, file, size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(file);
            throw e;
        }
        LOG.log(System.Logger.Level.DEBUG, "create {0} size={1}", file, size);
        return new SharedMemory(this, name, channel, size, parsed);
    }

    /** Creates a segment under a generated unique name; its {@link SharedMemory#id()} opens it elsewhere. */
    public SharedMemory create(long size, OpenOption... options) throws IOException {
        for (;;) {
            long id = IDS.nextLong() & Long.MAX_VALUE;
            try {
                return create(SegmentNames.ofId(id), size, options);
            } catch (FileAlreadyExistsException taken) {
                // 63 random bits: a clash is rare; draw again.
            }
        }
    }

    /**
     * Maps an existing segment whole: read-write, or read-only when {@code options} has {@code READ} and not
     * {@code WRITE}.
     *
     * @throws NoSuchFileException if there is no such segment
     */
    public SharedMemory open(String name, OpenOption... options) throws IOException {
        Path file = resolve(name);
        MapOptions parsed = readOnlyRequested(options) ? options(options) : options(options, StandardOpenOption.WRITE);
        return new SharedMemory(this, name, FileChannel.open(file, parsed.fileOptions()), MappedRegion.WHOLE_FILE,
                parsed);
    }

    /** Maps the segment created with this id. */
    public SharedMemory open(long id, OpenOption... options) throws IOException {
        return open(SegmentNames.ofId(id), options);
    }

    /**
     * Maps the named segment, creating it with {@code size} bytes if it does not exist. An existing segment shorter
     * than {@code size} (its creator may not have sized it yet) is grown to {@code size}.
     */
    public SharedMemory openOrCreate(String name, long size, OpenOption... options) throws IOException {
        Path file = resolve(name);
        checkSize(file, size);
        MapOptions parsed = options(options, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        FileChannel channel = FileChannel.open(file, parsed.fileOptions(), ownerOnly());
        long actual;
        try {
            actual = channel.size();
            if (actual < size) {
                SparseExtension.extend(channel, file, size);
                actual = size;
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new SharedMemory(this, name, channel, actual, parsed);
    }

    /**
     * Removes a segment's name; processes that have it mapped keep their memory.
     *
     * @return whether the name existed
     */
    public boolean unlink(String name) throws IOException {
        Path file = resolve(name);
        boolean existed = Files.deleteIfExists(file);
        if (existed) {
            LOG.log(System.Logger.Level.DEBUG, "unlink {0}", file);
        }
        return existed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SharedMemoryDirectory other && other.directory.equals(directory);
    }

    @Override
    public int hashCode() {
        return directory.hashCode();
    }

    @Override
    public String toString() {
        return "SharedMemoryDirectory[" + directory + "]";
    }

    private FileAttribute<?>[] ownerOnly() {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
    }

    /** The caller's options, those the call implies, and never following a link planted under the name. */
    private static MapOptions options(OpenOption[] given, OpenOption... implied) {
        Set<OpenOption> all = new HashSet<>(Arrays.asList(given));
        all.addAll(Arrays.asList(implied));
        all.add(LinkOption.NOFOLLOW_LINKS);
        return MapOptions.of(all);
    }

    private static boolean readOnlyRequested(OpenOption[] options) {
        List<OpenOption> list = Arrays.asList(options);
        return list.contains(StandardOpenOption.READ) && !list.contains(StandardOpenOption.WRITE);
    }

    private static void checkSize(Path file, long size) {
        if (size < 0) {
            throw new IllegalArgumentException(file + ": negative size " + size);
        }
    }
}
