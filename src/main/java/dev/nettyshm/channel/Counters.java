package dev.nettyshm.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A channel's counters: written by its event loop alone, read by any thread. One writer needs no atomic add;
 * opaque accesses keep each value whole and visible without a fence on the data path.
 */
final class Counters {

    static final int BYTES_WRITTEN = 0;
    static final int MESSAGES_WRITTEN = 1;
    static final int BYTES_READ = 2;
    static final int READS = 3;
    static final int DESCRIPTORS_SENT = 4;
    static final int DESCRIPTORS_RECEIVED = 5;
    static final int DOORBELLS_RUNG = 6;
    static final int DOORBELLS_RECEIVED = 7;
    static final int EMPTY_POLLS = 8;
    static final int SHARED_BYTES_WRITTEN = 9;
    static final int COPIED_BYTES_WRITTEN = 10;
    static final int SHARED_BYTES_READ = 11;
    static final int COPIED_BYTES_READ = 12;
    private static final int COUNT = 13;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class).withInvokeExactBehavior();

    private final long[] values = new long[COUNT];

    /** Adds {@code delta} to counter {@code index}; event loop only. */
    void add(int index, long delta) {
        SLOT.setOpaque(values, index, values[index] + delta);
    }

    private long get(int index) {
        return (long) SLOT.getOpaque(values, index);
    }

    ShmChannelMetrics snapshot(long poolFallbacks, long outRingFill, long inRingFill) {
        return new ShmChannelMetrics(get(BYTES_WRITTEN), get(MESSAGES_WRITTEN), get(BYTES_READ), get(READS),
                get(DESCRIPTORS_SENT), get(DESCRIPTORS_RECEIVED), get(SHARED_BYTES_WRITTEN),
                get(COPIED_BYTES_WRITTEN), get(SHARED_BYTES_READ), get(COPIED_BYTES_READ), poolFallbacks,
                get(DOORBELLS_RUNG), get(DOORBELLS_RECEIVED), get(EMPTY_POLLS), outRingFill, inRingFill);
    }
}
