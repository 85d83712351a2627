package dev.nettyshm.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test when Netty's leak detector reported a leaked buffer while it ran, or since the test before (the
 * detector reports what the collector finds, so a leak may surface a test late). Netty's socket testsuite runs
 * with every buffer tracked ({@code PARANOID}); the rest at Netty's default sampling, since tracking every buffer
 * of the two-process tests triples their time. Registered for every test by {@code junit-platform.properties}.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private static final ListAppender<ILoggingEvent> REPORTS = new ListAppender<>();

    static {
        REPORTS.start();
        ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(REPORTS);
    }

    /** Drops the reports so far: for a test that leaks on purpose, once it has seen its report. */
    public static void forgive() {
        synchronized (REPORTS.list) {
            REPORTS.list.clear();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (tracksEverything(context)) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (tracksEverything(context)) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        }
    }

    private static boolean tracksEverything(ExtensionContext context) {
        return context.getRequiredTestClass().getPackageName().endsWith(".testsuite");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks;
        synchronized (REPORTS.list) {
            leaks = REPORTS.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("LEAK")).toList();
            REPORTS.list.clear();
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s):\n" + leaks.getFirst());
        }
    }
}
