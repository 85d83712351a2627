package dev.nettyshm.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A thread as the kernel sees it, through {@code /proc}: for a test that must know a thread is blocked before it
 * wakes it, or before it acts on a sleeping one. Java cannot tell: a thread in a native downcall or in a selector is
 * {@code RUNNABLE} to it. Linux only.
 *
 * @param path the thread's directory, {@code /proc/<pid>/task/<tid>}
 */
public record KernelTask(Path path) {

    /** Where the kernel has a thread asleep in {@code futex_waitv}. */
    public static final String FUTEX_WAITV = "futex_wait_multiple";
    /** Where the kernel has a thread asleep in {@code epoll_wait}: a Java selector's sleep. */
    public static final String EPOLL_WAIT = "do_epoll_wait";

    /** The calling thread. */
    public static KernelTask current() throws IOException {
        return named(Files.readSymbolicLink(Path.of("/proc/thread-self")).toString());
    }

    /** The thread of any process named as {@link #name()} names it: for a thread another process announces. */
    public static KernelTask named(String name) {
        return new KernelTask(Path.of("/proc", name));
    }

    /** {@code <pid>/task/<tid>}: what a process prints for another to find this thread. */
    public String name() {
        return Path.of("/proc").relativize(path).toString();
    }

    /** Waits until the thread sleeps in one of the kernel {@code functions}; fails after {@code bound}. */
    public void awaitAsleepIn(Duration bound, String... functions) throws Exception {
        List<String> wanted = List.of(functions);
        long deadline = System.nanoTime() + bound.toNanos();
        String seen;
        while (!(wanted.contains(seen = wchan()) && state() == 'S')) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(path + " not asleep in " + wanted + " within " + bound + "; last seen in '"
                        + seen + "', state " + state());
            }
            Thread.sleep(1);
        }
    }

    /** The kernel function the thread sleeps in, {@code 0} while it runs. */
    private String wchan() throws IOException {
        return Files.readString(path.resolve("wchan")).strip();
    }

    /** {@code S} asleep and interruptible, {@code R} running, …: the field after the command in {@code stat}. */
    private char state() throws IOException {
        String stat = Files.readString(path.resolve("stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
