package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.ProductionDurability;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL restarted (fast and immediate shutdown) under a serving agent, once in the middle
 * of a refresh and once while the agent waits for work: the agent process survives, reconnects
 * and serves the next request; the interrupted run and its request end in one terminal state
 * with a reason (never 'running' forever); every step attempt has exactly one history row.
 */
@ExtendWith(PostgresExtension.class)
@ProductionDurability
class DatabaseRestartIT {

    private static AgentProcess agent;

    @BeforeAll
    static void servingAgent(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
        agent = AgentProcess.serve(db.jdbcUrl(), "restart-agent");
    }

    @AfterAll
    static void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    /** On production durability an immediate shutdown keeps every acknowledged commit: nothing to flush first. */
    private static void restart(TestDatabase db, String mode) {
        db.cluster().restart(mode);
    }

    private static String finish(TestDatabase db, long request) {
        try {
            Wait.until("request " + request + " finished", Duration.ofSeconds(90), () -> !List.of("queued", "claimed").contains(
                    db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request)));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; requests " + db.queryColumn("SELECT request_id || ' ' || status || ' ' "
                    + "|| coalesce(claimed_by, '-') FROM audit.run_request ORDER BY request_id") + "; runs " + db.queryColumn(
                    "SELECT run_id || ' ' || status || ' ' || coalesce(reason, '-') FROM audit.run ORDER BY run_id")
                    + "\nagent alive: " + agent.process().isAlive() + "\n" + agent.output(), e);
        }
        return db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?",
                request);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "immediate"})
    void theAgentSurvivesARestartMidRunAndWhileIdleRecordsTheInterruptedRunAndServesTheNextRequest(String mode, TestDatabase db)
            throws Exception {
        SmallPipeline.heal(db);
        SmallPipeline.delay(db, "a", 30);
        long interrupted = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'before the restart')");
        Wait.until("refreshing small.a_mv", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                "SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id) WHERE r.request_id = ? "
                        + "AND s.matview = 'small.a_mv' AND s.status = 'running'", interrupted) > 0);
        restart(db, mode);
        SmallPipeline.heal(db);

        String ended = finish(db, interrupted);
        assertTrue(List.of("abandoned", "refresh_failed").contains(ended), ended);
        Long run = db.queryValue(Long.class, "SELECT run_id FROM audit.run WHERE request_id = ?", interrupted);
        assertNotNull(run, "the interrupted request kept its run");
        Wait.until("the interrupted run ended", Duration.ofSeconds(30), () ->
                !"running".equals(db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run)));
        String runEnd = db.queryValue(String.class, "SELECT status || ': ' || coalesce(reason, '(no reason)') FROM audit.run WHERE run_id = ?", run);
        assertTrue(runEnd.matches("(abandoned|refresh_failed): .*\\S.*") && !runEnd.contains("(no reason)"), runEnd);
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM audit.step WHERE run_id = ? AND status = 'running'", run),
                "no step left running");
        assertTrue(agent.process().isAlive(), "the agent survived the restart\n" + agent.output());

        assertEquals("certified", finish(db, db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'after the restart')")),
                agent.output());

        {
            // Idle restart. After an immediate restart a completed request has been seen claimed
            // again (its run succeeded); the reaper then closes it with the run's outcome.
            restart(db, mode); // now while the agent waits for work
            Thread.sleep(1500); // a few polls against the restarting server
            assertTrue(agent.process().isAlive(), "the agent survived the idle restart\n" + agent.output());
            assertEquals("certified", finish(db, db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'after the idle restart')")),
                    agent.output());
        }
        assertEquals(List.of(), db.queryColumn("SELECT request_id || ' ' || status FROM audit.run_request "
                + "WHERE status NOT IN ('certified', 'not_certified', 'refresh_failed', 'abandoned', 'skipped', 'coalesced', 'error') "
                + "OR finished_at IS NULL OR outcome IS NULL"),
                "every request ended in a terminal state with an outcome");
        assertEquals(List.of(), db.queryColumn("SELECT request_id || ': ' || count(*) || ' runs' FROM audit.run WHERE request_id IS NOT NULL "
                + "GROUP BY request_id HAVING count(*) > 1"), "no request ran twice");
        assertEquals(List.of(), db.queryColumn("SELECT run_id || ' ' || matview || ' attempt ' || attempt FROM audit.step "
                + "GROUP BY run_id, matview, attempt HAVING count(*) > 1"), "one history row per step attempt");
        assertEquals(List.of(), db.queryColumn("SELECT r.run_id || ' ' || v FROM audit.run r "
                + "CROSS JOIN unnest(ARRAY['small.a_mv', 'small.b_mv', 'small.c_mv']) v WHERE r.status = 'certified' "
                + "AND NOT EXISTS (SELECT 1 FROM audit.step s WHERE s.run_id = r.run_id AND s.matview = v)"),
                "every view of every succeeded run has its step row");
    }
}
