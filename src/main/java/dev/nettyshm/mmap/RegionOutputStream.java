package dev.nettyshm.mmap;

import java.io.IOException;
import java.io.OutputStream;

/** {@link MappedRegion#outputStream()}: writes at the region's position. */
final class RegionOutputStream extends OutputStream {

    private final MappedRegion region;

    RegionOutputStream(MappedRegion region) {
        this.region = region;
    }

    @Override
    public void write(int b) throws IOException {
        region.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        region.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
        region.close();
    }
}
