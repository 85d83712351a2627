package dev.nettyshm.micrometer;

import dev.nettyshm.channel.ShmChannelMetrics;
import dev.nettyshm.channel.ShmRoute;
import dev.nettyshm.channel.ShmTransportMetrics;
import dev.nettyshm.channel.ShmTransportMetrics.Group;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Publishes the transport's counters ({@link ShmTransportMetrics}) to a Micrometer registry, one set of meters per
 * group of connections, tagged {@code side} ({@code server}, {@code client}) and {@code server} (the server's name
 * or {@code host:port}); a group that appears after binding gets its meters then.
 *
 * <pre>{@code
 * new ShmMeterBinder().bindTo(registry);   // or a @Bean of Spring Boot, which binds every MeterBinder
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type, unit</th><th>extra tags</th></tr>
 *   <tr><td>{@code netty.shm.bytes}</td><td>counter, bytes</td><td>{@code direction} written|read, {@code path}
 *       shared (in the pools, by descriptor)|copied (through the rings)|any (also TCP)</td></tr>
 *   <tr><td>{@code netty.shm.messages.written}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code netty.shm.reads}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code netty.shm.descriptors}</td><td>counter</td><td>{@code direction} sent|received</td></tr>
 *   <tr><td>{@code netty.shm.pool.fallbacks}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code netty.shm.ring.fill}</td><td>gauge, bytes</td><td>{@code direction} out|in</td></tr>
 *   <tr><td>{@code netty.shm.connections.open}</td><td>gauge, connections</td><td>{@code route}
 *       shared_memory|tcp</td></tr>
 *   <tr><td>{@code netty.shm.route.fallbacks}</td><td>counter, no group tags</td><td></td></tr>
 *   <tr><td>{@code netty.shm.segments.reused}</td><td>counter, no group tags</td><td></td></tr>
 * </table>
 *
 * Micrometer is an optional dependency of this library: only a user of this class needs it.
 *
 * <p>Thread safety: thread-safe; bind one instance to any number of registries.
 */
public final class ShmMeterBinder implements MeterBinder {

    private final Set<MeterRegistry> registries = ConcurrentHashMap.newKeySet();
    /** The groups bound: Micrometer holds the objects its meters read only weakly. */
    private final Set<Group> groups = ConcurrentHashMap.newKeySet();

    /**
     * A binder of the whole JVM's connections. It stays registered with {@link ShmTransportMetrics} for the JVM's
     * life, to bind the groups that appear later: make one, not one per registry.
     */
    public ShmMeterBinder() {
        ShmTransportMetrics.onNewGroup(group -> registries.forEach(registry -> bind(registry, group)));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!registries.add(registry)) {
            return;
        }
        FunctionCounter.builder("netty.shm.route.fallbacks", ShmTransportMetrics.class,
                        ignored -> ShmTransportMetrics.tcpFallbacks())
                .description("connects to a local server's TCP address that fell back from shared memory to TCP")
                .register(registry);
        FunctionCounter.builder("netty.shm.segments.reused", ShmTransportMetrics.class,
                        ignored -> ShmTransportMetrics.reusedSegments())
                .description("connections made over the segment of an earlier one between the same two processes")
                .register(registry);
        for (Group group : ShmTransportMetrics.groups()) {
            bind(registry, group);
        }
    }

    private void bind(MeterRegistry registry, Group group) {
        groups.add(group);
        Tags tags = Tags.of("side", group.side(), "server", group.server());
        bytes(registry, group, tags, "written", "any", ShmChannelMetrics::bytesWritten);
        bytes(registry, group, tags, "written", "shared", ShmChannelMetrics::sharedBytesWritten);
        bytes(registry, group, tags, "written", "copied", ShmChannelMetrics::copiedBytesWritten);
        bytes(registry, group, tags, "read", "any", ShmChannelMetrics::bytesRead);
        bytes(registry, group, tags, "read", "shared", ShmChannelMetrics::sharedBytesRead);
        bytes(registry, group, tags, "read", "copied", ShmChannelMetrics::copiedBytesRead);
        counter("netty.shm.messages.written", tags, group, ShmChannelMetrics::messagesWritten)
                .description("buffers and file regions written whole").register(registry);
        counter("netty.shm.reads", tags, group, ShmChannelMetrics::reads)
                .description("channelRead events fired").register(registry);
        counter("netty.shm.descriptors", tags.and("direction", "sent"), group, ShmChannelMetrics::descriptorsSent)
                .description("buffers that crossed as descriptors").register(registry);
        counter("netty.shm.descriptors", tags.and("direction", "received"), group,
                ShmChannelMetrics::descriptorsReceived).description("buffers that crossed as descriptors")
                .register(registry);
        counter("netty.shm.pool.fallbacks", tags, group, ShmChannelMetrics::poolFallbacks)
                .description("buffers the pool could not serve, served by the fallback allocator")
                .register(registry);
        Gauge.builder("netty.shm.ring.fill", group, g -> ShmTransportMetrics.totals(g).outRingFill())
                .tags(tags.and("direction", "out")).baseUnit(BaseUnits.BYTES)
                .description("bytes written to the rings and not yet read by the peer").register(registry);
        Gauge.builder("netty.shm.ring.fill", group, g -> ShmTransportMetrics.totals(g).inRingFill())
                .tags(tags.and("direction", "in")).baseUnit(BaseUnits.BYTES)
                .description("bytes in the incoming rings not yet read").register(registry);
        for (ShmRoute route : new ShmRoute[] {ShmRoute.SHARED_MEMORY, ShmRoute.TCP}) {
            Gauge.builder("netty.shm.connections.open", group, g -> ShmTransportMetrics.openConnections(g, route))
                    .tags(tags.and("route", route.name().toLowerCase(Locale.ROOT))).baseUnit("connections")
                    .description("connections open now").register(registry);
        }
    }

    private static void bytes(MeterRegistry registry, Group group, Tags tags, String direction, String path,
            ToLongFunction<ShmChannelMetrics> count) {
        counter("netty.shm.bytes", tags.and("direction", direction, "path", path), group, count)
                .baseUnit(BaseUnits.BYTES).description("bytes " + direction).register(registry);
    }

    private static FunctionCounter.Builder<Group> counter(String name, Tags tags, Group group,
            ToLongFunction<ShmChannelMetrics> count) {
        return FunctionCounter.builder(name, group, g -> count.applyAsLong(ShmTransportMetrics.totals(g))).tags(tags);
    }
}
