package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.LogCapture;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer killed with SIGKILL in the middle of a stream of 1 MiB framed echoes, {@value #DEFAULT_KILLS} times, while
 * two other connections on the survivor's one event loop keep streaming to a peer that lives. The loop must
 * outlive every kill: the two bystanders lose nothing, nothing reaches the logs of the loop or the transport, and a
 * new connection works at once after the last kill. A killed peer's connection goes inactive.
 */
class FramedStreamKillTest {

    private static final int DEFAULT_KILLS = 100;
    private static final int KILLS = Integer.getInteger("dev.nettyshm.test.framedKills", DEFAULT_KILLS);
    private static final int FRAME = 1 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final List<ChildJvm> children = new ArrayList<>();

    @AfterEach
    void shutdown() throws Exception {
        for (ChildJvm child : children) {
            child.kill();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        // What the killed servers left: the sockets and locks of their names.
        ShmInventory.removeStale(SharedMemoryDirectory.system());
    }

    private ChildJvm startServer(String name) throws Exception {
        ChildJvm server = ChildJvm.start(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), TransportPeer.class,
                "framed-echo-server", name);
        children.add(server);
        return server;
    }

    private ChannelFuture connect(String name, FramedEchoClient client) {
        return new Bootstrap().group(group).channel(ShmChannel.class).handler(client).connect(new ShmAddress(name));
    }

    @Test
    void shouldKeepTheLoopAndItsOtherConnectionsWhenPeersAreKilledMidStream() throws Exception {
        long seed = Long.getLong("dev.nettyshm.test.killSeed", ThreadLocalRandom.current().nextLong());
        System.out.println("FramedStreamKillTest seed " + seed);
        Random random = new Random(seed);
        try (LogCapture logs = LogCapture.warnings("dev.nettyshm", "io.netty")) {
            String survivorName = "framed-survivor-" + UUID.randomUUID();
            ChildJvm survivor = startServer(survivorName);
            survivor.awaitLine("ready");
            List<FramedEchoClient> bystanders = List.of(new FramedEchoClient(FRAME, 2),
                    new FramedEchoClient(FRAME, 2));
            for (FramedEchoClient bystander : bystanders) {
                connect(survivorName, bystander).sync();
            }
            String nextName = "framed-victim-" + UUID.randomUUID();
            ChildJvm next = startServer(nextName);
            long slowest = 0;
            for (int kill = 0; kill < KILLS; kill++) {
                String name = nextName;
                ChildJvm victim = next;
                victim.awaitLine("ready");
                // The next victim starts while this one streams: a JVM's start-up is most of a round.
                nextName = "framed-victim-" + UUID.randomUUID();
                next = kill + 1 < KILLS ? startServer(nextName) : null;
                FramedEchoClient streamer = new FramedEchoClient(FRAME, 2);
                connect(name, streamer).sync();
                streamer.awaitEchoes(1 + random.nextInt(4), 10);
                TimeUnit.MICROSECONDS.sleep(random.nextInt(2_000));
                victim.kill();
                long killedAt = System.nanoTime();
                long inactiveAt = streamer.inactive.get(10, TimeUnit.SECONDS);
                slowest = Math.max(slowest, inactiveAt - killedAt);
                children.remove(victim);
                assertThat(streamer.wrong).as("kill %d: every frame echoed before the kill is whole", kill).hasValue(0);
                assertThat(group.next().submit(() -> true).get(5, TimeUnit.SECONDS))
                        .as("kill %d: the survivor's loop still runs tasks", kill).isTrue();
                for (FramedEchoClient bystander : bystanders) {
                    assertThat(bystander.inactive).as("kill %d: a bystander is still connected", kill).isNotDone();
                }
            }
            long[] echoed = new long[bystanders.size()];
            for (int i = 0; i < bystanders.size(); i++) {
                FramedEchoClient bystander = bystanders.get(i);
                bystander.stop();
                echoed[i] = bystander.drained.get(10, TimeUnit.SECONDS);
                assertThat(bystander.wrong).as("bystander %d: every byte of every frame", i).hasValue(0);
                assertThat(bystander.failure).as("bystander %d: no exception", i).isNull();
                assertThat(echoed[i]).as("bystander %d: everything sent came back", i)
                        .isEqualTo(bystander.sent.get());
            }
            FramedEchoClient after = new FramedEchoClient(FRAME, 1);
            connect(survivorName, after).sync();
            after.awaitEchoes(1, 5);
            after.stop();
            assertThat(after.drained.get(5, TimeUnit.SECONDS)).as("a new connection after the kills")
                    .isEqualTo(after.sent.get());
            assertThat(after.wrong).hasValue(0);
            System.out.printf("%d kills mid-stream; slowest inactive %.1f ms after its kill; bystanders echoed %d"
                    + " and %d frames of 1 MiB%n", KILLS, slowest / 1e6, echoed[0], echoed[1]);
            assertThat(logs.records()).as("nothing reached the loop's or the transport's logs").isEmpty();
        }
    }
}
