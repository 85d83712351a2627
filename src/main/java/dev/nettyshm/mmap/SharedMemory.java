package dev.nettyshm.mmap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.util.OptionalLong;

/**
 * Named memory shared between processes: a file in a {@link SharedMemoryDirectory} — on Linux {@code /dev/shm},
 * where POSIX {@code shm_open} keeps its objects, so a C process calling {@code shm_open("/orders", …)} meets the
 * segment that Java named {@code "orders"}.
 *
 * <pre>{@code
 * // process A
 * try (SharedMemory shm = SharedMemory.create("orders", 1 << 20)) { shm.writeAt(0, bytes); … }
 * // process B
 * try (SharedMemory shm = SharedMemory.open("orders")) { shm.readAt(0, buffer); … }
 * }</pre>
 *
 * <p>The static methods use {@link SharedMemoryDirectory#system()}; {@link SharedMemoryDirectory} has the same
 * calls for any other directory. Segments are created owner-only (0600) and stay until {@link #unlink()}ed (or
 * closed with {@link MapOption#UNLINK_ON_CLOSE}); an unlinked segment lives on for those who have it mapped.
 * Thread safety and errors: see {@link MappedRegion}.
 */
public final class SharedMemory extends MappedRegion {

    /** The longest name, in UTF-8 bytes: a file name's limit on Linux. */
    public static final int MAX_NAME_BYTES = 255;

    private final SharedMemoryDirectory directory;
    private final String name;

    SharedMemory(SharedMemoryDirectory directory, String name, FileChannel channel, long size, MapOptions options)
            throws IOException {
        super(directory.resolve(name), channel, 0, size, options.writable(), options);
        this.directory = directory;
        this.name = name;
    }

    /**
     * Creates a segment of {@code size} bytes, mapped read-write.
     *
     * @throws java.nio.file.FileAlreadyExistsException if the name exists
     * @throws IllegalArgumentException                  if the name breaks a rule of {@link #checkName}
     */
    public static SharedMemory create(String name, long size, OpenOption... options) throws IOException {
        return SharedMemoryDirectory.system().create(name, size, options);
    }

    /**
     * Creates a segment under a generated unique name; its {@link #id()} opens it from another process.
     */
    public static SharedMemory create(long size, OpenOption... options) throws IOException {
        return SharedMemoryDirectory.system().create(size, options);
    }

    /**
     * Maps an existing segment whole, read-write (or read-only when {@code options} has {@code READ} and not
     * {@code WRITE}).
     *
     * @throws java.nio.file.NoSuchFileException if there is no such segment
     */
    public static SharedMemory open(String name, OpenOption... options) throws IOException {
        return SharedMemoryDirectory.system().open(name, options);
    }

    /** Maps the segment that {@link #create(long, OpenOption...)} made with this {@code id}. */
    public static SharedMemory open(long id, OpenOption... options) throws IOException {
        return SharedMemoryDirectory.system().open(id, options);
    }

    /** Maps the named segment, creating it with {@code size} bytes if it does not exist. */
    public static SharedMemory openOrCreate(String name, long size, OpenOption... options) throws IOException {
        return SharedMemoryDirectory.system().openOrCreate(name, size, options);
    }

    /**
     * Removes a segment's name; processes that have it mapped keep their memory.
     *
     * @return whether the name existed
     */
    public static boolean unlink(String name) throws IOException {
        return SharedMemoryDirectory.system().unlink(name);
    }

    /**
     * Checks a segment name: not empty, at most {@value #MAX_NAME_BYTES} UTF-8 bytes, no {@code /} or {@code \},
     * no {@code ..}, no NUL.
     *
     * @return {@code name}
     * @throws IllegalArgumentException naming the rule the name breaks
     */
    public static String checkName(String name) {
        return SegmentNames.check(name);
    }

    /**
     * The id in a name that {@link #create(long, OpenOption...)} generated, if it is such a name. Lets a peer accept
     * only generated segments from another process, never a named one it was not meant to touch.
     */
    public static OptionalLong idOf(String name) {
        return SegmentNames.idOf(name);
    }

    /** The segment's name in its directory. */
    public String name() {
        return name;
    }

    /** The id to {@link #open(long, OpenOption...)} it by, if it was created under a generated name. */
    public OptionalLong id() {
        return SegmentNames.idOf(name);
    }

    /** The directory the segment lives in. */
    public SharedMemoryDirectory directory() {
        return directory;
    }

    /**
     * Removes the segment's name now; this mapping (and every other process's) stays valid until closed.
     *
     * @return whether the name still existed
     */
    public boolean unlink() throws IOException {
        return directory.unlink(name);
    }

    @Override
    public String toString() {
        return "SharedMemory[" + path() + (isOpen() ? "" : ", closed") + "]";
    }
}
