package dev.nettyshm.channel;

import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import java.util.function.Consumer;

/** Registering a channel's handle with its {@link IoEventLoop}, the same for both kinds of channel. */
final class Registrations {

    private Registrations() {
    }

    /** Registers {@code handle} with {@code loop}; hands the registration over, then completes {@code promise}. */
    static void register(EventLoop loop, ShmIoHandle handle, ChannelPromise promise,
            Consumer<IoRegistration> registered) {
        ((IoEventLoop) loop).register(handle).addListener(f -> {
            if (f.isSuccess()) {
                registered.accept((IoRegistration) f.getNow());
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /** Cancels {@code registration} if there is one; returns {@code null} for the caller's field. */
    static IoRegistration cancel(IoRegistration registration) {
        if (registration != null) {
            registration.cancel();
        }
        return null;
    }
}
