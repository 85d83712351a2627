package dev.nettyshm.examples;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/** What an example's process does however it ends short of a SIGKILL — by Ctrl-C, say. */
final class OnExit {

    private OnExit() {
    }

    /**
     * Shuts {@code group} down when the JVM exits, which closes its channels: a shared-memory server left open would
     * leave its socket and lock files in {@code /dev/shm}. After a normal shutdown this does nothing.
     */
    static void shutDown(EventLoopGroup group) {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly()));
    }
}
