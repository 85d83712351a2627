package dev.nettyshm.mmap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/** {@link MappedRegion#inputStream()}: reads at the region's position. */
final class RegionInputStream extends InputStream {

    private final MappedRegion region;

    RegionInputStream(MappedRegion region) {
        this.region = region;
    }

    @Override
    public int read() throws IOException {
        return region.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : region.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        long position = region.position();
        long skipped = Math.min(n, Math.max(0, region.size() - position));
        region.position(position + skipped);
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, region.size() - region.position()));
    }

    @Override
    public void close() throws IOException {
        region.close();
    }
}
