package dev.mvcert.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

@ExtendWith(PostgresExtension.class)
class LoggingIT {

    @Test
    void thePasswordNeverAppearsInLogsOrOutputEvenAtDebugLevel(TestDatabase db, @TempDir Path dir) throws Exception {
        String password = "Pw-" + System.nanoTime() + "-secret";
        Path file = dir.resolve("pw");
        Files.writeString(file, password + "\n");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        PrintStream originalErr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        CliRunner.Result ok;
        CliRunner.Result refused;
        try {
            ok = runWithCapture(root, events, () -> CliRunner.run(Map.of("PGPASSWORD", password), "status", "--jdbc-url", db.jdbcUrl(),
                    "-U", "postgres", "--password-file", file.toString()));
            refused = runWithCapture(root, events, () -> CliRunner.run(Map.of("PGPASSWORD", password), "status",
                    "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/nodb", "-U", "nobody"));
        } finally {
            System.setErr(originalErr);
        }
        assertEquals(0, ok.exitCode(), ok.toString());
        assertEquals(3, refused.exitCode(), refused.toString());
        assertTrue(events.list.stream().anyMatch(e -> e.getFormattedMessage().contains("password: --password-file")),
                "the debug line naming the password's source was captured: " + events.list);
        for (ILoggingEvent e : events.list) {
            assertFalse(e.getFormattedMessage().contains(password), e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                assertFalse(e.getThrowableProxy().getMessage() != null && e.getThrowableProxy().getMessage().contains(password));
            }
        }
        for (String text : new String[] {ok.out(), ok.err(), refused.out(), refused.err(), console.toString(StandardCharsets.UTF_8)}) {
            assertFalse(text.contains(password), text);
        }
    }

    private static CliRunner.Result runWithCapture(Logger root, ListAppender<ILoggingEvent> events, java.util.function.Supplier<CliRunner.Result> run) {
        root.setLevel(Level.DEBUG);
        events.start();
        root.addAppender(events);
        try {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.mvcert").setLevel(Level.DEBUG);
            return run.get();
        } finally {
            root.detachAppender(events);
        }
    }

    @Test
    void jsonLogFormatWritesOneJsonObjectPerLineWithTheMdc(TestDatabase db) {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        CliRunner.Result r;
        try {
            r = CliRunner.run(Map.of("MVCERT_LOG_FORMAT", "json"), "status", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/nodb",
                    "-U", "nobody", "--password-file", "/nonexistent/file");
            ((Logger) LoggerFactory.getLogger("dev.mvcert.test")).warn("json check");
        } finally {
            System.setErr(originalErr);
            dev.mvcert.agent.logging.LogFormat.TEXT.apply();
        }
        assertEquals(2, r.exitCode(), r.toString());
        String json = console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("json check")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON line in: " + console));
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"level\":\"WARN\"") && json.contains("\"formattedMessage\":\"json check\""), json);
    }
}
