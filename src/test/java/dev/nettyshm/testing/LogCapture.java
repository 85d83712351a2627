package dev.nettyshm.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * Collects the warnings and errors logged under some logger names while it is open, whichever way they are logged:
 * Netty's through SLF4J, the library's through {@link System.Logger} (the JDK's logging, by default). A test that
 * must prove nothing went wrong in an event loop asserts that {@link #records()} is empty.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> prefixes;
    private final List<String> records = new ArrayList<>();
    private final Appender appender = new Appender();
    private final JdkHandler handler = new JdkHandler();

    private LogCapture(List<String> prefixes) {
        this.prefixes = prefixes;
        appender.start();
        root().addAppender(appender);
        LogManager.getLogManager().getLogger("").addHandler(handler);
    }

    /** Captures warnings and errors of the loggers whose names start with one of {@code prefixes}. */
    public static LogCapture warnings(String... prefixes) {
        return new LogCapture(List.of(prefixes));
    }

    /** What was captured so far: a line each, logger, level, message and the exception's first line. */
    public List<String> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    @Override
    public void close() {
        root().detachAppender(appender);
        LogManager.getLogManager().getLogger("").removeHandler(handler);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private void add(String logger, String level, String message, Throwable thrown) {
        if (logger == null || prefixes.stream().noneMatch(logger::startsWith)) {
            return;
        }
        synchronized (records) {
            records.add(logger + " " + level + " " + message + (thrown == null ? "" : " " + thrown));
        }
    }

    private final class Appender extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                var thrown = event.getThrowableProxy();
                add(event.getLoggerName(), event.getLevel().toString(), event.getFormattedMessage(), thrown == null
                        ? null : new Throwable(thrown.getClassName() + ": " + thrown.getMessage()));
            }
        }
    }

    private final class JdkHandler extends Handler {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                add(record.getLoggerName(), record.getLevel().getName(), record.getMessage(), record.getThrown());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
