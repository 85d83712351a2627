package dev.nettyshm.channel;

/** The attachment of a socket's {@link java.nio.channels.SelectionKey} in a {@link ShmIoHandler}'s selector. */
interface SelectionHandler {

    /** The socket is ready for {@code readyOps}. */
    void selected(int readyOps);
}
