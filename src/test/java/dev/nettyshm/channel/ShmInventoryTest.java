package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory of a live server, of what a killed one left, and of connection segments. What dead processes
 * leave is made in a directory of this test's own: in {@code /dev/shm} another process's first bind or connect
 * could remove it before the inventory sees it.
 */
class ShmInventoryTest {

    private final SharedMemoryDirectory system = SharedMemoryDirectory.system();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final String name = "inventory-" + UUID.randomUUID();

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @TempDir
    Path privatePath;

    private static ShmInventory.Entry find(SharedMemoryDirectory directory, String entryName) throws Exception {
        return ShmInventory.list(directory).stream().filter(e -> e.name().equals(entryName)).findFirst()
                .orElse(null);
    }

    @Test
    void shouldListALiveServerAndLeaveItAlone() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter()).bind(new ShmAddress(name)).sync().channel();
        try {
            ShmInventory.Entry entry = find(system, name);
            assertThat(entry.kind()).isEqualTo(ShmInventory.Kind.SERVER);
            assertThat(entry.live()).isTrue();
            assertThat(entry.pids()).containsExactly(ProcessHandle.current().pid());
            assertThat(entry.files()).hasSize(2);
            assertThat(ShmInventory.removeStale(system)).noneMatch(e -> e.name().equals(name));
            assertThat(entry.files()).allMatch(Files::exists);
        } finally {
            server.close().sync();
        }
        assertThat(find(system, name)).as("a closed server leaves nothing").isNull();
    }

    @Test
    void shouldFindAndRemoveWhatAKilledServerLeft() throws Exception {
        SharedMemoryDirectory directory = SharedMemoryDirectory.of(privatePath);
        ChildJvm server = ChildJvm.start(List.of("-D" + SharedMemoryDirectory.DIRECTORY_PROPERTY + "=" + privatePath),
                TransportPeer.class, "echo-server", name);
        server.awaitLine("ready");
        long pid = server.process().pid();
        server.kill();
        ShmInventory.Entry entry = find(directory, name);
        assertThat(entry.live()).isFalse();
        assertThat(entry.pids()).containsExactly(pid);
        assertThat(ShmInventory.removeStale(directory)).anyMatch(e -> e.name().equals(name));
        assertThat(entry.files()).noneMatch(Files::exists);
        assertThat(find(directory, name)).isNull();
    }

    @Test
    void shouldRemoveAConnectionSegmentOnlyWhenItsOwnersAreDead() throws Exception {
        SharedMemoryDirectory directory = SharedMemoryDirectory.of(privatePath);
        long deadPid = ChildJvm.start(TransportPeer.class, "no-such-command", name).process().onExit().get().pid();
        try (SharedMemory dead = fakeConnection(directory, deadPid);
                SharedMemory live = fakeConnection(directory, ProcessHandle.current().pid())) {
            ShmInventory.Entry stale = find(directory, dead.name());
            assertThat(stale.kind()).isEqualTo(ShmInventory.Kind.CONNECTION);
            assertThat(stale.live()).isFalse();
            assertThat(stale.ringBytes()).isEqualTo(64);
            assertThat(find(directory, live.name()).live()).isTrue();
            assertThat(ShmInventory.removeStale(directory)).anyMatch(e -> e.name().equals(dead.name()))
                    .noneMatch(e -> e.name().equals(live.name()));
            assertThat(directory.exists(dead.name())).isFalse();
            assertThat(directory.exists(live.name())).isTrue();
        }
    }

    /**
     * A segment as a client leaves it when it dies during the handshake, with 64 bytes in its first ring; removed
     * when closed.
     */
    static SharedMemory fakeConnection(SharedMemoryDirectory directory, long clientPid) throws Exception {
        int capacity = ShmChannelConfig.DEFAULT_RING_CAPACITY;
        SharedMemory segment = directory.create(ConnectionLayout.segmentLength(capacity, 0),
                dev.nettyshm.mmap.MapOption.UNLINK_ON_CLOSE);
        MemorySegment memory = segment.segment();
        ConnectionLayout.writeHeader(memory, capacity, 0, clientPid);
        memory.set(ValueLayout.JAVA_LONG, ConnectionLayout.clientToServerOffset(), 64);
        return segment;
    }
}
