package dev.mvcert.agent.run;

import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

@ExtendWith(PostgresExtension.class)
class RetryIT {

    @BeforeAll
    static void pipeline(TestDatabase db) {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
    }

    private static RunResult run(TestDatabase db, int maxAttempts) throws Exception {
        AgentSettings settings = Agents.settings();
        settings.maxAttempts = maxAttempts;
        try (AgentRuntime agent = Agents.start(db, settings)) {
            // Jitter pinned to the ceiling so the growth of the waits is visible in the history.
            RetryPolicy policy = new RetryPolicy(maxAttempts, Duration.ofMinutes(1), Duration.ofMillis(400), Duration.ofSeconds(5), () -> 1.0);
            RunExecutor executor = new RunExecutor(agent.database(), settings, agent.metrics(), policy, "agent:test", new Stopping());
            return executor.run(executor.request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
        }
    }

    @Test
    void everyAttemptIsInTheMetricsOnceTheRunReturns(TestDatabase db) throws Exception {
        // attempts are recorded in the metrics on a thread of their own, not the step's
        SmallPipeline.fail(db, "a", "55P03", 2);
        AgentSettings settings = Agents.settings();
        settings.maxAttempts = 3;
        try (AgentRuntime agent = Agents.start(db, settings)) {
            RetryPolicy policy = new RetryPolicy(3, Duration.ofMinutes(1), Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0);
            RunExecutor executor = new RunExecutor(agent.database(), settings, agent.metrics(), policy, "agent:test", new Stopping());
            RunResult outcome = executor.run(executor.request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
            assertEquals(RunOutcome.CERTIFIED, outcome.outcome(), outcome.toString());
            MeterRegistry registry = agent.metrics().registry();
            assertEquals(2.0, registry.get("mvcert.refresh.attempts").tags("matview", "small.a_mv", "status", "failed").counter().count());
            for (String view : List.of("small.a_mv", "small.b_mv", "small.c_mv")) {
                assertEquals(1.0, registry.get("mvcert.refresh.attempts").tags("matview", view, "status", "succeeded").counter().count(), view);
            }
            assertEquals(1L, registry.get("mvcert.run.duration").tags("target", SmallPipeline.TARGET, "status", "certified").timer().count());
        }
    }

    @Test
    void retryableFailuresAreRetriedWithGrowingWaitsAndEveryAttemptIsRecorded(TestDatabase db) throws Exception {
        SmallPipeline.fail(db, "a", "55P03", 2); // lock_not_available: retryable
        RunResult outcome = run(db, 3);
        assertEquals(RunOutcome.CERTIFIED, outcome.outcome(), outcome.toString());
        assertEquals(List.of("1 failed lock_timeout", "2 failed lock_timeout", "3 succeeded "),
                db.queryColumn("SELECT attempt || ' ' || status || ' ' || coalesce(lower(error_class), '') FROM audit.step "
                        + "WHERE run_id = ? AND matview = 'small.a_mv' ORDER BY attempt", outcome.runId()));
        List<String> waits = db.queryColumn("""
                SELECT extract(epoch FROM s.started_at - lag(s.finished_at) OVER (ORDER BY s.attempt))::text
                  FROM audit.step s WHERE s.run_id = ? AND s.matview = 'small.a_mv' ORDER BY s.attempt""", outcome.runId());
        double first = Double.parseDouble(waits.get(1));
        double second = Double.parseDouble(waits.get(2));
        assertTrue(first >= 0.4 && second >= 0.8 && second > first, "waits " + waits);
    }

    @Test
    void nonRetryableFailuresFailAtOnce(TestDatabase db) throws Exception {
        SmallPipeline.fail(db, "a", "22012", 5); // division_by_zero: a data error
        RunResult outcome = run(db, 3);
        assertEquals(RunOutcome.REFRESH_FAILED, outcome.outcome(), outcome.toString());
        assertEquals(List.of("1 failed"), db.queryColumn(
                "SELECT attempt || ' ' || status FROM audit.step WHERE run_id = ? AND matview = 'small.a_mv'", outcome.runId()));
    }

    @Test
    void exceedingTheRetryBudgetRaisesAnAlertLogEvent(TestDatabase db) throws Exception {
        SmallPipeline.fail(db, "a", "55P03", 10);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(AgentViewPolicy.class);
        events.start();
        logger.addAppender(events);
        RunResult outcome;
        try {
            outcome = run(db, 2);
        } finally {
            logger.detachAppender(events);
        }
        assertEquals(RunOutcome.REFRESH_FAILED, outcome.outcome());
        ILoggingEvent alert = events.list.stream().filter(e -> e.getMarkerList() != null && e.getMarkerList().contains(AgentViewPolicy.ALERT))
                .findFirst().orElseThrow(() -> new AssertionError("no ALERT event in " + events.list));
        assertEquals("ERROR", alert.getLevel().toString());
        assertEquals("retry_budget_exceeded", alert.getMDCPropertyMap().get("alert"));
        assertTrue(alert.getFormattedMessage().contains("small.a_mv: 2 attempts"), alert.getFormattedMessage());
        assertEquals(Long.valueOf(2), db.queryValue(Long.class,
                "SELECT count(*) FROM audit.step WHERE run_id = ? AND matview = 'small.a_mv'", outcome.runId()));
    }
}
