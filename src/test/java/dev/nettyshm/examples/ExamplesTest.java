package dev.nettyshm.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.examples.reactor.ReactorHttpExample;
import dev.nettyshm.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs every example in a JVM of its own, with short arguments, and checks that it says it succeeded and left
 * nothing behind, so that no example rots; about half a minute in all. FileMapping's 6 GiB file is sparse and costs
 * a few KiB of disk; where the file system keeps no holes, the example skips it and says so.
 */
class ExamplesTest {

    private static final Path SHM = Path.of("/dev/shm");
    /** A transport address or a segment's path, as the examples print them. */
    private static final Pattern SHM_NAME = Pattern.compile("(?:shm:|/dev/shm/)([\\w.-]+)");

    @Test
    void shouldMapFilesReadOnlyAndReadWriteAndASixGibSparseFile() throws Exception {
        String output = ChildJvm.run(FileMapping.class);

        assertThat(output).contains("1. hello.txt mapped read-only", "a write throws NonWritableChannelException",
                "2. records.bin mapped read-write");
        assertThat(output).containsAnyOf("the file is sparse", "3. skipped: ");
        Matcher done = Pattern.compile("FileMapping done: .*; (\\S+) deleted").matcher(output);
        assertThat(done.find()).as(output).isTrue();
        assertThat(Path.of(done.group(1))).doesNotExist();
    }

    @Test
    void shouldShareMemoryBetweenTwoProcessesByNameAndById() throws Exception {
        String output = ChildJvm.run(SharedMemoryDemo.class, "round-trips=20000");

        assertThat(output).contains("opened /dev/shm/shm-demo-", "by name", "opened /dev/shm/nettyshm-id-", "by id",
                "SharedMemoryDemo done");
        assertLeftNothingInSharedMemory(output);
    }

    @Test
    void shouldFanTicksOutToSubscriberProcessesAndCutOffTheSlowOne() throws Exception {
        String output = ChildJvm.run(FanOut.class, "subscribers=3", "slow=1", "seconds=2");

        assertThat(output).contains("publisher: subscriber 3 unwritable");
        // On a crowded machine a subscriber that is not slow on purpose may fall behind and be cut off too.
        assertThat(output).containsPattern("FanOut done: 3 subscribers; [12] received all [\\d,]+ ticks in sequence,"
                + " [12] cut off as slow; no gaps");
        assertLeftNothingInSharedMemory(output);
    }

    @Test
    void shouldRelayTcpConnectionsToAServiceOverSharedMemory() throws Exception {
        String output = ChildJvm.run(SidecarProxy.class, "connections=2", "requests=1000");

        assertThat(output).contains("2,000 requests over 2 TCP connections, every answer checked",
                "connections closed: 1 by the client, 1 by the service", "service: served 2 connections, 2,000",
                "SidecarProxy done");
        assertLeftNothingInSharedMemory(output);
    }

    @Test
    void shouldPlayPingPongOverSharedMemoryAndTcpBetweenTwoProcesses() throws Exception {
        String output = ChildJvm.run(PingPong.class, "round-trips=5000");

        assertThat(output).contains("5000 round trips of 64 bytes each, every byte checked", "shared memory is");
        assertLeftNothingInSharedMemory(output);
    }

    @Test
    void shouldServeReactorNettyHttpOverSharedMemoryAndTcpBetweenTwoProcesses() throws Exception {
        String output = ChildJvm.run(ReactorHttpExample.class, "requests=200", "large=5", "h2c=50");

        assertThat(output).contains(
                "shared memory: 220 + 50 requests of 1 KiB and 5 of 1 MiB echoed whole, over [shared memory]",
                "loopback TCP: 220 + 50 requests of 1 KiB and 5 of 1 MiB echoed whole, over [TCP (Netty's)]",
                "shared memory is");
        assertLeftNothingInSharedMemory(output);
    }

    /** Nothing under the names the example printed is left in {@code /dev/shm}, and it printed at least one. */
    private static void assertLeftNothingInSharedMemory(String output) throws IOException {
        Matcher names = SHM_NAME.matcher(output);
        List<String> printed = names.results().map(match -> match.group(1)).distinct().toList();
        assertThat(printed).as("names in\n%s", output).isNotEmpty();
        try (Stream<Path> files = Files.list(SHM)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .noneMatch(file -> printed.stream().anyMatch(file::contains));
        }
    }
}
