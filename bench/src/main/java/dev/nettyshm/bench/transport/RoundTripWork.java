package dev.nettyshm.bench.transport;

/** What the two sides of a ping-pong do with each message: {@link BenchClient}'s last argument, the server's mode. */
enum RoundTripWork {
    /** The client sends a buffer it zeroed; the server writes back the buffers it read. */
    ECHO('P'),
    /**
     * The client sends a buffer it zeroed; the server answers with a copy of what it read, in a buffer from its
     * channel's allocator, as a handler that builds its reply from the request does: it reads every byte.
     */
    REFILL('R'),
    /**
     * The one-way measurements' honest work, both ways: each side fills its message by copying a {@link Payload}
     * into a buffer from its channel's allocator, and checks the first and last 8 bytes of each message it receives
     * before releasing it.
     */
    FILL('F');

    final char mode;

    RoundTripWork(char mode) {
        this.mode = mode;
    }
}
