package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.SmallTmpfs;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared-memory directory of a default container: a 64 MiB tmpfs, mounted by the test, that a server and
 * {@value #CONNECTIONS} client connections share, {@value #WAVE} at a time, each echoing framed messages of 64 B to
 * 4 MiB until space runs out. Only clear failures may appear — a connect refused with
 * {@link ShmDirectoryFullException}, buffers the pools cannot serve falling back to copies — and never the JVM's
 * {@code InternalError}: every connection that connected delivers every byte, and nothing is left in the directory.
 */
class DirectoryFullTest {

    private static final long DOCKER_DEFAULT_SHM = 64L << 20;
    private static final int CONNECTIONS = 200;
    private static final int WAVE = 150;

    @Test
    void shouldRefuseOrFallBackClearlyWhenTheDirectoryFillsAndDeliverEveryAcceptedByte() throws Exception {
        try (SmallTmpfs shm = SmallTmpfs.mountOrAbort(DOCKER_DEFAULT_SHM)) {
            // Direct memory for the copies: a wave holds up to 120 MiB of 4 MiB frames on each side.
            List<String> directory = List.of("-D" + SharedMemoryDirectory.DIRECTORY_PROPERTY + "=" + shm.path(),
                    "-XX:MaxDirectMemorySize=1g");
            String name = "full-directory";
            ChildJvm server = ChildJvm.start(directory, TransportPeer.class, "framed-echo-server", name);
            String serverOutput;
            String clientOutput;
            try {
                server.awaitLine("ready");
                clientOutput = ChildJvm.run(directory, DirectoryFullClients.class, name,
                        String.valueOf(CONNECTIONS), String.valueOf(WAVE));
            } finally {
                server.closeInput();
                assertThat(server.waitFor(30)).as("the server's exit").isZero();
                serverOutput = server.output();
            }
            String[] result = clientOutput.lines().filter(l -> l.startsWith("result ")).findFirst().orElseThrow()
                    .split(" ");
            int connected = Integer.parseInt(result[1]);
            int refused = Integer.parseInt(result[2]);
            long fallbacks = Long.parseLong(result[5]);
            System.out.printf("64 MiB directory, %d connections %d at a time: %d connected, %d refused, %d pool"
                    + " fallbacks; %s%n", CONNECTIONS, WAVE, connected, refused, fallbacks,
                    clientOutput.lines().filter(l -> l.startsWith("causes ")).findFirst().orElse(""));
            assertThat(connected + refused).isEqualTo(CONNECTIONS);
            assertThat(connected).as("connections that got room").isPositive();
            assertThat(refused > 0 || (clientOutput + serverOutput).contains("the pool cannot grow"))
                    .as("the directory ran out of space").isTrue();
            assertThat(clientOutput.lines().filter(l -> l.startsWith("refused ")))
                    .as("every refusal says the directory is full")
                    .allMatch(l -> l.contains(ShmDirectoryFullException.class.getName())
                            && l.contains(shm.path().toString()) && l.contains("bytes are free"));
            assertThat(result[3]).as("frames that came back altered").isEqualTo("0");
            assertThat(result[4]).as("connections that failed after connecting").isEqualTo("0");
            assertThat(clientOutput + serverOutput).as("no fault reached any thread")
                    .doesNotContain("InternalError").doesNotContain("IllegalStateException");
            assertThat(shm.files()).as("nothing is left in the directory").isEmpty();
        }
    }
}
