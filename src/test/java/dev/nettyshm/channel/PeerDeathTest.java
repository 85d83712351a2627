package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.ShmFiles;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server process killed with SIGKILL at random moments of a stream — during the handshake, mid-stream, while
 * this side reads nothing and the ring is full — fifty times over: each time this side's channel goes inactive
 * within a second, every long it received is the next of the sequence, and no connection segment is left behind.
 * A bystander connection on the same loop, to a server that lives, streams framed echoes through all the kills
 * and loses nothing, and a new connection works after the last: a loop that died in the first kill would fail
 * both, where it would only have counted every later connect as refused.
 */
class PeerDeathTest {

    private static final int KILLS = Integer.getInteger("dev.nettyshm.test.kills", 50);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final String bystanderName = "peer-death-bystander-" + UUID.randomUUID();
    private final String name = "peer-death-" + UUID.randomUUID();
    private final ShmAddress address = new ShmAddress(name);

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        ShmInventory.removeStale(SharedMemoryDirectory.system());
    }

    @Test
    void shouldDeliverOnlyWholeInOrderDataAndGoInactiveWhenThePeerIsKilledAtRandom() throws Exception {
        List<String> segmentsBefore = ShmFiles.containing("nettyshm-id-");
        long seed = Long.getLong("dev.nettyshm.test.killSeed", ThreadLocalRandom.current().nextLong());
        System.out.println("PeerDeathTest seed " + seed);
        Random random = new Random(seed);
        ChildJvm bystanderServer = ChildJvm.start(TransportPeer.class, "framed-echo-server", bystanderName);
        bystanderServer.awaitLine("ready");
        FramedEchoClient bystander = new FramedEchoClient(64 << 10, 2);
        new Bootstrap().group(group).channel(ShmChannel.class).handler(bystander)
                .connect(new ShmAddress(bystanderName)).sync();
        long slowest = 0;
        int refused = 0;
        for (int i = 0; i < KILLS; i++) {
            ChildJvm server = ChildJvm.start(TransportPeer.class, "stream-server", name);
            server.awaitLine("ready");
            SequenceReader reader = new SequenceReader(Long.MAX_VALUE);
            boolean reading = random.nextInt(4) != 0;
            int delayMicros = random.nextInt(4) == 0 ? 0 : random.nextInt(200_000);
            var connect = new Bootstrap().group(group).channel(ShmChannel.class)
                    .option(ChannelOption.AUTO_READ, reading).handler(reader).connect(address);
            if (delayMicros > 0) {
                TimeUnit.MICROSECONDS.sleep(delayMicros);
            }
            server.kill();
            long killedAt = System.nanoTime();
            assertThat(connect.await(5, TimeUnit.SECONDS)).as("kill %d: the connect ends at once", i).isTrue();
            if (!connect.isSuccess()) {
                refused++;
                continue;
            }
            Channel client = connect.channel();
            if (!reading) {
                // What waited in the full ring is still delivered after the kill.
                client.config().setAutoRead(true);
            }
            long inactive = reader.inactive.get(5, TimeUnit.SECONDS);
            slowest = Math.max(slowest, inactive - killedAt);
            assertThat(reader.wrong()).as("kill %d: every long received is the next of the sequence", i).isZero();
            assertThat(client.isActive()).isFalse();
        }
        bystander.stop();
        long echoed = bystander.drained.get(10, TimeUnit.SECONDS);
        FramedEchoClient after = new FramedEchoClient(64 << 10, 1);
        new Bootstrap().group(group).channel(ShmChannel.class).handler(after).connect(new ShmAddress(bystanderName))
                .sync();
        after.awaitEchoes(1, 5);
        bystanderServer.closeInput();
        bystanderServer.waitFor(30);
        System.out.printf("%d kills: %d during the handshake; slowest inactive %.1f ms after the kill; the bystander"
                + " echoed %d frames%n", KILLS, refused, slowest / 1e6, echoed);
        assertThat(bystander.wrong).as("the bystander's frames are whole").hasValue(0);
        assertThat(bystander.failure).as("the bystander saw no exception").isNull();
        assertThat(echoed).as("the bystander got back all it sent").isEqualTo(bystander.sent.get());
        // Three rounds in four wait up to 200 ms before the kill, and a handshake takes a few: most connect.
        assertThat(refused).as("connects that failed because the server died first").isLessThan(KILLS * 3 / 4);
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("inactive within a second of each kill")
                .isLessThan(1_000);
        // A subset: the first connect of each new JVM removes what dead processes left there before.
        assertThat(ShmFiles.containing("nettyshm-id-")).as("connection segments are never left behind")
                .isSubsetOf(segmentsBefore);
    }
}
