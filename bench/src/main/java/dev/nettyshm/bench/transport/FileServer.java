package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import java.io.File;
import java.util.UUID;

/**
 * The serving side of {@link FileReport}, in its own JVM: {@code FileServer TRANSPORT CPU FILE}, its event loops —
 * one accepts, one serves — pinned to CPU. Prints {@code ready ADDRESS} and serves until its input closes: each byte
 * a connection sends asks for the whole FILE, which the server writes as a {@link DefaultFileRegion} opened for the
 * request, as a static-file handler does.
 */
public final class FileServer {

    private FileServer() {
    }

    public static void main(String[] args) throws Exception {
        File file = new File(args[2]);
        BenchServer.serve(Transport.valueOf(args[0]), args[1], "bench-files-" + UUID.randomUUID(),
                () -> new Serve(file));
    }

    /** One connection's server side: a file for every byte of request. */
    private static final class Serve extends ChannelInboundHandlerAdapter {
        private final File file;

        Serve(File file) {
            this.file = file;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf requests = (ByteBuf) msg;
            for (int i = requests.readableBytes(); i > 0; i--) {
                ctx.write(new DefaultFileRegion(file, 0, file.length()));
            }
            requests.release();
            ctx.flush();
        }
    }
}
