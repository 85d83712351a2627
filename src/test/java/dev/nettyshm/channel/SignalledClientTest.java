package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A client process ended by SIGTERM in the middle of its handshake — its server listens but has not answered —
 * leaves no connection segment behind: the segment is still the client's to remove, and its JVM's shutdown does.
 */
class SignalledClientTest {

    @Test
    void shouldRemoveItsSegmentWhenTerminatedDuringTheHandshake() throws Exception {
        SharedMemoryDirectory directory = SharedMemoryDirectory.system();
        ShmAddress address = new ShmAddress("signalled-" + UUID.randomUUID());
        Path socketPath = Endpoint.socketPath(directory, address);
        // A server that takes connections into its backlog and never answers a hello.
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(socketPath));
            ChildJvm client = ChildJvm.start(TransportPeer.class, "connect-client", address.name());
            client.awaitLine("connecting");
            long pid = client.process().pid();
            assertThat(awaitSegmentsOf(directory, pid, true)).as("the client's segment while it waits").hasSize(1);

            client.process().destroy();
            assertThat(client.waitFor(30)).as("exit status after SIGTERM").isEqualTo(143);

            assertThat(awaitSegmentsOf(directory, pid, false)).as("segments left by the terminated client").isEmpty();
        } finally {
            Files.deleteIfExists(socketPath);
        }
    }

    /** The connection segments whose client is {@code pid}, once there are some (or none), within ten seconds. */
    private static List<ShmInventory.Entry> awaitSegmentsOf(SharedMemoryDirectory directory, long pid, boolean some)
            throws Exception {
        List<ShmInventory.Entry> found = List.of();
        for (long deadline = System.nanoTime() + 10_000_000_000L; System.nanoTime() < deadline; Thread.sleep(20)) {
            found = ShmInventory.list(directory).stream()
                    .filter(e -> e.kind() == ShmInventory.Kind.CONNECTION && e.pids().contains(pid)).toList();
            if (found.isEmpty() != some) {
                break;
            }
        }
        return found;
    }
}
