package dev.nettyshm.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kernel's ways between two threads of one process, as the Go package godcong/mmap measures them beside its
 * shared memory. {@link #tcpRoundTrip}: the benchmark thread writes {@code size} bytes to a loopback TCP socket
 * ({@code TCP_NODELAY}, as Go's sockets have by default) and reads them back from an echo thread, which reads all
 * {@code size} bytes before it answers. {@link #pipeOneWay}: the benchmark thread writes {@code size} bytes into
 * a {@link Pipe} (on Linux an OS pipe) and waits for a reader thread's one-byte acknowledgement, sent through a
 * second pipe once it has read them all — one way, as Go's pipe benchmark, which waits for its reader.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class LoopbackBenchmark {

    /** A connected loopback socket pair, its far end served by an echo thread. */
    @State(Scope.Thread)
    public static class TcpEcho {
        @Param({"1024", "4096", "16384", "65536", "262144", "1048576"})
        public int size;

        private ServerSocketChannel server;
        private SocketChannel client;
        private Thread echo;
        private ByteBuffer data;
        private ByteBuffer reply;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client = SocketChannel.open(server.getLocalAddress());
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SocketChannel peer = server.accept();
            peer.setOption(StandardSocketOptions.TCP_NODELAY, true);
            echo = Thread.ofPlatform().daemon().name("tcp-echo").start(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(size);
                try (peer) {
                    for (;;) {
                        readFully(peer, buffer.clear());
                        writeFully(peer, buffer.flip());
                    }
                } catch (IOException closed) {
                    // The benchmark closed its end.
                }
            });
            data = filled(size);
            reply = ByteBuffer.allocateDirect(size);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            client.close();
            echo.join(10_000);
            server.close();
        }
    }

    /** A pipe to a reader thread, and a pipe back for its acknowledgements. */
    @State(Scope.Thread)
    public static class PipeToReader {
        @Param({"1024", "4096", "16384", "65536", "262144", "1048576"})
        public int size;

        private Pipe forward;
        private Pipe back;
        private Thread reader;
        private ByteBuffer data;
        private final ByteBuffer ack = ByteBuffer.allocateDirect(1);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            forward = Pipe.open();
            back = Pipe.open();
            reader = Thread.ofPlatform().daemon().name("pipe-reader").start(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(size);
                ByteBuffer done = ByteBuffer.allocateDirect(1);
                try (Pipe.SourceChannel in = forward.source(); Pipe.SinkChannel out = back.sink()) {
                    for (;;) {
                        readFully(in, buffer.clear());
                        writeFully(out, done.clear().put(0, (byte) '!'));
                    }
                } catch (IOException closed) {
                    // The benchmark closed its end.
                }
            });
            data = filled(size);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            forward.sink().close();
            reader.join(10_000);
            back.source().close();
        }
    }

    @Benchmark
    public ByteBuffer tcpRoundTrip(TcpEcho tcp) throws IOException {
        writeFully(tcp.client, tcp.data.clear());
        readFully(tcp.client, tcp.reply.clear());
        return tcp.reply;
    }

    @Benchmark
    public ByteBuffer pipeOneWay(PipeToReader pipe) throws IOException {
        writeFully(pipe.forward.sink(), pipe.data.clear());
        readFully(pipe.back.source(), pipe.ack.clear());
        return pipe.ack;
    }

    private static ByteBuffer filled(int size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            buffer.put(i, (byte) i);
        }
        return buffer;
    }

    private static void readFully(ReadableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the peer closed with " + buffer.remaining() + " bytes still to come");
            }
        }
    }

    private static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
