package dev.nettyshm.mmap;

/** A byte pattern that both processes of a test can compute: byte {@code i} of seed {@code s}. */
final class Pattern {

    private Pattern() {
    }

    static byte at(long seed, long index) {
        long x = (index + 1) * 0x9E3779B97F4A7C15L ^ seed;
        x ^= x >>> 29;
        return (byte) (x * 0xBF58476D1CE4E5B9L >>> 56);
    }

    static void fill(MappedRegion region, long seed) throws java.io.IOException {
        byte[] chunk = new byte[64 * 1024];
        long size = region.size();
        for (long base = 0; base < size; base += chunk.length) {
            int n = (int) Math.min(chunk.length, size - base);
            for (int i = 0; i < n; i++) {
                chunk[i] = at(seed, base + i);
            }
            region.writeAt(base, chunk, 0, n);
        }
    }

    /** The first index whose byte differs from the pattern, or -1. */
    static long firstMismatch(MappedRegion region, long seed) throws java.io.IOException {
        byte[] chunk = new byte[64 * 1024];
        long size = region.size();
        for (long base = 0; base < size; base += chunk.length) {
            int n = region.readAt(base, chunk);
            for (int i = 0; i < n; i++) {
                if (chunk[i] != at(seed, base + i)) {
                    return base + i;
                }
            }
        }
        return -1;
    }
}
