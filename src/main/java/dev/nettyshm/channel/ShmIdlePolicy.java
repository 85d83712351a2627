package dev.nettyshm.channel;

import java.time.Duration;

/**
 * What an idle {@link ShmIoHandler} does when none of its rings has work: it spins {@code spins} times (each a
 * quick look at every ring), then yields the CPU {@code yields} times, then sleeps until a peer rings its doorbell,
 * a task arrives or {@code maxSleep} passes. Spinning keeps the round trip of a busy connection free of system
 * calls; yielding gives a peer on the same CPU its turn; sleeping costs no CPU at all. A loop whose yields run
 * another thread shares its CPU, and skips the spinning until a yield finds the CPU free again.
 *
 * @param spins    looks at the rings before yielding
 * @param yields   {@link Thread#yield()}s before sleeping
 * @param maxSleep the longest sleep; also how often a sleeping loop looks at its rings regardless
 */
public record ShmIdlePolicy(int spins, int yields, Duration maxSleep) {

    /**
     * Spin 100 times, yield 1,000 times (about a millisecond in all when the CPU is free), then sleep up to a second.
     * Measured on a 2-core VM, this kept a 64-byte ping-pong under a microsecond with the loops on two CPUs; with
     * more spins, two loops on one CPU wasted their time slices.
     */
    public static final ShmIdlePolicy DEFAULT = new ShmIdlePolicy(100, 1_000, Duration.ofSeconds(1));

    /**
     * @throws IllegalArgumentException if a count is negative or {@code maxSleep} is not positive
     */
    public ShmIdlePolicy {
        if (spins < 0 || yields < 0) {
            throw new IllegalArgumentException("spins and yields must not be negative: " + spins + ", " + yields);
        }
        if (maxSleep == null || maxSleep.isNegative() || maxSleep.isZero()) {
            throw new IllegalArgumentException("maxSleep must be positive: " + maxSleep);
        }
    }
}
