package dev.nettyshm.bench.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.File;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

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
        // Logback, which Netty's testsuite brings onto the class path, would take half a second of the JVM's start.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        Transport transport = Transport.valueOf(args[0]);
        File file = new File(args[2]);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory);
        try {
            Pinning.pin(boss, args[1]);
            Pinning.pin(group, args[1]);
            Channel server = BenchServer.bind(transport, boss, group, "bench-files-" + UUID.randomUUID(),
                    () -> new Serve(file));
            System.out.println("ready " + Transport.describe(server.localAddress()));
            System.out.flush();
            while (System.in.read() >= 0) {
                // Serve until the parent closes our input.
            }
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
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
