package dev.mvcert.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.Locale;

/**
 * mvcert's Logback configuration, built in code: on stderr (stdout carries command output),
 * text or one JSON object per line, the run id and target from the MDC, HikariCP's own
 * messages only when verbose (they repeat what mvcert reports in one line), pgjdbc's from
 * WARN, the root level from {@code MVCERT_LOG_LEVEL} (INFO by default, DEBUG when verbose).
 *
 * <p>Built in code rather than read from an XML file because a short command ({@code mvcert
 * run}, {@code mvcert status}) would otherwise spend about a quarter of a second parsing it.
 * Registered as a Logback {@link Configurator} service, so it is what Logback starts with; a
 * {@code -Dlogback.configurationFile=...} given by the user, or a {@code logback-test.xml} on
 * the class path, takes precedence.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} [%mdc] %msg%lostConnectionOrEx%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        install(context, LogFormat.TEXT, false);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Replaces whatever {@code context} runs with by mvcert's configuration in this format. */
    static void install(LoggerContext context, LogFormat format, boolean verbose) {
        context.reset();
        NopStatusListener quiet = new NopStatusListener();
        context.getStatusManager().add(quiet);

        LostConnectionTrail trail = new LostConnectionTrail();
        trail.setContext(context);
        trail.start();
        context.addTurboFilter(trail);

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(format == LogFormat.JSON ? json(context) : text(context));
        stderr.start();

        context.getLogger("com.zaxxer.hikari").setLevel(verbose ? Level.DEBUG : level("mvcert.poolLogLevel", Level.OFF));
        context.getLogger("org.postgresql").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(verbose ? Level.DEBUG : level("MVCERT_LOG_LEVEL", Level.INFO));
        root.addAppender(stderr);
    }

    private static Encoder<ILoggingEvent> text(LoggerContext context) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.getInstanceConverterMap().put("lostConnectionOrEx", LostConnectionConverter::new);
        layout.setPattern(TEXT_PATTERN);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /** The MDC (run_id, target), markers (alert) and key/value pairs as fields: for log shippers. */
    private static Encoder<ILoggingEvent> json(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.start();
        return encoder;
    }

    /** A level named by a system property or, failing that, the environment. */
    private static Level level(String name, Level fallback) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? fallback : Level.toLevel(value.trim().toUpperCase(Locale.ROOT), fallback);
    }
}
