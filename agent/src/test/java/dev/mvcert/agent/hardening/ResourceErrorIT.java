package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Disk-space-like failures (SQLSTATE 53100, disk_full, raised by the view's refresh) through
 * {@code mvcert serve} and the queue: classified as resources and retried within the budget;
 * a view that keeps failing opens its breaker after the configured number of failed runs, and
 * later requests are skipped with breaker_open without touching the view. RetryIT and
 * BreakerIT prove the same rules on the executor alone.
 */
@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class ResourceErrorIT {

    private static AgentProcess agent;

    @BeforeAll
    static void servingAgent(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
        agent = AgentProcess.serve(db.jdbcUrl(), "resources-agent", "--max-attempts", "3", "--backoff-base", "200ms",
                "--backoff-max", "1s", "--retry-budget", "30s");
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
    }

    private static long request(TestDatabase db) {
        long id = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'resource errors')");
        Wait.until("request " + id + " finished", Duration.ofSeconds(60), () -> !List.of("queued", "claimed").contains(
                db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", id)));
        return id;
    }

    private static String ended(TestDatabase db, long request) {
        return db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request);
    }

    private static List<String> attempts(TestDatabase db, long request, String matview) {
        return db.queryColumn("SELECT s.attempt || ' ' || s.status || ' ' || coalesce(lower(s.error_class), '') || ' ' || coalesce(s.sqlstate, '') "
                + "FROM audit.step s JOIN audit.run r USING (run_id) JOIN audit.run_request q ON q.request_id = r.request_id WHERE q.request_id = ? AND s.matview = ? ORDER BY s.attempt",
                request, matview);
    }

    @Test
    void a_aDiskFullErrorIsClassifiedAsResourcesAndRetriedWithinTheBudgetUntilTheRequestIsCertified(TestDatabase db) {
        SmallPipeline.fail(db, "a", "53100", 2);
        long id = request(db);
        assertEquals("certified", ended(db, id), agent.output());
        assertEquals(List.of("1 failed resources 53100", "2 failed resources 53100", "3 succeeded  "), attempts(db, id, "small.a_mv"));
        assertEquals("closed", db.queryValue(String.class,
                "SELECT coalesce((SELECT state FROM audit.breaker WHERE matview = 'small.a_mv'), 'closed')"));
    }

    @Test
    void b_aViewThatKeepsFailingOpensItsBreakerAfterTheThresholdAndLaterRequestsSkipIt(TestDatabase db) {
        db.execute("SELECT audit.set_breaker_policy('small.a_mv', 2, interval '1 hour')");
        SmallPipeline.fail(db, "a", "53100", 1000);
        long first = request(db);
        assertEquals("refresh_failed", ended(db, first), agent.output());
        assertEquals(3, attempts(db, first, "small.a_mv").size(), "the retry budget was used: " + attempts(db, first, "small.a_mv"));
        assertEquals("closed", db.queryValue(String.class, "SELECT state FROM audit.breaker WHERE matview = 'small.a_mv'"));
        assertTrue(db.queryValue(String.class, "SELECT outcome FROM audit.run_request WHERE request_id = ?", first).contains("small.a_mv"));

        long second = request(db);
        assertEquals("refresh_failed", ended(db, second));
        assertEquals("open", db.queryValue(String.class, "SELECT state FROM audit.breaker WHERE matview = 'small.a_mv'"));
        assertTrue(db.queryValue(String.class, "SELECT last_error FROM audit.breaker WHERE matview = 'small.a_mv'").contains("53100"),
                "the breaker says why it opened");

        long calls = db.queryValue(Long.class, "SELECT last_value FROM small.a_calls");
        long third = request(db);
        assertEquals("skipped", ended(db, third));
        assertTrue(db.queryValue(String.class, "SELECT outcome FROM audit.run_request WHERE request_id = ?", third).contains("breaker_open"));
        assertEquals(List.of("1 skipped  "), attempts(db, third, "small.a_mv"));
        assertEquals("breaker_open", db.queryValue(String.class, "SELECT s.skip_reason FROM audit.step s JOIN audit.run r USING (run_id) JOIN audit.run_request q ON q.request_id = r.request_id "
                + "WHERE q.request_id = ? AND s.matview = 'small.a_mv'", third));
        assertEquals(Long.valueOf(calls), db.queryValue(Long.class, "SELECT last_value FROM small.a_calls"), "the open breaker kept the view untouched");

        SmallPipeline.heal(db);
        db.execute("SELECT audit.reset_breaker('small.a_mv')");
        assertEquals("certified", ended(db, request(db)), agent.output());
    }
}
