package dev.mvcert.agent.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.CoreConstants;
import dev.mvcert.agent.db.LostConnection;
import java.util.Optional;

/**
 * The exception part of a text log line. A lost database connection is not a bug: it becomes
 * one clause on the same line (run, views, what the server said) instead of a stack trace,
 * which only {@code --verbose} adds. Every other exception keeps its stack trace, on the
 * lines after the message.
 */
public final class LostConnectionConverter extends ThrowableProxyConverter {

    @Override
    public String convert(ILoggingEvent event) {
        IThrowableProxy proxy = event.getThrowableProxy();
        if (proxy == null) {
            return "";
        }
        Optional<LostConnection> loss = proxy instanceof ThrowableProxy p ? LostConnection.of(p.getThrowable()) : Optional.empty();
        String trace = CoreConstants.LINE_SEPARATOR + super.convert(event).stripTrailing();
        if (loss.isEmpty()) {
            return trace;
        }
        String clause = " [" + LostConnectionTrail.incident(loss.get(), event.getMDCPropertyMap()).describe(null) + "]";
        return LogFormat.verbose() ? clause + trace : clause;
    }
}
