package dev.nettyshm.channel;

import java.net.ConnectException;

/** The two sides of a connection could not agree on its segment; the message says why. */
final class HandshakeException extends ConnectException {

    private static final long serialVersionUID = 1L;

    HandshakeException(String message) {
        super(message);
    }
}
