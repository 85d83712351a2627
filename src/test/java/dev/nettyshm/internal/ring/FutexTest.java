package dev.nettyshm.internal.ring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.testing.ChildJvm;
import dev.nettyshm.testing.KernelTask;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Futexes on words of a shared mapping: woken through another mapping of the file, in this process and in
 * another; not slept on when the word changed first; ended by the timeout. A wake test first waits until the kernel
 * has the sleeper asleep in {@code futex_waitv}, so that only the wake can end its sleep. The waits have long
 * timeouts, and a test asserts only that the wait ended well before its timeout — never how fast.
 */
class FutexTest {

    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(30);
    /** A woken sleep ends within this, far below {@link #LONG_WAIT}: a correctness bound, not a speed. */
    private static final long WOKEN_WITHIN = TimeUnit.SECONDS.toNanos(10);
    private static final Duration FALLING_ASLEEP = Duration.ofSeconds(10);

    private final Path file = Path.of("/dev/shm", "futex-test-" + UUID.randomUUID());
    private final Arena arena = Arena.ofShared();
    private MemorySegment first;
    private MemorySegment second;

    @BeforeEach
    void map() throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[1]), RingDescriptor.ringLength(RingDescriptor.MIN_CAPACITY)
                    - 1);
            first = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
            second = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
        }
    }

    @AfterEach
    void unmap() throws Exception {
        arena.close();
        Files.deleteIfExists(file);
    }

    @Test
    void shouldBeAvailableOnLinux516AndLater() {
        String[] version = System.getProperty("os.version").split("[.-]");
        boolean recentLinux = System.getProperty("os.name").equals("Linux")
                && (Integer.parseInt(version[0]) > 5 || Integer.parseInt(version[0]) == 5
                && Integer.parseInt(version[1]) >= 16);
        if (recentLinux) {
            assertThat(Futex.AVAILABLE).as("futex_waitv on " + System.getProperty("os.version")).isTrue();
        }
    }

    @Test
    void shouldWakeASleeperThroughAnotherMappingOfTheSameFile() throws Exception {
        assertThat(first.address()).isNotEqualTo(second.address());
        first.set(ValueLayout.JAVA_INT, 0, 2);
        Sleeper sleeper = Sleeper.on(waits -> waits.add(first.asSlice(0, 4), 2));
        sleeper.awaitAsleep();
        second.set(ValueLayout.JAVA_INT, 0, 0);
        Futex.wake(second.asSlice(0, 4));
        assertThat(sleeper.slept()).as("woken, not timed out").isLessThan(WOKEN_WITHIN);
    }

    @Test
    void shouldNotSleepOnAWordThatNoLongerHoldsItsValue() {
        FutexWaitSet waits = new FutexWaitSet();
        waits.add(first.asSlice(64, 4), 1);
        long start = System.nanoTime();
        waits.await(LONG_WAIT);
        assertThat(System.nanoTime() - start).isLessThan(LONG_WAIT / 2);
    }

    @Test
    void shouldEndASleepNobodyWakesAtItsTimeout() {
        FutexWaitSet waits = new FutexWaitSet();
        first.set(ValueLayout.JAVA_INT, 0, 2);
        waits.add(first.asSlice(0, 4), 2);
        long start = System.nanoTime();
        waits.await(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
    }

    @Test
    void shouldWakeASleeperOnAnyOfItsWords() throws Exception {
        MemorySegment privateWord = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        privateWord.set(ValueLayout.JAVA_INT, 0, 1);
        first.set(ValueLayout.JAVA_INT, 0, 2);
        first.set(ValueLayout.JAVA_INT, 8, 2);
        Sleeper sleeper = Sleeper.on(waits -> {
            waits.addPrivate(privateWord, 1);
            waits.add(first.asSlice(0, 4), 2);
            waits.add(first.asSlice(8, 4), 2);
        });
        sleeper.awaitAsleep();
        privateWord.set(ValueLayout.JAVA_INT, 0, 0);
        Futex.wakePrivate(privateWord);
        assertThat(sleeper.slept()).as("woken by the private word").isLessThan(WOKEN_WITHIN);
    }

    @Test
    void shouldLetAPublicationWakeAConsumerAsleepInAnotherProcess() throws Exception {
        int capacity = RingDescriptor.MIN_CAPACITY;
        RingProducer producer = new RingProducer(first, capacity, "futex test ring");
        ChildJvm consumer = ChildJvm.start(FutexPeer.class, "consume", file.toString());
        try {
            KernelTask.named(consumer.awaitLineStartingWith("sleeping as ")).awaitAsleepIn(FALLING_ASLEEP,
                    KernelTask.FUTEX_WAITV);
            byte[] hello = "hello".getBytes();
            assertThat(producer.offer(MemorySegment.ofArray(hello), 0, hello.length)).isEqualTo(hello.length);
            assertThat(producer.publish()).as("the consumer slept on its futex and is woken")
                    .isEqualTo(Wakeup.FUTEX);
            assertThat(consumer.waitFor(60)).isZero();
            assertThat(consumer.output()).contains("read hello", "woken");
        } finally {
            consumer.process().destroyForcibly();
        }
    }

    /** A thread asleep on the words {@code fill} adds, with a timeout of {@link #LONG_WAIT}. */
    private record Sleeper(CompletableFuture<KernelTask> task, CompletableFuture<Long> sleep) {

        static Sleeper on(Consumer<FutexWaitSet> fill) {
            Sleeper sleeper = new Sleeper(new CompletableFuture<>(), new CompletableFuture<>());
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    FutexWaitSet waits = new FutexWaitSet();
                    fill.accept(waits);
                    sleeper.task.complete(KernelTask.current());
                    long start = System.nanoTime();
                    waits.await(LONG_WAIT);
                    sleeper.sleep.complete(System.nanoTime() - start);
                } catch (Throwable e) {
                    sleeper.task.completeExceptionally(e);
                    sleeper.sleep.completeExceptionally(e);
                }
            });
            return sleeper;
        }

        /** Returns once the kernel has the thread asleep on its words: only a wake or the timeout can end it now. */
        void awaitAsleep() throws Exception {
            task.get(10, TimeUnit.SECONDS).awaitAsleepIn(FALLING_ASLEEP, KernelTask.FUTEX_WAITV);
        }

        /** How long the sleep lasted. */
        long slept() throws Exception {
            return sleep.get(60, TimeUnit.SECONDS);
        }
    }
}
