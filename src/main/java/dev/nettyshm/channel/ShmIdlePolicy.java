package dev.nettyshm.channel;

import java.time.Duration;

/**
 * What an idle {@link ShmIoHandler} does when none of its rings has work: it spins {@code spins} times (each a
 * quick look at every ring), then yields the CPU {@code yields} times, then sleeps until a peer rings its doorbell,
 * a task arrives or {@code maxSleep} passes. Spinning keeps the round trip of a busy connection free of system
 * calls; yielding gives a peer on the same CPU its turn; sleeping costs no CPU at all.
 *
 * @param spins    looks at the rings before yielding
 * @param yields   {@link Thread#yield()}s before sleeping
 * @param maxSleep the longest sleep; also how often a sleeping loop looks at its rings regardless
 */
public record ShmIdlePolicy(int spins, int yields, Duration maxSleep) {

    /** Spin 2,000 times (about 50–100 µs), yield 20 times, then sleep up to a second. */
    public static final ShmIdlePolicy DEFAULT = new ShmIdlePolicy(2_000, 20, Duration.ofSeconds(1));

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
