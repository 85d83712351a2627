package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nettyshm.examples.EchoServer;
import dev.nettyshm.mmap.MapOption;
import dev.nettyshm.mmap.SharedMemory;
import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.Intruder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A process of another user ({@code nobody}, through {@code setpriv}) can neither connect to a server nor open a
 * segment: both are owner-only. Runs where this process may change user (as root) and {@code nobody} can read the
 * test classes; elsewhere it is skipped.
 */
class OtherUserTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final ShmAddress address = new ShmAddress("other-user-" + UUID.randomUUID());

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldKeepAnotherUserOutOfServersAndSegments() throws Exception {
        Path classes = Path.of(Intruder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root")
                && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root and setpriv to act as another user");
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoServer.Echo()).bind(address).sync().channel();
        SharedMemoryDirectory directory = SharedMemoryDirectory.system();
        try (SharedMemory segment = directory.create(4096, MapOption.UNLINK_ON_CLOSE)) {
            Process intruder = new ProcessBuilder(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    classes.toString(), Intruder.class.getName(),
                    Endpoint.socketPath(directory, address).toString(), directory.resolve(segment.name()).toString()))
                    .redirectErrorStream(true).start();
            String output = new String(intruder.getInputStream().readAllBytes());
            assertThat(intruder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assumeTrue(!output.contains("ClassNotFoundException") && !output.contains("Could not find"),
                    "nobody cannot read the test classes here: " + output);
            assertThat(output).doesNotContain("connect: connected").containsPattern("connect: \\w+ Permission denied")
                    .contains("open: AccessDeniedException");
            // The server is not disturbed.
            EchoClient.Result result = EchoClient.run(group, address, 100, 64);
            assertThat(result.mismatches()).isZero();
        } finally {
            server.close().sync();
        }
    }
}
