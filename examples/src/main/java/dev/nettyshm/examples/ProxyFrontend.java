package dev.nettyshm.examples;

import dev.nettyshm.channel.ShmAddress;
import dev.nettyshm.channel.ShmChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;

/**
 * The TCP side of one relay of the {@link SidecarProxy}: for an accepted TCP connection, whose auto-read is off, it
 * opens a shared-memory connection of its own to the backend and starts reading TCP only once that is up. From then
 * on it reads the next bytes only when the last have been written to the backend's connection, so a backend that
 * falls behind slows the TCP client down instead of filling the proxy's memory. When either side closes, the other
 * is closed once what was written to it has been flushed.
 *
 * <p>The two connections live on different event loops — a loop runs one kind of I/O, NIO or shared memory — and
 * Netty hands each write and read to the loop of its channel.
 */
final class ProxyFrontend extends ChannelInboundHandlerAdapter {

    private final EventLoopGroup shmGroup;
    private final ShmAddress backend;
    private final ChannelGroup relaying;
    private Channel outbound;

    /**
     * @param relaying where both channels of the relay are kept while open
     */
    ProxyFrontend(EventLoopGroup shmGroup, ShmAddress backend, ChannelGroup relaying) {
        this.shmGroup = shmGroup;
        this.backend = backend;
        this.relaying = relaying;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel inbound = ctx.channel();
        ChannelFuture connected = new Bootstrap().group(shmGroup).channel(ShmChannel.class)
                .option(ChannelOption.AUTO_READ, false).handler(new ProxyBackend(inbound)).connect(backend);
        outbound = connected.channel();
        relaying.add(inbound);
        relaying.add(outbound);
        connected.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                inbound.read();
            } else {
                inbound.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        relay(msg, ctx.channel(), outbound);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (outbound != null) {
            closeOnFlush(outbound);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeOnFlush(ctx.channel());
    }

    /**
     * Writes {@code msg}, read from {@code from}, to {@code to}, and reads {@code from} again only once the write
     * is done: one side is read only as fast as the other takes it.
     */
    static void relay(Object msg, Channel from, Channel to) {
        to.writeAndFlush(msg).addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                from.read();
            } else {
                future.channel().close();
            }
        });
    }

    /** Closes {@code channel} once everything written to it so far has been flushed. */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }
}
