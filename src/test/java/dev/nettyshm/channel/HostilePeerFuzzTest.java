package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.pool.PoolLayout;
import dev.nettyshm.internal.ring.RingDescriptor;
import dev.nettyshm.testing.ChildJvm;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile client writes crafted impossible values — random within their kind — into the ring and the pool
 * descriptors the server reads: positions beyond the data, misaligned or going back; record lengths and types no
 * producer writes; messages of impossible lengths; descriptors outside the pool, past their slot, or naming a slot
 * not in flight. Every case must end with the server closing that connection with an exception naming the
 * corruption, while a bystander connection on the same loops goes on. The cases are written once by the client
 * itself, once by a third process that maps the live segment of the other two. {@value #DEFAULT_CASES} cases
 * each by default; {@code -Ddev.nettyshm.test.fuzzCases=10000} for the long run.
 */
class HostilePeerFuzzTest {

    private static final int DEFAULT_CASES = 300;
    private static final int CAPACITY = ShmChannelConfig.DEFAULT_RING_CAPACITY;
    private static final int POOL_SIZE = ShmChannelConfig.DEFAULT_POOL_SIZE;

    /** A hostile write rings no doorbell: loops that look at their rings every few milliseconds find it soon. */
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
            ShmIoHandler.newFactory(new ShmIdlePolicy(Duration.ofNanos(5_000), 1_000, Duration.ofMillis(5))));
    private final ShmAddress address = new ShmAddress("fuzz-" + UUID.randomUUID());
    /** The server's first exception on each connection, by the client's segment name. */
    private final Map<String, CompletableFuture<Throwable>> errors = new ConcurrentHashMap<>();

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private final class Echo extends EchoHandler {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errorOf((ShmAddress) ctx.channel().remoteAddress()).complete(cause);
        }
    }

    private CompletableFuture<Throwable> errorOf(ShmAddress client) {
        return errors.computeIfAbsent(client.name(), n -> new CompletableFuture<>());
    }

    @Test
    void shouldCloseOnlyTheAttackedConnectionWithAnExceptionNamingTheCorruption() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(new Echo())
                .bind(address).sync().channel();
        ShmChannel bystander = connect();
        int cases = Integer.getInteger("dev.nettyshm.test.fuzzCases", DEFAULT_CASES);
        Random random = new Random(Long.getLong("dev.nettyshm.test.fuzzSeed", 20261127L));
        Map<String, Integer> byKind = new java.util.TreeMap<>();
        for (int i = 0; i < cases; i++) {
            ShmChannel attacker = connect();
            Attack attack = attack(attacker.connection().memory(), random);
            Throwable error = errorOf((ShmAddress) attacker.localAddress()).get(5, TimeUnit.SECONDS);
            assertThat(error.getMessage()).as("case %d, %s", i, attack.kind()).contains(attack.complaint());
            assertThat(attacker.closeFuture().await(5, TimeUnit.SECONDS)).as("case %d: closed", i).isTrue();
            byKind.merge(attack.kind(), 1, Integer::sum);
        }
        assertEchoes(bystander);
        System.out.println("hostile-peer cases by kind: " + byKind);
        bystander.close().sync();
        server.close().sync();
    }

    /**
     * The same cases written by a third process: it maps the live segment of a connection between two others
     * through {@code /proc/PID/map_files}, as anyone who may trace this process can, and writes there.
     */
    @Test
    void shouldCloseOnlyTheConnectionAThirdProcessCorrupts() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(ShmServerChannel.class).childHandler(new Echo())
                .bind(address).sync().channel();
        ShmChannel bystander = connect();
        int cases = Integer.getInteger("dev.nettyshm.test.fuzzCases", DEFAULT_CASES);
        long seed = Long.getLong("dev.nettyshm.test.fuzzSeed", 20261127L);
        ChildJvm third = ChildJvm.start(ThirdPartyAttacker.class);
        try {
            for (int i = 0; i < cases; i++) {
                ShmChannel victim = connect();
                MemorySegment memory = victim.connection().memory();
                third.sendLine(mapFile(memory) + " " + memory.byteSize() + " " + (seed + i));
                String[] attack = third.awaitLineStartingWith("attacked ").substring(9).split("\\|");
                Throwable error = errorOf((ShmAddress) victim.localAddress()).get(5, TimeUnit.SECONDS);
                assertThat(error.getMessage()).as("case %d, %s", i, attack[0]).contains(attack[1]);
                assertThat(victim.closeFuture().await(5, TimeUnit.SECONDS)).as("case %d: closed", i).isTrue();
            }
        } finally {
            third.closeInput();
            third.waitFor(30);
        }
        assertThat(third.process().exitValue()).as("the third process's exit").isZero();
        assertEchoes(bystander);
        bystander.close().sync();
        server.close().sync();
    }

    /** Where another process of the same user finds this process's mapping of {@code memory}. */
    static String mapFile(MemorySegment memory) {
        long end = memory.address() + memory.byteSize();
        end = (end + 4095) & -4096;   // the kernel names whole pages
        return "/proc/" + ProcessHandle.current().pid() + "/map_files/" + Long.toHexString(memory.address()) + "-"
                + Long.toHexString(end);
    }

    private ShmChannel connect() throws Exception {
        CompletableFuture<Object> echo = new CompletableFuture<>();
        ShmChannel channel = (ShmChannel) new Bootstrap().group(group).channel(ShmChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (!echo.complete(msg)) {
                            io.netty.util.ReferenceCountUtil.release(msg);
                        }
                    }
                }).connect(address).sync().channel();
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).sync();
        io.netty.util.ReferenceCountUtil.release(echo.get(5, TimeUnit.SECONDS));
        return channel;
    }

    /** What a case wrote, and the words the server's exception must contain. */
    record Attack(String kind, String complaint) {
    }

    /** Writes one impossible thing into the ring the server reads, in {@code memory}: a connection's segment. */
    static Attack attack(MemorySegment memory, Random random) {
        MemorySegment ring = memory.asSlice(ConnectionLayout.clientToServerOffset(),
                RingDescriptor.ringLength(CAPACITY));
        MemorySegment data = ring.asSlice(RingDescriptor.HEADER_LENGTH);
        long tail = ring.get(ValueLayout.JAVA_LONG, RingDescriptor.TAIL_OFFSET);
        int index = (int) (tail & (CAPACITY - 1));
        int kind = random.nextInt(10);
        switch (kind) {
            case 0 -> {
                publish(ring, tail + CAPACITY + 8L * (1 + random.nextInt(1 << 20)));
                return new Attack("tail beyond the data", "producer position");
            }
            case 1 -> {
                publish(ring, tail + 1 + random.nextInt(7));
                return new Attack("misaligned tail", "producer position");
            }
            case 2 -> {
                publish(ring, tail - 8L * (1 + random.nextInt((int) (tail / 8))));
                return new Attack("tail going back", "producer position went back");
            }
            case 3 -> {
                int length = random.nextBoolean() ? -1 - random.nextInt(Integer.MAX_VALUE)
                        : CAPACITY + random.nextInt(1 << 24);
                header(data, index, length, RingDescriptor.DATA);
                publish(ring, tail + RingDescriptor.RECORD_HEADER_LENGTH);
                return new Attack("record length", "record length " + length);
            }
            case 4 -> {
                int type;
                do {
                    type = random.nextInt();
                } while (type >= RingDescriptor.DATA && type <= RingDescriptor.MESSAGE);
                header(data, index, 0, type);
                publish(ring, tail + RingDescriptor.RECORD_HEADER_LENGTH);
                return new Attack("record type", "record type " + type);
            }
            case 5 -> {
                int length = random.nextBoolean() ? 0 : RingDescriptor.MAX_MESSAGE_LENGTH + 8 * (1 + random.nextInt(4));
                header(data, index, length, RingDescriptor.MESSAGE);
                publish(ring, tail + RingDescriptor.recordLength(length));
                return new Attack("message length", "message record of length " + length);
            }
            case 6 -> {
                // Headroom makes the slots longer than the pool size, never twice as long.
                long offset = random.nextBoolean() ? 2L * POOL_SIZE + 8L * random.nextInt(1 << 20)
                        : -8L * (1 + random.nextInt(1 << 20));
                descriptor(data, index, offset, 1 + random.nextInt(4096));
                publish(ring, tail + RingDescriptor.recordLength(PoolLayout.DESCRIPTOR_LENGTH));
                return new Attack("descriptor outside the pool", "outside the pool");
            }
            case 7 -> {
                // The first 1 MiB slot: nobody sent it, so it is not in flight.
                descriptor(data, index, 0, 1 + random.nextInt(1 << 20));
                publish(ring, tail + RingDescriptor.recordLength(PoolLayout.DESCRIPTOR_LENGTH));
                return new Attack("descriptor of a slot not in flight", "not in flight");
            }
            case 8 -> {
                // A 1 MiB slot's stride is its headroom and its buffer.
                long slotEnd = (1L + random.nextInt(8)) * (PoolLayout.HEADROOM + PoolLayout.MAX_SLOT_SIZE);
                int past = 1 + random.nextInt(4096);
                descriptor(data, index, slotEnd - 1, 1 + past);
                publish(ring, tail + RingDescriptor.recordLength(PoolLayout.DESCRIPTOR_LENGTH));
                return new Attack("descriptor past its slot", "reaches past its slot");
            }
            default -> {
                int length = 8 * random.nextInt(64);
                header(data, index, length, RingDescriptor.PADDING);
                publish(ring, tail + RingDescriptor.recordLength(length));
                return new Attack("padding short of the end", "padding record");
            }
        }
    }

    private static void header(MemorySegment data, int index, int length, int type) {
        data.set(ValueLayout.JAVA_INT, index + RingDescriptor.RECORD_LENGTH_OFFSET, length);
        data.set(ValueLayout.JAVA_INT, index + RingDescriptor.RECORD_TYPE_OFFSET, type);
    }

    private static void descriptor(MemorySegment data, int index, long offset, int length) {
        header(data, index, PoolLayout.DESCRIPTOR_LENGTH, RingDescriptor.MESSAGE);
        MemorySegment payload = data.asSlice(index + RingDescriptor.RECORD_HEADER_LENGTH, PoolLayout.DESCRIPTOR_LENGTH);
        payload.set(ValueLayout.JAVA_LONG, PoolLayout.DESCRIPTOR_OFFSET_OFFSET, offset);
        payload.set(ValueLayout.JAVA_INT, PoolLayout.DESCRIPTOR_LENGTH_OFFSET, length);
    }

    private static void publish(MemorySegment ring, long tail) {
        ValueLayout.JAVA_LONG.varHandle().setRelease(ring, (long) RingDescriptor.TAIL_OFFSET, tail);
    }

    private static void assertEchoes(ShmChannel channel) throws Exception {
        CompletableFuture<Object> echo = new CompletableFuture<>();
        channel.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                echo.complete(msg);
            }
        });
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {9})).sync();
        ByteBuf msg = (ByteBuf) echo.get(5, TimeUnit.SECONDS);
        assertThat(msg.getByte(0)).isEqualTo((byte) 9);
        msg.release();
        assertThat(channel.isActive()).isTrue();
    }
}
