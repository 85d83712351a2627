package dev.nettyshm.channel;

import java.time.Duration;

/**
 * What an idle {@link ShmIoHandler} does when none of its rings has work: it keeps looking at them for {@code spin}
 * after they went quiet, then yields the CPU {@code yields} times, then sleeps until a peer wakes it, a task
 * arrives or {@code maxSleep} passes. Spinning keeps a busy connection free of system calls; yielding gives a peer on
 * the same CPU its turn; sleeping costs no CPU at all. A loop whose yields run another thread shares its CPU, and
 * skips the spinning until a yield finds the CPU free again; a long spin yields once every 10 µs to find out. A loop
 * with no ring to watch — only a listening server, handshakes or connections over TCP — neither spins nor yields: it
 * sleeps in its selector at once, as Netty's NIO loop does.
 *
 * <p>With {@code futex}, a loop whose channels are all connected sleeps on futexes in their segments where the kernel
 * has them (Linux 5.16 and later): a peer's wake-up then costs one system call on each side. Otherwise, and always
 * while the loop listens or handshakes, it sleeps in a {@code Selector} over the connections' sockets, and a peer
 * wakes it by writing a byte to the socket. See {@code docs/decisions/006-futex-sleep.md}.
 *
 * @param spin     how long to keep looking at the rings once they are quiet, before yielding
 * @param yields   {@link Thread#yield()}s before sleeping
 * @param maxSleep the longest sleep; also how often a sleeping loop looks at its rings regardless
 * @param futex    whether to sleep on futexes where possible; {@code false} forces the portable selector sleep
 */
public record ShmIdlePolicy(Duration spin, int yields, Duration maxSleep, boolean futex) {

    /**
     * Spin 50 µs, yield 10 times, then sleep up to a second, on futexes where possible — unless the system property
     * {@code dev.nettyshm.futex} is {@code false}. The spin lasts about as long as a sleep and its wake-up cost on the
     * development VM (25–100 µs): spinning as long as blocking would cost wastes at most that much, while a loop that
     * sleeps sooner pays a wake-up in the gaps of a steady stream. Measured there between two JVMs: spinning a few µs,
     * the receiver of 1 MiB messages slept between them, and its sender spent a sixth of its time waking it; 1 MiB
     * one-way ran at 22–31 GB/s in three runs spinning 5 µs, at 28–40 GB/s spinning 50 µs. The yields hand the CPU over
     * when both loops share one (an 11 µs round trip). A longer yield phase bought nothing there and cost elsewhere:
     * with 1,000 yields (about 1.3 ms) a message 2 ms after the last reached the peer's handler in 76 µs instead of 16
     * µs, and while other threads (a JIT compiling, say) had the CPU, every yield waited for their time slice before
     * the loop looked at its rings again.
     */
    public static final ShmIdlePolicy DEFAULT = new ShmIdlePolicy(Duration.ofNanos(50_000), 10, Duration.ofSeconds(1),
            !"false".equals(System.getProperty("dev.nettyshm.futex")));

    /**
     * @throws IllegalArgumentException if {@code spin} or {@code yields} is negative or {@code maxSleep} is not
     *                                  positive
     */
    public ShmIdlePolicy {
        if (spin == null || spin.isNegative() || yields < 0) {
            throw new IllegalArgumentException("spin and yields must not be negative: " + spin + ", " + yields);
        }
        if (maxSleep == null || maxSleep.isNegative() || maxSleep.isZero()) {
            throw new IllegalArgumentException("maxSleep must be positive: " + maxSleep);
        }
    }

    /** A policy that sleeps as {@link #DEFAULT} does: on futexes where possible. */
    public ShmIdlePolicy(Duration spin, int yields, Duration maxSleep) {
        this(spin, yields, maxSleep, DEFAULT.futex());
    }

    /** This policy, sleeping on futexes where possible or always in the selector. */
    public ShmIdlePolicy withFutex(boolean futex) {
        return new ShmIdlePolicy(spin, yields, maxSleep, futex);
    }
}
