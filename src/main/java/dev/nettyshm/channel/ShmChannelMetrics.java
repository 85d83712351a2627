package dev.nettyshm.channel;

/**
 * A snapshot of a {@link ShmChannel}'s counters, from {@link ShmChannel#metrics()}; all counts since the channel
 * was created. A connection on the TCP path ({@link ShmRoute#TCP}) counts {@code bytesWritten}, {@code bytesRead},
 * {@code reads} and the file regions among {@code messagesWritten}; its shared and copied counts stay 0, which is how
 * they tell the paths apart.
 *
 * @param bytesWritten        bytes this side put into the connection, by copy or by descriptor, those of file
 *                            regions included
 * @param messagesWritten     buffers and file regions written whole
 * @param bytesRead           bytes delivered to the pipeline
 * @param reads               {@code channelRead} events fired
 * @param descriptorsSent     buffers, and chunks of file regions, that crossed as descriptors of this side's pool,
 *                            not through the ring
 * @param descriptorsReceived shared buffers of the peer's pool received
 * @param sharedBytesWritten  bytes written that crossed in this side's pool, named by descriptors: written once,
 *                            where the peer reads them
 * @param copiedBytesWritten  bytes written that were copied into the ring; with {@code sharedBytesWritten}, all
 *                            bytes written: a pipeline whose large messages cross copied is not zero-copy
 * @param sharedBytesRead     bytes delivered to the pipeline in the peer's pool, without a copy
 * @param copiedBytesRead     bytes delivered to the pipeline copied out of the ring
 * @param poolFallbacks       buffers of at least the pool threshold the channel's allocator could not serve from the
 *                            pool (too large, pool dry, not connected), served by its fallback instead
 * @param doorbellsRung       wake-ups of the peer: it slept, and this side woke it — a futex wake, or a byte on the
 *                            socket (its doorbell) if it slept in its selector
 * @param doorbellsReceived   doorbell bytes read from the socket: wake-ups of this side while it slept in its
 *                            selector (a futex wake leaves no count here)
 * @param emptyPolls          looks at the connection by the event loop that found nothing to do: the spinning a
 *                            loop did for it
 * @param outRingFill         bytes in the outgoing ring not yet consumed, as this side last saw the peer's position
 * @param inRingFill          bytes in the incoming ring not yet read, as this side last saw the peer's position
 */
public record ShmChannelMetrics(long bytesWritten, long messagesWritten, long bytesRead, long reads,
        long descriptorsSent, long descriptorsReceived, long sharedBytesWritten, long copiedBytesWritten,
        long sharedBytesRead, long copiedBytesRead, long poolFallbacks, long doorbellsRung,
        long doorbellsReceived, long emptyPolls, long outRingFill, long inRingFill) {

    /** All zeros. */
    public static final ShmChannelMetrics NONE = new ShmChannelMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The field-by-field sum of this and {@code other}: the counts of two connections, or of a group. */
    public ShmChannelMetrics plus(ShmChannelMetrics other) {
        return new ShmChannelMetrics(bytesWritten + other.bytesWritten, messagesWritten + other.messagesWritten,
                bytesRead + other.bytesRead, reads + other.reads, descriptorsSent + other.descriptorsSent,
                descriptorsReceived + other.descriptorsReceived, sharedBytesWritten + other.sharedBytesWritten,
                copiedBytesWritten + other.copiedBytesWritten, sharedBytesRead + other.sharedBytesRead,
                copiedBytesRead + other.copiedBytesRead, poolFallbacks + other.poolFallbacks,
                doorbellsRung + other.doorbellsRung, doorbellsReceived + other.doorbellsReceived,
                emptyPolls + other.emptyPolls, outRingFill + other.outRingFill, inRingFill + other.inRingFill);
    }

    /** These counts with the ring fills at 0: what a closed connection leaves in its group's totals. */
    ShmChannelMetrics withoutRingFill() {
        return new ShmChannelMetrics(bytesWritten, messagesWritten, bytesRead, reads, descriptorsSent,
                descriptorsReceived, sharedBytesWritten, copiedBytesWritten, sharedBytesRead, copiedBytesRead,
                poolFallbacks, doorbellsRung, doorbellsReceived, emptyPolls, 0, 0);
    }
}
