package dev.nettyshm.internal.ring;

import static dev.nettyshm.internal.ring.RingDescriptor.CONSUMER_WAITING_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.DATA;
import static dev.nettyshm.internal.ring.RingDescriptor.END_OF_STREAM;
import static dev.nettyshm.internal.ring.RingDescriptor.HEAD_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.MESSAGE;
import static dev.nettyshm.internal.ring.RingDescriptor.PADDING;
import static dev.nettyshm.internal.ring.RingDescriptor.PRODUCER_WAITING_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_HEADER_LENGTH;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_LENGTH_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.RECORD_TYPE_OFFSET;
import static dev.nettyshm.internal.ring.RingDescriptor.TAIL_OFFSET;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The reading end of a ring ({@link RingDescriptor}), as a byte stream: {@link #read} copies stream bytes out,
 * across and within records, and frees what it consumed with one release store per call. It stops before a
 * {@link RingDescriptor#MESSAGE} record, which {@link #readMessage} takes whole.
 *
 * <p>Not thread-safe: one thread reads. Every position, length and type read from shared memory is checked
 * before use; an impossible one throws {@link RingCorruptedException}, and no access leaves the ring's memory.
 */
public final class RingConsumer extends Ring {

    /** What {@link #peek} returns when no record is published past the head; no record type is 0. */
    private static final int NO_RECORD = 0;

    private long head;
    private int consumedOfRecord;
    private long tailCache;
    private boolean endOfStream;
    private int recordIndex;
    private int recordPayload;
    private int recordSpan;

    /**
     * @param memory the ring's memory, zeroed or left empty by an earlier pair
     * @param name   what error messages call the ring
     */
    public RingConsumer(MemorySegment memory, int capacity, String name) {
        super(memory, capacity, name, CONSUMER_WAITING_OFFSET);
    }

    /**
     * Copies up to {@code maxLength} stream bytes into {@code dst} from {@code offset}, stopping before a message.
     *
     * @return the number copied; 0 if none are available or a message is next; -1 at the end of the stream once
     *         every byte before it was read
     * @throws RingCorruptedException if the producer wrote something impossible
     */
    public int read(MemorySegment dst, long offset, int maxLength) throws RingCorruptedException {
        if (endOfStream) {
            return -1;
        }
        long start = head;
        int total = 0;
        while (total < maxLength) {
            int type = peek();
            if (type == DATA) {
                int n = Math.min(recordPayload - consumedOfRecord, maxLength - total);
                MemorySegment.copy(data, recordIndex + RECORD_HEADER_LENGTH + consumedOfRecord,
                        dst, offset + total, n);
                total += n;
                consumedOfRecord += n;
                if (consumedOfRecord < recordPayload) {
                    break;
                }
            } else if (type == END_OF_STREAM) {
                endOfStream = true;
                consume();
                break;
            } else if (type != PADDING) {
                // Nothing published, or a message: readMessage takes it whole.
                break;
            }
            consume();
        }
        publishHead(start);
        return total == 0 && endOfStream ? -1 : total;
    }

    /**
     * If the next record is a {@link RingDescriptor#MESSAGE}, copies it into {@code dst} from {@code offset}, which
     * has room for {@link RingDescriptor#MAX_MESSAGE_LENGTH} bytes, and consumes it. Padding before it is skipped.
     *
     * @return the message's length; -1 if the next record is not a message or there is none
     * @throws RingCorruptedException if the producer wrote something impossible
     */
    public int readMessage(MemorySegment dst, long offset) throws RingCorruptedException {
        if (endOfStream || consumedOfRecord != 0) {
            return -1;
        }
        long start = head;
        int type;
        while ((type = peek()) == PADDING) {
            consume();
        }
        int length = -1;
        if (type == MESSAGE) {
            MemorySegment.copy(data, recordIndex + RECORD_HEADER_LENGTH, dst, offset, recordPayload);
            length = recordPayload;
            consume();
        }
        publishHead(start);
        return length;
    }

    /**
     * Whether every byte has been read and the end-of-stream record is next; if so it is consumed. Lets a reader
     * notice the end without asking for bytes, as {@code EPOLLRDHUP} does for a socket.
     */
    public boolean atEndOfStream() throws RingCorruptedException {
        if (endOfStream) {
            return true;
        }
        if (consumedOfRecord != 0) {
            // The rest of a record is still to be read.
            return false;
        }
        long start = head;
        int type;
        while ((type = peek()) == PADDING || type == DATA && recordPayload == 0) {
            consume();
        }
        if (type == END_OF_STREAM) {
            endOfStream = true;
            consume();
        }
        publishHead(start);
        return endOfStream;
    }

    /** Bytes published and not yet consumed, by the last producer position seen; records' headers included. */
    public long pendingBytes() {
        return tailCache - head;
    }

    /** Whether the end-of-stream record was read. */
    public boolean isEndOfStream() {
        return endOfStream;
    }

    /** Whether a {@link #read} would find nothing: no bytes and no end of stream. */
    public boolean isEmpty() throws RingCorruptedException {
        return !endOfStream && head == tailCache && head == readTail();
    }

    /**
     * After reading: wakes the producer if it sleeps on its futex waiting for space; the flag is taken.
     *
     * @return as {@link RingProducer#publish()}: {@link Wakeup#NONE}, {@link Wakeup#FUTEX} (woken) or
     *         {@link Wakeup#DOORBELL} (the caller rings the producer's doorbell)
     */
    public Wakeup takeProducerWakeup() {
        // StoreLoad: our HEAD store before the producer's flag load, against its flag store before its HEAD load.
        VarHandle.fullFence();
        return wakeWaiter(PRODUCER_WAITING_OFFSET);
    }

    /**
     * Before sleeping on an empty ring: asks the producer to wake this side with its next publication.
     *
     * @param how {@link Wakeup#DOORBELL} or {@link Wakeup#FUTEX}
     * @return {@code true} to sleep; {@code false} if data arrived meanwhile (the word is withdrawn)
     * @throws IllegalArgumentException if {@code how} is {@link Wakeup#NONE}
     */
    public boolean prepareToSleep(Wakeup how) throws RingCorruptedException {
        announceSleep(how);
        // The volatile store and the volatile load in readTail() are the StoreLoad pair of the protocol.
        if (!isEmpty()) {
            cancelSleep();
            return false;
        }
        return true;
    }

    /**
     * Wakes a producer that sleeps on a futex waiting for space: this side is closing, and the producer should look
     * at the connection once more.
     */
    public void wakeProducer() {
        wakeWaiter(PRODUCER_WAITING_OFFSET);
    }

    /**
     * Reads and checks the header of the record at the head, reading the producer's position only once the cached
     * one is reached, and leaves the record's index, payload and span in {@link #recordIndex},
     * {@link #recordPayload} and {@link #recordSpan} for the caller.
     *
     * @return the record's type; {@link #NO_RECORD} if none is published past the head
     */
    private int peek() throws RingCorruptedException {
        if (head == tailCache && head == readTail()) {
            return NO_RECORD;
        }
        int index = (int) (head & mask);
        int payload = data.get(ValueLayout.JAVA_INT, index + RECORD_LENGTH_OFFSET);
        int type = data.get(ValueLayout.JAVA_INT, index + RECORD_TYPE_OFFSET);
        // Callers use these checked copies, never the header again: the producer may rewrite it after the check.
        recordSpan = checkRecord(index, payload, type);
        recordIndex = index;
        recordPayload = payload;
        return type;
    }

    /** Consumes the record {@link #peek} found, ending any partial read of it. */
    private void consume() {
        head += recordSpan;
        consumedOfRecord = 0;
    }

    /** Frees what this call consumed with one release store, and none when it consumed nothing. */
    private void publishHead(long start) {
        if (head != start) {
            putLongRelease(HEAD_OFFSET, head);
        }
    }

    private long readTail() throws RingCorruptedException {
        long tail = getLongVolatile(TAIL_OFFSET);
        checkOtherPosition("producer position", tail, tailCache, head, tail);
        tailCache = tail;
        return tail;
    }

    /** Checks the header of the record at {@code index}; returns the record's length in the ring. */
    private int checkRecord(int index, int length, int type) throws RingCorruptedException {
        long available = tailCache - head;
        if (length < 0 || length > capacity - RECORD_HEADER_LENGTH) {
            throw corrupt("record length " + length, index);
        }
        int record = RingDescriptor.recordLength(length);
        if (record > available || record > capacity - index) {
            throw corrupt("record of length " + length + " reaches past the published data (" + available
                    + " bytes) or the end of the ring", index);
        }
        switch (type) {
            case DATA -> {
                if (consumedOfRecord > length) {
                    throw corrupt("record length " + length + " changed under the reader (" + consumedOfRecord
                            + " bytes already read)", index);
                }
            }
            case PADDING -> {
                if (index + record != capacity) {
                    throw corrupt("padding record of length " + length + " does not end at the end of the ring",
                            index);
                }
            }
            case END_OF_STREAM -> {
                if (length != 0) {
                    throw corrupt("end-of-stream record of length " + length, index);
                }
            }
            case MESSAGE -> {
                if (length == 0 || length > RingDescriptor.MAX_MESSAGE_LENGTH || consumedOfRecord != 0) {
                    throw corrupt("message record of length " + length, index);
                }
            }
            default -> throw corrupt("record type " + type, index);
        }
        return record;
    }

    private RingCorruptedException corrupt(String what, int index) {
        return new RingCorruptedException(name + ": impossible " + what + " at position " + head + " (index "
                + index + ")");
    }
}
