package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.testing.AgentLog;
import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.CertifiedReads;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.ProductionDurability;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The postmaster itself killed with SIGKILL under a serving agent (crash recovery on restart,
 * not a clean or immediate shutdown), on a cluster with production durability, at three
 * moments found deterministically: during the refresh of the join view right after the agent
 * reported the steps of its inputs committed, during the certification of an incremental run, and during the
 * COMMIT of an atomic run (a deferred trigger on the registry row it publishes sleeps there).
 *
 * <p>After recovery: every request the test was told was queued, and every step, certified
 * run and claim the agent logged as committed, is in the tables; the registry names only a
 * certification that committed, and readers get exactly the rows it saw or fail closed; the
 * agent prints no stack trace and none of the pool's warnings; every run ends, and the next
 * request is done and certified.
 */
@ExtendWith(PostgresExtension.class)
@ProductionDurability
class PostmasterCrashIT {

    /** Six heartbeats of 1 s (AgentProcess): how long an interrupted run stays 'running'. */
    private static final Duration LEASE = Duration.ofSeconds(6);

    @BeforeAll
    static void certifiedPipeline(TestDatabase db) throws Exception {
        SmallPipeline.createWithControllableJoin(db);
        SmallPipeline.addCertificationPause(db);
        db.execute("""
                -- the commit of a transaction publishing a certification sleeps while small.commit_delay says so
                CREATE TABLE small.commit_delay (seconds float8 NOT NULL);
                INSERT INTO small.commit_delay VALUES (0);
                CREATE FUNCTION small.commit_pause() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep((SELECT seconds FROM small.commit_delay)); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER commit_pause AFTER INSERT OR UPDATE ON audit.registry
                  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'CERTIFIED') EXECUTE FUNCTION small.commit_pause();
                """);
        CertifiedReads.createGuardedView(db);
        SmallPipeline.acceptBaseline(db);
        try (AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "crash-setup")) {
            assertEquals("certified", finish(db, request(db, "incremental", "first certification")), agent.output());
        }
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
        SmallPipeline.certificationPause(db, 0);
        db.execute("UPDATE small.commit_delay SET seconds = 0");
    }

    @Test
    void killedDuringARefreshJustAfterTheStepsBeforeItCommitted(TestDatabase db) throws Exception {
        CertifiedReads.Served before = CertifiedReads.now(db);
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100");
        SmallPipeline.delay(db, "c", 60);
        List<Long> requests = new ArrayList<>(List.of(request(db, "incremental", "crash during refresh")));
        try (AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "crash-refresh")) {
            awaitClosely("small.c_mv refreshing after small.a_mv and small.b_mv were reported committed", agent, () ->
                    active(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY small.c_mv"));
            assertEquals(List.of("small.a_mv", "small.b_mv"), new AgentLog(agent.output()).succeededSteps().stream()
                    .map(AgentLog.Step::matview).sorted().toList(), agent.output());
            crash(db);
            SmallPipeline.heal(db);
            assertRecovered(db, agent, before, requests);
        }
    }

    @Test
    void killedDuringTheCertificationOfAnIncrementalRun(TestDatabase db) throws Exception {
        CertifiedReads.Served before = CertifiedReads.now(db);
        db.execute("UPDATE small.base SET v = v + 2 WHERE id <= 100");
        SmallPipeline.certificationPause(db, 60);
        List<Long> requests = new ArrayList<>(List.of(request(db, "incremental", "crash during certification")));
        try (AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "crash-certify")) {
            awaitClosely("the run certifying", agent, () -> active(db, "small.cert_pause()"));
            crash(db);
            SmallPipeline.certificationPause(db, 0);
            assertRecovered(db, agent, before, requests);
        }
    }

    @Test
    void killedDuringTheCommitOfAnAtomicRun(TestDatabase db) throws Exception {
        CertifiedReads.Served before = CertifiedReads.now(db);
        db.execute("UPDATE small.base SET v = v + 3 WHERE id <= 100; UPDATE small.commit_delay SET seconds = 60");
        List<Long> requests = new ArrayList<>(List.of(request(db, "atomic", "crash during commit")));
        try (AgentProcess agent = AgentProcess.serve(db.jdbcUrl(), "crash-commit")) {
            awaitClosely("the atomic run committing", agent, () -> db.queryValue(Long.class, "SELECT count(*) FROM pg_stat_activity "
                    + "WHERE application_name LIKE 'mvcert agent%' AND state = 'active' AND query = 'COMMIT' AND wait_event = 'PgSleep'") > 0);
            crash(db);
            db.execute("UPDATE small.commit_delay SET seconds = 0");
            assertEquals(before, CertifiedReads.now(db), "the atomic run's commit never completed: readers keep the previous snapshot");
            assertRecovered(db, agent, before, requests);
        }
    }

    private static void crash(TestDatabase db) {
        db.cluster().killPostmaster();
        db.cluster().recover();
    }

    /**
     * Right after recovery, and again once the agent has finished what it was doing: what was
     * reported committed is there and only certified rows are served; then the next request
     * is done and certified.
     */
    private static void assertRecovered(TestDatabase db, AgentProcess agent, CertifiedReads.Served before, List<Long> requests) {
        assertCommittedAsReported(db, agent, requests, "right after recovery");
        CertifiedReads.assertOnlyCertifiedDataIsServed(db, before, "right after recovery");

        Wait.until("every request and run ended", LEASE.plusSeconds(60), () -> db.queryValue(Long.class,
                "SELECT (SELECT count(*) FROM audit.run_request WHERE status IN ('queued', 'claimed'))"
                        + " + (SELECT count(*) FROM audit.run WHERE status = 'running')") == 0);
        assertCommittedAsReported(db, agent, requests, "once the agent caught up");
        CertifiedReads.assertOnlyCertifiedDataIsServed(db, before, "once the agent caught up");
        assertEquals(List.of(), db.queryColumn("SELECT run_id || ' ' || matview FROM audit.step WHERE status = 'running'"),
                "no step left running");

        long next = request(db, "incremental", "after the crash");
        requests.add(next);
        assertEquals("certified", finish(db, next), agent.output());
        assertEquals(CertifiedReads.refreshedFromBase(db), CertifiedReads.contents(db));
        assertEquals(CertifiedReads.contents(db), CertifiedReads.guardedRead(db), "the next run is certified and served");
        assertCommittedAsReported(db, agent, requests, "after the next run");

        String output = agent.output();
        assertTrue(agent.process().isAlive(), "the agent survived the crash\n" + output);
        assertFalse(output.contains("\tat ") || output.contains("Exception"), "no stack trace\n" + output);
        assertFalse(output.contains("HikariPool") || output.contains("marked as broken"), "none of the pool's own warnings\n" + output);
    }

    /** Every request the test queued, and every step, certified run and claim the agent logged, is in the tables. */
    private static void assertCommittedAsReported(TestDatabase db, AgentProcess agent, List<Long> requests, String when) {
        AgentLog log = new AgentLog(agent.output());
        for (long request : requests) {
            assertEquals(Long.valueOf(1), db.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE request_id = ?", request),
                    "request " + request + " was queued " + when);
        }
        for (long request : log.claimedRequests()) {
            assertEquals(agent.name(), db.queryValue(String.class, "SELECT claimed_by FROM audit.run_request WHERE request_id = ?", request),
                    "request " + request + " was logged as claimed " + when);
        }
        for (AgentLog.Step step : log.succeededSteps()) {
            // an incremental step is committed before it is logged; an atomic one only with its run
            String mode = db.queryValue(String.class, "SELECT mode FROM audit.run WHERE run_id = ?", step.runId());
            assertTrue(mode != null, "run " + step.runId() + " was logged, its row is gone " + when);
            if (mode.equals("incremental")) {
                assertEquals(Long.valueOf(1), db.queryValue(Long.class, "SELECT count(*) FROM audit.step WHERE run_id = ? AND matview = ? "
                        + "AND status = 'succeeded'", step.runId(), step.matview()), step + " was logged as committed " + when + "\n" + agent.output());
            }
        }
        for (long run : log.certifiedRuns()) {
            assertEquals("certified CERTIFIED", db.queryValue(String.class, "SELECT r.status || ' ' || c.status FROM audit.run r "
                    + "JOIN audit.certification c USING (run_id) WHERE r.run_id = ? ORDER BY c.certification_id DESC LIMIT 1", run),
                    "run " + run + " was logged as certified " + when);
        }
    }

    private static boolean active(TestDatabase db, String statement) {
        return db.queryValue(Long.class, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                + "AND application_name LIKE 'mvcert agent%' AND position(? in query) > 0", statement) > 0;
    }

    /** Polls every 10 ms: the kill should follow the moment closely. */
    private static void awaitClosely(String what, AgentProcess agent, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n" + agent.output());
            }
            Thread.sleep(10);
        }
    }

    private static long request(TestDatabase db, String mode, String reason) {
        return db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', ?, ?)", mode, reason);
    }

    private static String finish(TestDatabase db, long request) {
        Wait.until("request " + request + " finished", Duration.ofSeconds(90), () -> !List.of("queued", "claimed").contains(
                db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request)));
        return db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request);
    }
}
