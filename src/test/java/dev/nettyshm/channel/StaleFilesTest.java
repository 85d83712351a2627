package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty times a process is killed with SIGKILL while it serves two names — one idle, one with a client of another
 * process connected — and is the client of two connections: one connected, one in a handshake its server never
 * answers. Each kill leaves the four files of its servers and the segment of its handshake; the next process to
 * bind or connect in the directory removes them, so that once it has started the directory holds what it held
 * before. What live processes own stays through every removal: the servers of the partner, which outlives the
 * rounds, a connection segment of this JVM's, a plain segment.
 *
 * <p>The processes use a directory of their own, which other tests cannot disturb; nothing of theirs reaches
 * {@code /dev/shm}.
 */
class StaleFilesTest {

    private static final int ROUNDS = Integer.getInteger("dev.nettyshm.test.staleRounds", 50);
    /** Victims started before their round, so that they start while earlier rounds run. */
    private static final int AHEAD = 2;
    private static final Path SHM = Path.of("/dev/shm");

    @TempDir
    Path directory;

    private final String tag = "stale-" + UUID.randomUUID().toString().substring(0, 8);
    private final Deque<ChildJvm> victims = new ArrayDeque<>();
    private final Set<Long> killed = new HashSet<>();
    private ChildJvm partner;

    @AfterEach
    void killWhatAFailureLeftRunning() throws Exception {
        for (ChildJvm victim : victims) {
            victim.kill();
        }
        if (partner != null) {
            partner.kill();
        }
    }

    @Test
    void shouldLeaveNothingOfKilledServersAndClientsOnceTheNextProcessHasStarted() throws Exception {
        SharedMemoryDirectory segments = SharedMemoryDirectory.of(directory);
        try (SharedMemory plain = segments.create(4096, MapOption.UNLINK_ON_CLOSE);
                SharedMemory handshaking = ShmInventoryTest.fakeConnection(segments, ProcessHandle.current().pid())) {
            List<String> before = files(directory);
            partner = ChildJvm.start(jvmArgs(), LeftoverPeer.class, "partner", tag + "-busy", tag + "-stuck");
            partner.awaitLine("ready");
            List<String> left = List.of();
            for (int round = 0; round < ROUNDS; round++) {
                left = killVictim(round, before, left);
            }
            partner.closeInput();
            assertThat(partner.waitFor(30)).as("the partner's exit").isZero();
            // Released, the partner mapped and unlinked the last handshake's segment; the servers' files stay.
            assertThat(files(directory)).as("after %d kills, before the next process", ROUNDS)
                    .containsAll(left.stream().filter(f -> !f.startsWith("nettyshm-id-")).toList());

            ChildJvm next = ChildJvm.start(jvmArgs(), TransportPeer.class, "echo-server", tag + "-next");
            next.awaitLine("ready");
            next.closeInput();
            assertThat(next.waitFor(30)).as("the next process's exit").isZero();
            assertThat(files(directory)).as("after %d kills, once the next process has started", ROUNDS)
                    .isEqualTo(before);
        }
        assertThat(files(SHM)).as("files of these processes' names in /dev/shm").noneMatch(f -> f.contains(tag));
        // Another user's files cannot be read here, and are none of these processes'.
        assertThat(ShmInventory.list(SharedMemoryDirectory.system(), (file, error) -> { }))
                .as("segments of these processes in /dev/shm")
                .noneMatch(e -> e.pids().stream().anyMatch(killed::contains));
    }

    /**
     * Round {@code round}: the next victim serves, connects and starts a handshake, the partner connects to it, and
     * it is killed. Checks that what the last victim {@code left} is gone once this one started, and that what live
     * processes own is all there.
     *
     * @return what this victim left
     */
    private List<String> killVictim(int round, List<String> before, List<String> left) throws Exception {
        // Victims start ahead and wait, warm, for their turn: only then do they use the directory.
        while (victims.size() <= AHEAD && round + victims.size() < ROUNDS) {
            List<String> victimArgs = new ArrayList<>(jvmArgs());
            // A victim lives a second: the client compiler and the serial collector start it sooner.
            victimArgs.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            victims.add(ChildJvm.start(victimArgs, LeftoverPeer.class, "victim",
                    tag + "-" + (round + victims.size()), tag + "-busy", tag + "-stuck"));
        }
        ChildJvm victim = victims.peek();
        victim.awaitLine("warm");
        victim.sendLine("go");
        victim.awaitLine("ready");
        partner.sendLine(tag + "-" + round + "-busy");
        partner.awaitLine("connected");
        List<String> held = files(directory);
        assertThat(held.stream().filter(left::contains))
                .as("round %d: what the last victim left, once the next process started", round).isEmpty();
        List<String> partnerFiles = List.of("nettyshm-" + tag + "-busy.lock", "nettyshm-" + tag + "-busy.sock",
                "nettyshm-" + tag + "-stuck.lock", "nettyshm-" + tag + "-stuck.sock");
        assertThat(held).as("round %d: what live processes own", round).containsAll(before).containsAll(partnerFiles);

        victim.kill();
        victims.poll();
        killed.add(victim.process().pid());
        assertThat(files(directory)).as("round %d: the kill removes nothing", round).isEqualTo(held);
        List<String> leftNow = new ArrayList<>(held);
        leftNow.removeAll(before);
        leftNow.removeAll(partnerFiles);
        assertThat(leftNow).as("round %d: the victim's two servers and its handshake's segment", round).hasSize(5);
        return leftNow;
    }

    @Test
    void shouldBindTheNameOfAKilledServerWhileAnotherProcessRemovesItsFiles() throws Exception {
        SharedMemoryDirectory segments = SharedMemoryDirectory.of(directory);
        ShmAddress address = new ShmAddress(tag + "-taken-over");
        ChildJvm server = ChildJvm.start(jvmArgs(), TransportPeer.class, "echo-server", address.name());
        server.awaitLine("ready");
        server.kill();
        Path socketPath = Endpoint.socketPath(segments, address);
        ChildJvm remover = ChildJvm.start(SlowRemover.class,
                socketPath.resolveSibling(Endpoint.stem(segments, address) + ".lock").toString(), "100");
        remover.awaitLine("locked");
        // The lock is held, by a process that is not the server its file names: the bind waits for it.
        try (Endpoint.Bound bound = Endpoint.Bound.bind(segments, address, 1)) {
            assertThat(socketPath).as("the new server's socket").exists();
        }
        assertThat(remover.waitFor(30)).as("the remover's exit").isZero();
        assertThat(files(directory)).as("what is left once the new server closed").isEmpty();
    }

    /** Child JVMs in this test's directory. */
    private List<String> jvmArgs() {
        return List.of("-D" + SharedMemoryDirectory.DIRECTORY_PROPERTY + "=" + directory);
    }

    /** The names of the transport's files in {@code directory}, sorted. */
    private static List<String> files(Path directory) throws IOException {
        try (Stream<Path> all = Files.list(directory)) {
            return all.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("nettyshm-")).sorted().toList();
        }
    }
}
