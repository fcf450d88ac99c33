package dev.mvcert.agent.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The logging mvcert starts with, built in code: what a line looks like, and who may replace it. */
class LogSetupTest {

    /** A context of its own, as Logback's start-up makes one (not the one the test run logs with). */
    private static LoggerContext context() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        context.start();
        return context;
    }

    private static String stderrOf(Runnable logging) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void textLinesCarryTheTimeLevelLoggerMdcAndMessageOnStderrAndHikariIsQuiet() {
        LoggerContext context = context();
        assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, new LogSetup().configure(context));
        String out = stderrOf(() -> {
            context.getMDCAdapter().put("run_id", "42");
            try {
                context.getLogger("dev.mvcert.Some").info("refreshed {}", "s.m");
                context.getLogger("dev.mvcert.Some").debug("not shown");
                context.getLogger("com.zaxxer.hikari.pool.HikariPool").warn("pool noise");
            } finally {
                context.getMDCAdapter().remove("run_id");
            }
        });
        assertTrue(out.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO  Some \\[run_id=42\\] refreshed s\\.m\\R"), out);
        assertEquals(Level.OFF, context.getLogger("com.zaxxer.hikari").getLevel());
        assertEquals(Level.WARN, context.getLogger("org.postgresql").getLevel());
    }

    @Test
    void verboseShowsDebugAndThePoolsOwnMessagesAndJsonWritesOneObjectPerLine() {
        LoggerContext context = context();
        LogSetup.install(context, LogFormat.TEXT, true);
        String verbose = stderrOf(() -> {
            context.getLogger("dev.mvcert.Some").debug("detail");
            context.getLogger("com.zaxxer.hikari.pool.HikariPool").debug("pool detail");
        });
        assertTrue(verbose.contains("DEBUG Some [] detail") && verbose.contains("pool detail"), verbose);

        LogSetup.install(context, LogFormat.JSON, false);
        String json = stderrOf(() -> context.getLogger("dev.mvcert.Some").warn("json {}", "line")).strip();
        assertTrue(json.startsWith("{") && json.endsWith("}") && !json.contains("\n"), json);
        assertTrue(json.contains("\"level\":\"WARN\"") && json.contains("\"formattedMessage\":\"json line\""), json);
    }

    @Test
    void aConfigurationFileNamedByTheUserTakesPrecedence() {
        LoggerContext context = context();
        System.setProperty("logback.configurationFile", "/etc/mvcert/logback.xml");
        try {
            assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, new LogSetup().configure(context));
        } finally {
            System.clearProperty("logback.configurationFile");
        }
        assertTrue(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext() == false,
                "nothing installed");
    }
}
