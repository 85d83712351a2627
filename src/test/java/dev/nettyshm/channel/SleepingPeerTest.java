package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.mmap.SharedMemoryDirectory;
import dev.nettyshm.internal.ring.Futex;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.KernelTask;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two JVMs whose loops fall asleep between messages, each way of sleeping: on futexes (where the kernel has them)
 * and in the selector, the portable fallback, forced on both sides. Each message finds the peer asleep and wakes
 * it; a peer killed while both sleep — the kernel has both loops asleep, each the way it was asked to — is seen
 * within a second.
 */
class SleepingPeerTest {

    /**
     * Between messages: long enough for both loops to spin, yield and fall asleep — once the JIT is done, whose
     * threads would otherwise stretch each yield.
     */
    private static final long GAP_MILLIS = 30;
    private static final int MESSAGES = 40;
    /** Sent back to back first, so that the JVMs have compiled the path. */
    private static final int WARMUP = 5_000;
    /** How long an idle loop may take to fall asleep: it spins for 50 µs and yields 10 times first. */
    private static final Duration FALLING_ASLEEP = Duration.ofSeconds(10);

    private final String name = "sleeping-peer-" + UUID.randomUUID();
    private EventLoopGroup group;
    /** The thread of the child's loop that serves the connection. */
    private KernelTask serverLoop;

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private ChildJvm startServer(boolean futex) throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory(ShmIdlePolicy.DEFAULT.withFutex(futex)));
        ChildJvm server = ChildJvm.start(List.of("-Ddev.nettyshm.futex=" + futex), TransportPeer.class,
                "echo-server", name);
        serverLoop = KernelTask.named(server.awaitLineStartingWith("serving on "));
        server.awaitLine("ready");
        return server;
    }

    @ParameterizedTest(name = "futex {0}")
    @ValueSource(booleans = {true, false})
    void shouldWakeAPeerAsleepWithEveryMessage(boolean futex) throws Exception {
        ChildJvm server = startServer(futex);
        try {
            Pacer pacer = new Pacer();
            Channel client = new Bootstrap().group(group).channel(ShmChannel.class).handler(pacer)
                    .connect(new ShmAddress(name)).sync().channel();
            assertThat(pacer.done.get(60, TimeUnit.SECONDS)).as("every message echoed intact")
                    .isEqualTo(WARMUP + MESSAGES);
            assertThat(((ShmChannel) client).metrics().doorbellsRung() - pacer.rungAfterWarmup)
                    .as("the server slept before most paced messages and was woken").isGreaterThanOrEqualTo(MESSAGES / 2);
            assertThat(serverSleepsBy(client)).as("how the idle server asks to be woken")
                    .isEqualTo(futex ? RingDescriptor.WAKE_BY_FUTEX : RingDescriptor.WAKE_BY_DOORBELL);
            client.close().sync();
        } finally {
            server.closeInput();
            assertThat(server.waitFor(30)).isZero();
        }
    }

    @ParameterizedTest(name = "futex {0}")
    @ValueSource(booleans = {true, false})
    void shouldSeeAPeerKilledWhileBothSleep(boolean futex) throws Exception {
        ChildJvm server = startServer(futex);
        CompletableFuture<Long> inactive = new CompletableFuture<>();
        Channel client = new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        inactive.complete(System.nanoTime());
                    }
                }).connect(new ShmAddress(name)).sync().channel();
        client.writeAndFlush(client.alloc().buffer(8).writeLong(1)).sync();
        String sleepsIn = futex && Futex.AVAILABLE ? KernelTask.FUTEX_WAITV : KernelTask.EPOLL_WAIT;
        client.eventLoop().submit(KernelTask::current).get().awaitAsleepIn(FALLING_ASLEEP, sleepsIn);
        serverLoop.awaitAsleepIn(FALLING_ASLEEP, sleepsIn);
        server.kill();
        long killedAt = System.nanoTime();
        long after = TimeUnit.NANOSECONDS.toMillis(inactive.get(10, TimeUnit.SECONDS) - killedAt);
        assertThat(after).as("inactive within a second of the kill").isLessThan(1_000);
        assertThat(client.isActive()).isFalse();
        // The killed server left its socket and lock, as a crashed server does, for the next bind or this.
        assertThat(ShmInventory.removeStale(SharedMemoryDirectory.system())).anyMatch(e -> e.name().equals(name));
    }

    /** The server's waiting flag on the ring to it, once the server has fallen asleep. */
    private static int serverSleepsBy(Channel client) throws Exception {
        MemorySegment memory = ((ShmChannel) client).connection().memory();
        long flag = ConnectionLayout.clientToServerOffset() + RingDescriptor.CONSUMER_WAITING_OFFSET;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int how;
        while ((how = memory.get(ValueLayout.JAVA_INT, flag)) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return how;
    }

    /** Sends WARMUP messages back to back, then MESSAGES each GAP_MILLIS after the last echo; checks each echo. */
    private static final class Pacer extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        long rungAfterWarmup;
        private int sent;
        private int echoed;
        private long expected;
        private int received;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            expected = 0x5EED_0000L + sent++;
            received = 0;
            ctx.writeAndFlush(ctx.alloc().buffer(8).writeLong(expected));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (b != (byte) (expected >>> (8 * (7 - received)))) {
                        done.completeExceptionally(new AssertionError("echo " + sent + " damaged"));
                        return;
                    }
                    if (++received == 8) {
                        if (++echoed == WARMUP + MESSAGES) {
                            done.complete(echoed);
                            return;
                        }
                        if (echoed < WARMUP) {
                            send(ctx);
                            continue;
                        }
                        if (echoed == WARMUP) {
                            rungAfterWarmup = ((ShmChannel) ctx.channel()).metrics().doorbellsRung();
                        }
                        ctx.executor().schedule(() -> send(ctx), GAP_MILLIS, TimeUnit.MILLISECONDS);
                    }
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
