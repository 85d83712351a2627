package dev.nettyshm.internal.ring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linux futexes on 32-bit words of shared memory, through the C library's {@code syscall} — no JNI. A thread sleeps
 * in {@link FutexWaitSet#await} on one or more words, each while it holds an expected value; another thread, in
 * this process or in any process that maps the same file, changes a word and calls {@link #wake}. The kernel keys a
 * shared futex by the file and offset, not by the address, so each process may map the file where it likes, and
 * the file need not have a name any more.
 *
 * <p>Waiting on several words at once takes {@code futex_waitv}, Linux 5.16 and later. {@link #AVAILABLE} says
 * whether this JVM has it: false on other systems and architectures, on older kernels and where a seccomp policy
 * refuses the call; callers then sleep in a selector instead.
 *
 * <p>Thread-safe: stateless.
 */
public final class Futex {

    /** Whether futexes, {@code futex_waitv} included, work here. */
    public static final boolean AVAILABLE;

    static final int FUTEX_WAKE = 1;
    static final int FUTEX_PRIVATE_FLAG = 128;
    /** {@code futex_waitv} flags: a 32-bit word. */
    static final int FUTEX2_SIZE_U32 = 0x02;
    static final int CLOCK_MONOTONIC = 1;
    private static final int EAGAIN = 11;

    private static final long SYS_FUTEX;
    private static final long SYS_FUTEX_WAITV = 449;
    static final MethodHandle FUTEX;
    static final MethodHandle FUTEX_WAITV;
    /** {@code long syscall(SYS_futex_waitv, waiters, count, flags, deadline, clock)}. */
    private static final FunctionDescriptor WAITV = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);

    static {
        String arch = System.getProperty("os.arch");
        boolean linux = System.getProperty("os.name").equals("Linux");
        // futex is 202 on x86-64 and 98 on the generic table arm64 uses; futex_waitv is 449 on both.
        SYS_FUTEX = arch.equals("amd64") || arch.equals("x86_64") ? 202 : arch.equals("aarch64") ? 98 : -1;
        MethodHandle futex = null;
        MethodHandle waitv = null;
        boolean available = false;
        if (linux && SYS_FUTEX > 0) {
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment syscall = linker.defaultLookup().find("syscall").orElseThrow();
                // long syscall(long number, ...): the arguments after the number are variadic.
                futex = link(linker, syscall, FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                        Linker.Option.firstVariadicArg(1));
                waitv = link(linker, syscall, WAITV, Linker.Option.firstVariadicArg(1));
                available = probe(linker, syscall);
            } catch (RuntimeException refused) {
                // No syscall symbol, or native access denied (--illegal-native-access=deny without
                // --enable-native-access for this code): loops sleep in their selectors.
                futex = null;
                waitv = null;
            }
        }
        FUTEX = futex;
        FUTEX_WAITV = waitv;
        AVAILABLE = available;
    }

    private Futex() {
    }

    /**
     * A handle on the C library's {@code syscall}. Restricted: it needs the native access the library asks for, and
     * without it the caller finds futexes unavailable.
     */
    @SuppressWarnings("restricted")
    private static MethodHandle link(Linker linker, MemorySegment syscall, FunctionDescriptor call,
            Linker.Option... options) {
        return linker.downcallHandle(syscall, call, options);
    }

    /**
     * Wakes every thread, of any process, that waits on {@code word} — four bytes of a shared mapping.
     *
     * @throws IllegalStateException if futexes are not {@link #AVAILABLE}
     */
    public static void wake(MemorySegment word) {
        wake(word, 0);
    }

    /**
     * Wakes the threads of this process that wait on {@code word}, a private futex: cheaper, for words no other
     * process waits on.
     *
     * @throws IllegalStateException if futexes are not {@link #AVAILABLE}
     */
    public static void wakePrivate(MemorySegment word) {
        wake(word, FUTEX_PRIVATE_FLAG);
    }

    private static void wake(MemorySegment word, int flags) {
        if (!AVAILABLE) {
            throw new IllegalStateException("futexes are not available here");
        }
        try {
            long ignored = (long) FUTEX.invokeExact(SYS_FUTEX, word, FUTEX_WAKE | flags, Integer.MAX_VALUE,
                    MemorySegment.NULL);
        } catch (Throwable e) {
            throw new IllegalStateException("futex wake failed", e);
        }
    }

    static long waitv(MemorySegment waiters, int count, MemorySegment deadline) {
        try {
            return (long) FUTEX_WAITV.invokeExact(SYS_FUTEX_WAITV, waiters, count, 0, deadline, CLOCK_MONOTONIC);
        } catch (Throwable e) {
            throw new IllegalStateException("futex_waitv failed", e);
        }
    }

    /**
     * Whether {@code futex_waitv} works: one wait on a word that does not hold the expected value must fail at once
     * with EAGAIN, where a kernel without the call says ENOSYS and a seccomp policy EPERM.
     */
    private static boolean probe(Linker linker, MemorySegment syscall) {
        StructLayout callState = Linker.Option.captureStateLayout();
        VarHandle errno = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        MethodHandle checked = link(linker, syscall, WAITV, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(1));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment waiters = arena.allocate(FutexWaitSet.WAITER_LENGTH, 8);
            FutexWaitSet.putWaiter(waiters, 0, word, 1, FUTEX_PRIVATE_FLAG);
            MemorySegment state = arena.allocate(callState);
            long result = (long) checked.invokeExact(state, SYS_FUTEX_WAITV, waiters, 1, 0, MemorySegment.NULL,
                    CLOCK_MONOTONIC);
            return result == -1 && (int) errno.get(state, 0L) == EAGAIN;
        } catch (Throwable e) {
            return false;
        }
    }
}
