package dev.mvcert.agent.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.RefreshOverlaps;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
class QueueIT {

    @BeforeAll
    static void pipeline(TestDatabase db) {
        SmallPipeline.create(db);
        // A second target over the same views: its runs compete with small.t_v's for every view.
        db.execute("CREATE VIEW small.t2_v AS SELECT day, total FROM small.c_mv; SELECT audit.register_target('small.t2_v')");
        SmallPipeline.acceptBaseline(db, "small.t_v");
        SmallPipeline.acceptBaseline(db, "small.t2_v");
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
    }

    /** Serves the queue on a thread until closed. */
    private record Served(AgentRuntime agent, QueueWorker worker, Thread thread) implements AutoCloseable {
        static Served start(TestDatabase db, String name) {
            AgentSettings settings = Agents.settings();
            settings.agentName = name;
            AgentRuntime agent = Agents.start(db, settings);
            QueueWorker worker = new QueueWorker(agent);
            Thread thread = new Thread(() -> {
                try {
                    worker.serve();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, name);
            thread.start();
            return new Served(agent, worker, thread);
        }

        @Override
        public void close() throws InterruptedException {
            worker.stop();
            thread.join(30_000);
            agent.close();
        }
    }

    private static boolean queueIsEmpty(TestDatabase db) {
        return db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE status IN ('queued', 'claimed')") == 0;
    }

    @Test
    void a_twoAgentsAndRepeatedRequestsNeverRefreshOneViewTwiceAtOnceAndEveryRequestIsAccountedFor(TestDatabase db) throws Exception {
        SmallPipeline.delay(db, "a", 0.3);
        SmallPipeline.delay(db, "b", 0.3);
        try (Served one = Served.start(db, "agent-1"); Served two = Served.start(db, "agent-2")) {
            for (int i = 0; i < 8; i++) {
                db.execute("SELECT audit.request_run('small.t_v'), audit.request_run('small.t2_v')");
                Thread.sleep(250);
            }
            Wait.until("every request handled", Duration.ofSeconds(90), () -> queueIsEmpty(db));
            assertTrue(one.thread().isAlive() && two.thread().isAlive(), "both agents still serving");
        }
        assertEquals(List.of("agent-1", "agent-2"), db.queryColumn("SELECT DISTINCT claimed_by FROM audit.run_request "
                + "WHERE status IN ('certified', 'not_certified') ORDER BY 1"), "both agents claimed and finished work");
        assertEquals(List.of(), db.queryColumn("SELECT request_id || ' ' || status || ' ' || coalesce(outcome, '') FROM audit.run_request "
                + "WHERE status NOT IN ('certified', 'coalesced', 'skipped') "
                // the two targets share views: a run of one may refresh a view while the other certifies
                + "AND NOT (status = 'not_certified' AND outcome LIKE '%closure changed while it ran%')"));
        assertTrue(db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE status = 'certified'") >= 2);
        // views a and b refresh for at least 0.3 s
        assertEquals(List.of(), RefreshOverlaps.of(db, "%"), "two refreshes of one view overlapped");
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
    }

    @Test
    void c_sigtermCancelsTheRunningStepAfterTheGracePeriodAndRecordsTheRunAsCancelled(TestDatabase db) throws Exception {
        SmallPipeline.delay(db, "a", 60);
        try (AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "terminated", "--shutdown-grace", "1s")) {
            db.execute("SELECT audit.request_run('small.t_v')");
            Wait.until("refreshing small.a_mv", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id) WHERE r.executor = 'agent:terminated' "
                            + "AND s.matview = 'small.a_mv' AND s.status = 'running'") > 0);
            agent.process().destroy(); // SIGTERM
            assertTrue(agent.process().waitFor(60, TimeUnit.SECONDS), agent.output());
            String output = agent.output();
            assertEquals("cancelled", db.queryValue(String.class, "SELECT status FROM audit.run WHERE executor = 'agent:terminated'"), output);
            assertEquals("cancelled", db.queryValue(String.class,
                    "SELECT status FROM audit.run_request WHERE claimed_by = 'terminated'"), "the request ends as its run did\n" + output);
            assertTrue(output.contains("grace period of PT1S over: cancelling running steps"), output);
            assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id) "
                    + "WHERE r.executor = 'agent:terminated' AND s.status = 'running'"), "no step left running");
            assertTrue(db.queryValue(Boolean.class, "SELECT stopped_at IS NOT NULL FROM audit.agent WHERE name = 'terminated'"));
        }
    }
}
