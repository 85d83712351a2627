package dev.nettyshm.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nettyshm.internal.ring.Wakeup;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JVM throws the fault of touching a truncated mapping at a safepoint some way after the access, so it can
 * surface anywhere in a loop's run. Wherever it does, the loop lives on: the handles whose memory is cut close, and
 * the channels beside them go on. A stand-in handle raises the fault where no poll is running, as the JVM may.
 */
class LoopFaultTest {

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ShmIoHandler.newFactory());
    private final IoEventLoop loop = (IoEventLoop) group.next();

    @AfterEach
    void shutdown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldCloseTheCutHandleAndKeepEchoingWhenAFaultSurfacesAsTheLoopGoesToSleep() throws Exception {
        Channel server = echoServer();
        Channel client = connect(server);
        assertEchoes(client, 1);
        FaultingHandle faulting = new FaultingHandle(true);
        loop.register(faulting).sync();

        assertThat(faulting.askedIfCut.get(5, TimeUnit.SECONDS)).hasMessageContaining("unsafe memory access");
        assertThat(loop.submit(() -> "alive").get(5, TimeUnit.SECONDS)).isEqualTo("alive");
        assertEchoes(client, 2);
        server.close().sync();
    }

    @Test
    void shouldKeepTheLoopWhenNoHandleExplainsTheFault() throws Exception {
        FaultingHandle faulting = new FaultingHandle(false);
        loop.register(faulting).sync();

        faulting.askedIfCut.get(5, TimeUnit.SECONDS);
        assertThat(loop.submit(() -> "alive").get(5, TimeUnit.SECONDS)).isEqualTo("alive");
        Channel server = echoServer();
        assertEchoes(connect(server), 3);
        server.close().sync();
    }

    private Channel echoServer() throws InterruptedException {
        return new ServerBootstrap().group(group).channel(ShmServerChannel.class)
                .childHandler(new EchoHandler()).bind(new ShmAddress("loop-fault-" + UUID.randomUUID())).sync()
                .channel();
    }

    private Channel connect(Channel server) throws InterruptedException {
        return new Bootstrap().group(group).channel(ShmChannel.class).handler(new ChannelInboundHandlerAdapter())
                .connect(server.localAddress()).sync().channel();
    }

    private static void assertEchoes(Channel client, int value) throws Exception {
        CompletableFuture<Object> echo = new CompletableFuture<>();
        client.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.pipeline().remove(this);
                echo.complete(msg);
            }
        });
        client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) value})).sync();
        Object msg = echo.get(5, TimeUnit.SECONDS);
        assertThat(((ByteBuf) msg).getByte(0)).isEqualTo((byte) value);
        ReferenceCountUtil.release(msg);
    }

    /** Raises one fault as the loop prepares to sleep, and says whether its memory is cut. */
    private static final class FaultingHandle implements ShmIoHandle {

        private final boolean cut;
        final CompletableFuture<InternalError> askedIfCut = new CompletableFuture<>();
        private boolean faulted;
        private IoRegistration registration;

        FaultingHandle(boolean cut) {
            this.cut = cut;
        }

        @Override
        public void registered(ShmIoHandler handler, IoRegistration registration) {
            this.registration = registration;
        }

        @Override
        public int poll() {
            return 0;
        }

        @Override
        public boolean prepareToSleep(Wakeup how) {
            if (!faulted) {
                faulted = true;
                throw new InternalError("a fault occurred in an unsafe memory access operation");
            }
            return true;
        }

        @Override
        public boolean needsSelector() {
            return false;
        }

        @Override
        public void cancelSleep() {
        }

        @Override
        public boolean closeIfCut(InternalError fault) {
            askedIfCut.complete(fault);
            if (cut) {
                registration.cancel();
            }
            return cut;
        }

        @Override
        public void close() {
            registration.cancel();
        }
    }
}
