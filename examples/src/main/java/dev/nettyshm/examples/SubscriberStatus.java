package dev.nettyshm.examples;

import io.netty.buffer.ByteBuf;
import org.HdrHistogram.Histogram;

/**
 * What a {@link TickSubscriber} tells the {@link TickPublisher}, back over its connection: once when it connects, to
 * say who it is, and once when the feed has ended, to report its run. {@value #BYTES} bytes on the wire.
 *
 * @param index    the subscriber's number, from 1
 * @param pid      its process
 * @param ticks    ticks received
 * @param gaps     ticks missing from the sequence it received
 * @param measured ticks received after the warm-up
 * @param nanos    from its first measured tick to its last
 * @param steady   latency of the ticks sent at the steady rate, after the warm-up
 * @param burst    latency of the ticks sent in bursts, after the warm-up
 */
record SubscriberStatus(int index, long pid, long ticks, long gaps, long measured, long nanos, Latency steady,
        Latency burst) {

    static final int BYTES = Integer.BYTES + 11 * Long.BYTES;

    /** Percentiles of a latency histogram, in nanoseconds. */
    record Latency(long p50, long p99, long p999) {

        static Latency of(Histogram histogram) {
            return new Latency(histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99),
                    histogram.getValueAtPercentile(99.9));
        }

        @Override
        public String toString() {
            return String.format("%.1f / %.1f / %.1f", p50 / 1e3, p99 / 1e3, p999 / 1e3);
        }
    }

    /** The introduction: who is on this connection. */
    static SubscriberStatus hello(int index) {
        Latency none = new Latency(0, 0, 0);
        return new SubscriberStatus(index, ProcessHandle.current().pid(), 0, 0, 0, 0, none, none);
    }

    /** Ticks per second over the measured part of the run. */
    long rate() {
        return nanos == 0 ? 0 : Math.round(measured * 1e9 / nanos);
    }

    void writeTo(ByteBuf out) {
        out.writeInt(index).writeLong(pid).writeLong(ticks).writeLong(gaps).writeLong(measured).writeLong(nanos);
        for (Latency latency : new Latency[] {steady, burst}) {
            out.writeLong(latency.p50).writeLong(latency.p99).writeLong(latency.p999);
        }
    }

    static SubscriberStatus readFrom(ByteBuf in) {
        return new SubscriberStatus(in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                in.readLong(),
                new Latency(in.readLong(), in.readLong(), in.readLong()),
                new Latency(in.readLong(), in.readLong(), in.readLong()));
    }
}
