package dev.mvcert.agent.logging;

import ch.qos.logback.classic.LoggerContext;
import dev.mvcert.agent.config.ConfigurationException;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Selects the log layout: human-readable text (default) or one JSON object per line. */
public enum LogFormat {
    TEXT,
    JSON;

    /** Environment variable that selects the format when no option is given. */
    public static final String ENVIRONMENT = "MVCERT_LOG_FORMAT";

    /** What Logback runs with now: text, not verbose (LogSetup at start-up) until a command asks for another layout. */
    private static LogFormat current = TEXT;
    private static volatile boolean verbose;

    /** The option's value, else the environment's, else text. */
    public static LogFormat choose(String option, String environment) {
        String value = option != null ? option : environment;
        if (value == null || value.isBlank()) {
            return TEXT;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException((option != null ? "--log-format" : ENVIRONMENT)
                    + " must be text or json (got " + value + ")");
        }
    }

    /** Whether debug logs, HikariCP's own messages and stack traces of lost connections are shown. */
    public static boolean verbose() {
        return verbose;
    }

    /** Reconfigures Logback, not verbose, unless it already runs so (text is what it loads at start-up). */
    public void apply() {
        apply(false);
    }

    /**
     * Reconfigures Logback unless it already uses this layout and verbosity. Verbose: debug
     * level, HikariCP's own log at debug, stack traces of lost connections.
     */
    public void apply(boolean verbosely) {
        synchronized (LogFormat.class) {
            if (current == this && verbose == verbosely) {
                return;
            }
            current = this;
            verbose = verbosely;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding is in charge (e.g. an embedding application)
        }
        LogSetup.install(context, this, verbosely);
    }
}
