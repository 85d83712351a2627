package dev.nettyshm.bench;

import java.util.Locale;

/** How the reports write sizes, times and rates. */
public final class Units {

    private Units() {
    }

    /** {@code 64 B}, {@code 4 KiB}, {@code 1 MiB}. */
    public static String size(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        return bytes >= 1024 && bytes % 1024 == 0 ? (bytes >> 10) + " KiB" : bytes + " B";
    }

    /** Nanoseconds as microseconds with two decimals. */
    public static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e3);
    }

    /** A count or rate with thousands separators and no decimals. */
    public static String whole(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Bytes per second as megabytes (10⁶ bytes) per second, as the Go package's tables count them. */
    public static String megabytes(double bytesPerSecond) {
        return whole(bytesPerSecond / 1e6);
    }

    /** Bytes per second as gigabytes (10⁹ bytes) per second, with two decimals. */
    public static String gigabytes(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.2f", bytesPerSecond / 1e9);
    }

    /** {@code value} as a multiple of {@code reference}, to two significant digits: {@code 0.050×}, {@code 17×}. */
    public static String ratio(double value, double reference) {
        double ratio = value / reference;
        String format = ratio >= 10 ? "%.0f×" : ratio >= 1 ? "%.1f×" : ratio >= 0.1 ? "%.2f×" : "%.3f×";
        return String.format(Locale.ROOT, format, ratio);
    }
}
