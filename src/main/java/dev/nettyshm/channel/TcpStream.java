package dev.nettyshm.channel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.FileRegion;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The TCP side of a {@link ShmChannel} whose route is {@link ShmRoute#TCP}: a non-blocking socket in its loop's
 * selector, read and written the way Netty's NIO socket channel does — reads paced by the channel's
 * {@link RecvByteBufAllocator}, gathering writes of up to {@code writeSpinCount} attempts, {@code OP_WRITE} while the
 * socket's buffer is full, half-closure as configured.
 *
 * <p>Not thread-safe: confined to the channel's event loop.
 */
final class TcpStream implements SelectionHandler {

    /** Buffers gathered into one write: Linux's {@code IOV_MAX} is 1024. */
    private static final int MAX_GATHERED = 1024;

    private final ShmChannel channel;
    private final SocketChannel socket;
    private final Counters counters;
    /** The socket's key in the loop's selector; {@code null} while the channel is not registered. */
    private SelectionKey key;
    /** The interest the key has, or will have once registered. */
    private int interest;
    /** A read was asked for and not done yet: with auto-read off, the socket is read only then. */
    private boolean readPending;
    private boolean inputShutdown;
    private boolean outputShutdown;
    private boolean inputShutdownReadCompleteFired;

    TcpStream(ShmChannel channel, SocketChannel socket, Counters counters) throws IOException {
        this.channel = channel;
        this.socket = socket;
        this.counters = counters;
        socket.configureBlocking(false);
        channel.config().socketOptions().attach(socket);
    }

    SocketChannel socket() {
        return socket;
    }

    /**
     * Starts connecting to {@code remote}.
     *
     * @return whether the connection is made already; if not, {@link ShmChannel#tcpConnectable()} follows
     */
    boolean connect(InetSocketAddress remote) throws IOException {
        if (socket.connect(remote)) {
            return true;
        }
        interest(SelectionKey.OP_CONNECT, true);
        return false;
    }

    /** Ends a connect that the selector said may be done; throws the connect's failure. */
    void finishConnect() throws IOException {
        if (socket.finishConnect()) {
            interest(SelectionKey.OP_CONNECT, false);
        }
    }

    /** Joins {@code handler}'s selector. */
    void register(ShmIoHandler handler) throws IOException {
        key = handler.register(socket, interest, this);
    }

    /** Leaves the loop's selector. */
    void deregister() {
        if (key != null) {
            key.cancel();
            key = null;
        }
    }

    @Override
    public void selected(int readyOps) {
        if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
            channel.tcpConnectable();
            return;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            // The socket took what waited: write the rest (the flush clears OP_WRITE once all is written).
            channel.flushNow();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            read();
        }
    }

    void beginRead() {
        // Even after the input ended: a read then meets the end again, and the pipeline hears that all was read.
        readPending = true;
        interest(SelectionKey.OP_READ, true);
    }

    private void read() {
        if (inputShutdown && (inputShutdownReadCompleteFired || !channel.config().isAllowHalfClosure())) {
            // The end was met and told: a socket at its end stays readable, and would be selected forever.
            readPending = false;
            interest(SelectionKey.OP_READ, false);
            return;
        }
        RecvByteBufAllocator.ExtendedHandle allocHandle =
                (RecvByteBufAllocator.ExtendedHandle) channel.unsafe().recvBufAllocHandle();
        allocHandle.reset(channel.config());
        ChannelPipeline pipeline = channel.pipeline();
        ByteBufAllocator alloc = channel.config().receiveAllocator();
        ByteBuf buf = null;
        boolean end = false;
        try {
            do {
                buf = allocHandle.allocate(alloc);
                allocHandle.attemptedBytesRead(buf.writableBytes());
                int n = buf.writeBytes(socket, buf.writableBytes());
                allocHandle.lastBytesRead(n);
                if (n <= 0) {
                    buf.release();
                    buf = null;
                    end = n < 0;
                    break;
                }
                counters.add(Counters.BYTES_READ, n);
                counters.add(Counters.READS, 1);
                allocHandle.incMessagesRead(1);
                readPending = false;
                ByteBuf read = buf;
                buf = null;
                pipeline.fireChannelRead(read);
            } while (allocHandle.continueReading() && channel.isActive());
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            if (end) {
                endOfInput();
            }
        } catch (IOException e) {
            if (buf != null) {
                buf.release();
            }
            allocHandle.readComplete();
            pipeline.fireChannelReadComplete();
            pipeline.fireExceptionCaught(e);
            channel.unsafe().close(channel.unsafe().voidPromise());
        } finally {
            if (!readPending && !channel.config().isAutoRead()) {
                interest(SelectionKey.OP_READ, false);
            }
        }
    }

    /**
     * A read met the end of the input — the peer's FIN, or this side's shutdown of its input. The first time, with
     * half-closure allowed, the input shuts down and the pipeline hears {@link ChannelInputShutdownEvent}; without it,
     * the channel closes. A read after that meets the end again and tells the pipeline that everything was read
     * ({@link ChannelInputShutdownReadComplete}), once: the order of Netty's socket channels.
     */
    private void endOfInput() {
        if (!inputShutdown) {
            if (channel.config().isAllowHalfClosure() && channel.isActive()) {
                shutdownInput();
                channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            } else {
                channel.unsafe().close(channel.unsafe().voidPromise());
            }
        } else if (!inputShutdownReadCompleteFired) {
            inputShutdownReadCompleteFired = true;
            channel.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    /**
     * Writes what {@code in} holds, in up to {@code writeSpinCount} attempts; asks for {@code OP_WRITE} when the socket
     * takes no more, and flushes again later when the attempts ran out first.
     */
    void write(ChannelOutboundBuffer in) throws IOException {
        int spins = channel.config().getWriteSpinCount();
        while (spins-- > 0) {
            Object msg = in.current();
            if (msg == null) {
                interest(SelectionKey.OP_WRITE, false);
                return;
            }
            long written;
            if (msg instanceof ByteBuf) {
                ByteBuffer[] buffers = in.nioBuffers(MAX_GATHERED, Integer.MAX_VALUE);
                int count = in.nioBufferCount();
                if (count == 0) {
                    // Only empty buffers at the head: done with them.
                    in.removeBytes(0);
                    continue;
                }
                written = count == 1 ? socket.write(buffers[0]) : socket.write(buffers, 0, count);
                if (written > 0) {
                    in.removeBytes(written);
                }
            } else {
                FileRegion region = (FileRegion) msg;
                written = region.transferred() < region.count()
                        ? region.transferTo(socket, region.transferred()) : 0;
                if (written > 0) {
                    in.progress(written);
                }
                if (region.transferred() >= region.count()) {
                    in.remove();
                    counters.add(Counters.MESSAGES_WRITTEN, 1);
                    continue;
                }
            }
            if (written <= 0) {
                interest(SelectionKey.OP_WRITE, true);
                return;
            }
            counters.add(Counters.BYTES_WRITTEN, written);
        }
        // Out of attempts with the socket still taking bytes: let other channels of the loop run, then go on.
        if (!in.isEmpty()) {
            channel.eventLoop().execute(channel::flushNow);
        }
    }

    void shutdownOutput() throws IOException {
        if (!outputShutdown) {
            socket.shutdownOutput();
            outputShutdown = true;
        }
    }

    /** Shuts the input down; the next read meets its end (see {@link #endOfInput()}). */
    void shutdownInput() {
        if (inputShutdown) {
            return;
        }
        inputShutdown = true;
        try {
            socket.shutdownInput();
        } catch (IOException alreadyGone) {
            // Nothing more is read either way.
        }
    }

    boolean isInputShutdown() {
        return inputShutdown;
    }

    boolean isOutputShutdown() {
        return outputShutdown;
    }

    void close() throws IOException {
        deregister();
        socket.close();
    }

    private void interest(int op, boolean on) {
        int next = on ? interest | op : interest & ~op;
        if (next == interest) {
            return;
        }
        interest = next;
        if (key != null && key.isValid()) {
            key.interestOps(next);
        }
    }
}
