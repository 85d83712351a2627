package dev.nettyshm.examples.grpc;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic message contents: the same index and size give the same bytes in every process, so a receiver
 * checks every byte without being sent the expected ones. Pseudo-random, so that a lost, repeated or misplaced
 * chunk of a message cannot match by accident.
 */
public final class Payloads {

    private Payloads() {
    }

    /** The message numbered {@code index}, {@code size} bytes long. */
    public static byte[] of(long index, int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(index).nextBytes(bytes);
        return bytes;
    }

    /** Whether {@code message} is exactly {@link #of of(index, size)}. */
    public static boolean matches(byte[] message, long index, int size) {
        return message.length == size && Arrays.equals(message, of(index, size));
    }
}
