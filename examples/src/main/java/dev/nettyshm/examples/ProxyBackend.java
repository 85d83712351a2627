package dev.nettyshm.examples;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The shared-memory side of one relay of the {@link SidecarProxy}: it relays what the backend sends to the relay's
 * TCP connection, reading the next bytes only when the last have been written there, and closes the TCP connection
 * when the backend's closes. See {@link ProxyFrontend} for the other direction.
 */
final class ProxyBackend extends ChannelInboundHandlerAdapter {

    private final Channel inbound;

    ProxyBackend(Channel inbound) {
        this.inbound = inbound;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ProxyFrontend.relay(msg, ctx.channel(), inbound);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ProxyFrontend.closeOnFlush(inbound);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ProxyFrontend.closeOnFlush(ctx.channel());
    }
}
