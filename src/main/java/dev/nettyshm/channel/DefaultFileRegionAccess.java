package dev.nettyshm.channel;

import io.netty.channel.DefaultFileRegion;
import io.netty.util.IllegalReferenceCountException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;

/**
 * Reaches the two fields of a {@link DefaultFileRegion} that Netty keeps private: its file, to read it straight into
 * shared memory, and its count of bytes transferred, to advance it as the region's own {@code transferTo} would.
 * Netty's epoll transport reads and writes the same two fields from native code for {@code sendfile}, so Netty keeps
 * their names.
 *
 * <p>They are out of reach when Netty runs on the module path, where {@code io.netty.transport} opens no package:
 * {@link #AVAILABLE} is then {@code false}, and the writer sends such regions through their {@code transferTo} (the
 * JDK's copy loop of 8 KiB) unless the application adds
 * {@code --add-opens io.netty.transport/io.netty.channel=dev.nettyshm}.
 *
 * <p>Thread safety: stateless; a region itself is confined to its channel's event loop while it is written.
 */
final class DefaultFileRegionAccess {

    /** Whether the fields are in reach. */
    static final boolean AVAILABLE;

    private static final VarHandle FILE;
    private static final VarHandle TRANSFERRED;

    static {
        VarHandle file = null;
        VarHandle transferred = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(DefaultFileRegion.class,
                    MethodHandles.lookup());
            file = lookup.findVarHandle(DefaultFileRegion.class, "file", FileChannel.class);
            transferred = lookup.findVarHandle(DefaultFileRegion.class, "transferred", long.class);
        } catch (ReflectiveOperationException e) {
            System.getLogger(DefaultFileRegionAccess.class.getName()).log(System.Logger.Level.INFO,
                    "DefaultFileRegion's file is out of reach ({0}): such regions are written through their"
                            + " transferTo, 8 KiB at a time; --add-opens io.netty.transport/io.netty.channel="
                            + "dev.nettyshm lets them be read straight into shared memory", e.toString());
            file = null;
            transferred = null;
        }
        AVAILABLE = file != null;
        FILE = file;
        TRANSFERRED = transferred;
    }

    private DefaultFileRegionAccess() {
    }

    /**
     * The region's open file, opened first if the region was made from a {@link java.io.File} and has not opened it
     * yet, as its {@code transferTo} does.
     *
     * @throws IllegalReferenceCountException if the region was released
     */
    static FileChannel file(DefaultFileRegion region) throws IOException {
        region.open();
        FileChannel file = (FileChannel) FILE.get(region);
        if (file == null) {
            throw new IllegalReferenceCountException(0);
        }
        return file;
    }

    /** Sets what the region's {@code transferred()} returns. */
    static void transferred(DefaultFileRegion region, long transferred) {
        TRANSFERRED.set(region, transferred);
    }
}
