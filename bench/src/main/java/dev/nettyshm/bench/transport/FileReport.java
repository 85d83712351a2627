package dev.nettyshm.bench.transport;

import dev.nettyshm.bench.BenchJvm;
import dev.nettyshm.bench.MarkdownTable;
import dev.nettyshm.bench.Units;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Serving a file between two JVMs with their event loops pinned to different CPUs: a {@link FileServer} writes a
 * 1 GiB file as a {@code DefaultFileRegion} to a {@link FileClient}, which checks a word of every buffer it receives
 * and asks for the file again. This transport — which reads the file into its shared pool, or into its ring with
 * {@code POOL_SIZE} 0 — against epoll's {@code sendfile} over a Unix domain socket and over TCP, and NIO TCP, whose
 * {@code FileChannel.transferTo} is {@code sendfile} too. The file lies in a temporary directory on disk and in the
 * page cache, as the files a static-file server mostly serves do; each 8-byte word of it holds its offset.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:exec@bench-files} (about a minute; {@code -Dbench.args=quick} for a
 * smoke run).
 */
public final class FileReport {

    private static final long SIZE = 1L << 30;
    private static final Contender SHM = Contender.of(Transport.SHM);
    private static final List<Contender> ROWS = List.of(SHM, Contender.SHM_COPY_PATH,
            Contender.of(Transport.EPOLL_UDS), Contender.of(Transport.EPOLL_TCP), Contender.of(Transport.NIO_TCP));

    private FileReport() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("quick");
        int count = quick ? 2 : 5;
        long warmupMillis = quick ? 1_000 : 3_000;
        Path dir = Files.createTempDirectory("bench-files-");
        Path file = dir.resolve("served.bin");
        try {
            write(file);
            MarkdownTable table = new MarkdownTable("transport", "GB/s", "shared memory ÷ it");
            List<Long> rates = new ArrayList<>();
            for (Contender row : ROWS) {
                rates.add(measure(row, file, count, warmupMillis));
            }
            for (int i = 0; i < ROWS.size(); i++) {
                table.row(ROWS.get(i).label(), Units.gigabytes(rates.get(i)), Units.ratio(rates.get(0), rates.get(i)));
            }
            System.out.println("### A 1 GiB file served as a `DefaultFileRegion`, two JVMs on different CPUs\n\n"
                    + table);
        } finally {
            Files.deleteIfExists(file);
            Files.delete(dir);
        }
    }

    /** Writes {@link #SIZE} bytes whose 8-byte words hold their offsets; they stay in the page cache. */
    private static void write(Path file) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long offset = 0; offset < SIZE; offset += chunk.capacity()) {
                chunk.clear();
                for (int i = 0; i < chunk.capacity(); i += 8) {
                    chunk.putLong(i, offset + i);
                }
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
        }
    }

    /** Bytes per second of {@code count} files after the warm-up, each run in fresh server and client JVMs. */
    private static long measure(Contender row, Path file, int count, long warmupMillis) throws Exception {
        Transport transport = row.transport();
        Placement placement = Placement.DIFFERENT_CPUS;
        Process server = BenchJvm.start(List.of(), FileServer.class, List.of(transport.name(), placement.serverCpu,
                file.toString()));
        try {
            String address = BenchJvm.awaitReady(server);
            List<String> options = new ArrayList<>(row.clientOptions());
            options.add("-Dbench.warmupMillis=" + warmupMillis);
            long rate = BenchJvm.numbers(BenchJvm.resultOf(BenchJvm.start(options, FileClient.class, List.of(
                    transport.name(), placement.clientCpu, address, String.valueOf(SIZE), String.valueOf(count)))))[0];
            System.err.printf("%s: %s GB/s%n", row.label(), Units.gigabytes(rate));
            return rate;
        } finally {
            BenchJvm.stop(server);
        }
    }
}
