package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmIoHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Market-data fan-out over shared memory: this process is the publisher, a {@link TickPublisher} on a
 * {@code ShmServerChannel}, and it starts several {@link TickSubscriber} processes, each on its own shared-memory
 * connection to it. It publishes 32-byte ticks — sequence, send time, price, symbol — at a steady rate with a burst
 * every 100 ms: a one-second warm-up, then the measured run. Each subscriber checks that the sequence has no gap and
 * prints its rate and its latency percentiles (HdrHistogram), steady and in bursts; the publisher prints all of them
 * in one table. The last subscriber is slow on purpose — it stops reading for three seconds — and shows what the
 * publisher does about it: it watches each connection's writability and cuts off one that stays unwritable for a
 * second, so a slow subscriber costs bounded memory and the others no latency.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@example-fanout} (the defaults:
 * {@code -Dexample.args="subscribers=3 slow=1 seconds=5 rate=50000 burst=2000"})
 */
public final class FanOut {

    private static final Duration WARMUP = Duration.ofSeconds(1);
    private static final Duration GRACE = Duration.ofSeconds(1);
    private static final long STALL_MILLIS = 3_000;

    private FanOut() {
    }

    public static void main(String[] args) throws Exception {
        ExampleArgs options = new ExampleArgs(args, "subscribers", "slow", "seconds", "rate", "burst");
        int count = options.number("subscribers", 3);
        int slow = options.number("slow", 1);
        Duration measured = Duration.ofSeconds(options.number("seconds", 5));
        int rate = options.number("rate", 50_000);
        int burst = options.number("burst", 2_000);
        if (count < 1 || slow < 0 || slow >= count) {
            throw new IllegalArgumentException("need at least one subscriber that is not slow: subscribers=" + count
                    + " slow=" + slow);
        }
        ShmAddress address = new ShmAddress("fanout-" + UUID.randomUUID());
        // One loop for the server, its connections and the feed: every write stays on the thread that makes it.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
        OnExit.shutDown(group);
        List<Process> processes = new ArrayList<>();
        try {
            TickPublisher publisher = new TickPublisher(count, rate, burst, GRACE);
            publisher.bind(group, address);
            System.out.printf("publisher (pid %d) on %s; starting %d subscriber processes, %d of them slow%n",
                    ProcessHandle.current().pid(), address, count, slow);
            for (int i = 1; i <= count; i++) {
                long stall = i > count - slow ? STALL_MILLIS : 0;
                processes.add(JavaProcess.of(TickSubscriber.class, address.name(), Integer.toString(i),
                        Long.toString(stall)).inheritIO().start());
            }
            publisher.awaitSubscribers(processes, Duration.ofSeconds(60));
            System.out.printf("all %d subscribed: publishing %,d ticks/s and a burst of %,d every 100 ms, %d s of"
                    + " warm-up and %d s measured%n", count, rate, burst, WARMUP.toSeconds(), measured.toSeconds());
            publisher.publish(WARMUP, measured).get(measured.plus(WARMUP).toSeconds() + 60, TimeUnit.SECONDS);
            List<String> failures = new ArrayList<>();
            for (Process process : processes) {
                if (!JavaProcess.endedCleanly(process, 30)) {
                    failures.add("subscriber process " + process.pid() + " did not end cleanly");
                }
            }
            summarize(publisher, failures);
            publisher.close();
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void summarize(TickPublisher publisher, List<String> failures) {
        long published = publisher.published();
        System.out.printf("%nthe publisher's summary: %,d ticks published%n", published);
        System.out.printf("%-11s %8s %10s %5s %9s   %-28s %-28s%n", "subscriber", "pid", "ticks", "gaps", "ticks/s",
                "steady p50 / p99 / p99.9 µs", "bursts p50 / p99 / p99.9 µs");
        int complete = 0;
        int cut = 0;
        List<TickPublisher.Subscription> subscriptions = new ArrayList<>(publisher.subscriptions());
        subscriptions.sort(Comparator.comparingInt(s -> s.hello().index()));
        for (TickPublisher.Subscription subscription : subscriptions) {
            SubscriberStatus report = subscription.report();
            int index = subscription.hello().index();
            if (subscription.cutOff()) {
                cut++;
                System.out.printf("%-11d %8d   cut off as slow after %,d ticks%n", index, subscription.hello().pid(),
                        subscription.ticksSent());
            } else if (report == null) {
                failures.add("subscriber " + index + " left without a report");
            } else {
                System.out.printf("%-11d %8d %,10d %5d %,9d   %-28s %-28s%n", index, report.pid(), report.ticks(),
                        report.gaps(), report.rate(), report.steady(), report.burst());
                if (report.gaps() != 0 || report.ticks() != published) {
                    failures.add("subscriber " + index + " received " + report.ticks() + " of " + published
                            + " ticks, " + report.gaps() + " missing");
                } else {
                    complete++;
                }
            }
        }
        if (!failures.isEmpty() || complete == 0) {
            throw new IllegalStateException("fan-out failed: " + failures);
        }
        System.out.printf("FanOut done: %d subscribers; %d received all %,d ticks in sequence, %d cut off as slow;"
                + " no gaps%n", subscriptions.size(), complete, published, cut);
    }
}
