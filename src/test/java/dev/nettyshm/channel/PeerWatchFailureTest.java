package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.internal.ring.Futex;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.KernelTask;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The peer watch's selector fails while a loop sleeps on futexes — here it is closed under the watch — and the
 * loop must still hear its peer die at once: the failed watch hands its channels back, a new watch takes them. The
 * loop's longest sleep is 30 s, so without the new watch the dead peer would go unnoticed for that long.
 */
class PeerWatchFailureTest {

    private static final Duration LONGEST_SLEEP = Duration.ofSeconds(30);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory(
            new ShmIdlePolicy(Duration.ofNanos(50_000), 10, LONGEST_SLEEP, true)));

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        // What the killed server left: the socket and lock of its name.
        ShmInventory.removeStale(SharedMemoryDirectory.system());
    }

    @Test
    void shouldHearADeadPeerAfterThePeerWatchFailed() throws Exception {
        Assumptions.assumeTrue(Futex.AVAILABLE, "loops sleep in their selectors here, with no peer watch");
        String name = "peer-watch-" + UUID.randomUUID();
        ChildJvm server = ChildJvm.start(TransportPeer.class, "framed-echo-server", name);
        try {
            server.awaitLine("ready");
            FramedEchoClient client = new FramedEchoClient(64, 1);
            new Bootstrap().group(group).channel(ShmChannel.class).handler(client).connect(new ShmAddress(name))
                    .sync();
            client.awaitEchoes(1, 5);
            client.stop();
            client.drained.get(5, TimeUnit.SECONDS);
            KernelTask loop = group.next().submit(KernelTask::current).get();
            loop.awaitAsleepIn(Duration.ofSeconds(10), KernelTask.FUTEX_WAITV);

            Selector watch = PeerWatch.selectorOfRunningWatch();
            assertThat(watch).as("a peer watch listens while the loop sleeps on futexes").isNotNull();
            watch.close();
            // The loop takes its channel back from the failed watch, arms a new one and sleeps again.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Selector replacement;
            while ((replacement = PeerWatch.selectorOfRunningWatch()) == null || replacement == watch) {
                assertThat(System.nanoTime() - deadline).as("a new watch within 10 s").isNegative();
                Thread.sleep(1);
            }
            loop.awaitAsleepIn(Duration.ofSeconds(10), KernelTask.FUTEX_WAITV);

            server.kill();
            long killedAt = System.nanoTime();
            long inactiveAt = client.inactive.get(LONGEST_SLEEP.toSeconds() / 3, TimeUnit.SECONDS);
            System.out.printf("inactive %.1f ms after the kill, with the watch replaced%n",
                    (inactiveAt - killedAt) / 1e6);
        } finally {
            server.kill();
        }
    }
}
