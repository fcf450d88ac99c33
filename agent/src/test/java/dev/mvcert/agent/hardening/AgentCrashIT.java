package dev.mvcert.agent.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.agent.testing.AgentProcess;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code mvcert serve} killed with kill -9 at the two moments QueueIT does not cover: holding a
 * queue claim before its run exists, and in the middle of certifying an atomic run. Each time
 * another agent marks the work abandoned within the lease (6 heartbeats = 6 s here), no
 * advisory lock is left, readers keep the previous certified snapshot, the registry never
 * claims a certification of the killed run, and the next request is done and certified.
 */
@ExtendWith(PostgresExtension.class)
class AgentCrashIT {

    /** The lease the agent gives its runs and claims: 6 heartbeats of 1 s (AgentProcess). */
    private static final Duration LEASE = Duration.ofSeconds(6);

    @BeforeAll
    static void certifiedPipeline(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        // An assertion that sleeps while small.cert_delay says so: makes certification observable.
        db.execute("""
                CREATE TABLE small.cert_delay (seconds float8 NOT NULL);
                INSERT INTO small.cert_delay VALUES (0);
                CREATE FUNCTION small.cert_pause() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
                BEGIN PERFORM pg_sleep((SELECT seconds FROM small.cert_delay)); RETURN true; END $$;
                SELECT audit.add_sql_assertion('small.t_v', 'pause', 'SELECT 1 WHERE NOT small.cert_pause()');
                """);
        SmallPipeline.acceptBaseline(db);
        try (AgentRuntime agent = Agents.start(db, Agents.settings())) {
            RunResult first = agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL),
                    RunListener.NONE);
            assertEquals(RunOutcome.CERTIFIED, first.outcome(), first.toString());
        }
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
        db.execute("UPDATE small.cert_delay SET seconds = 0");
    }

    @Test
    void anAgentKilledWhileHoldingAClaimBeforeItsRunStartsLosesTheClaimWithinTheLeaseAndTheNextRunIsCertified(TestDatabase db)
            throws Exception {
        Snapshot before = Snapshot.of(db);
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100"); // a run would change b_mv
        Connection blocker = db.connect();
        // Nobody may start a run while the test holds this lock: the agent claims, then waits to insert its run.
        blocker.setAutoCommit(false);
        try (Statement s = blocker.createStatement()) {
            s.execute("LOCK TABLE audit.run IN SHARE MODE");
        }
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'crash test')");
        try (blocker; AgentProcess victim = AgentProcess.serve(db.jdbcUrl(), "claim-victim")) {
            Wait.until("the victim holding the claim, blocked before its run starts", Duration.ofSeconds(60), () ->
                    "claimed claim-victim".equals(db.queryValue(String.class,
                            "SELECT status || ' ' || claimed_by FROM audit.run_request WHERE request_id = ?", request))
                            && db.queryValue(Long.class, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    + "AND application_name LIKE '%claim-victim%' AND query LIKE '%begin_run%'") > 0);
            victim.process().destroyForcibly(); // kill -9
            assertTrue(victim.process().waitFor(10, TimeUnit.SECONDS));
            // The victim's backend notices its client is gone (client_connection_check_interval) before the lock goes.
            Wait.until("the victim's sessions gone", Duration.ofSeconds(20), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%claim-victim%'") == 0);
            blocker.rollback();
        }
        long killedAt = System.nanoTime();
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM audit.run WHERE executor = 'agent:claim-victim'"),
                "the victim never started a run");

        try (AgentProcess survivor = AgentProcess.serve(db.jdbcUrl(), "claim-survivor")) {
            Wait.until("the orphaned claim abandoned", LEASE.plusSeconds(20), () ->
                    "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request)));
            Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
            assertTrue(took.compareTo(LEASE.plusSeconds(5)) < 0, "abandoned after " + took + ", lease " + LEASE + "\n" + survivor.output());
            assertTrue(db.queryValue(String.class, "SELECT outcome FROM audit.run_request WHERE request_id = ?", request)
                    .contains("claim-victim"), "the outcome names the silent agent");
            before.assertStillServed(db, "after the claim was lost");

            long next = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'after the crash')");
            Wait.until("the next request finished", Duration.ofSeconds(60), () -> !List.of("queued", "claimed").contains(
                    db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", next)));
            assertEquals("certified claim-survivor", db.queryValue(String.class,
                    "SELECT status || ' ' || claimed_by FROM audit.run_request WHERE request_id = ?", next),
                    survivor.output());
        }
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"));
    }

    @Test
    void anAgentKilledWhileCertifyingAnAtomicRunPublishesNothingAndTheRunIsAbandonedWithinTheLease(TestDatabase db) throws Exception {
        Snapshot before = Snapshot.of(db);
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100; UPDATE small.cert_delay SET seconds = 120");
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'atomic', 'crash test')");
        try (AgentProcess victim = AgentProcess.serve(db.jdbcUrl(), "cert-victim")) {
            Wait.until("the victim certifying", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%cert-victim%' AND state = 'active' "
                            + "AND query LIKE '%cert_pause%' AND query NOT LIKE '%pg_stat_activity%'") > 0);
            assertEquals(Long.valueOf(3), db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name LIKE '%cert-victim%')"),
                    "an atomic run holds its three views' locks until it publishes");
            victim.process().destroyForcibly(); // kill -9
            assertTrue(victim.process().waitFor(10, TimeUnit.SECONDS));
        }
        long killedAt = System.nanoTime();
        db.execute("UPDATE small.cert_delay SET seconds = 0");
        Long run = db.queryValue(Long.class, "SELECT run_id FROM audit.run WHERE executor = 'agent:cert-victim'");

        try (AgentProcess survivor = AgentProcess.serve(db.jdbcUrl(), "cert-survivor")) {
            Wait.until("the victim's run abandoned", LEASE.plusSeconds(20), () ->
                    "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run)));
            Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
            assertTrue(took.compareTo(LEASE.plusSeconds(5)) < 0, "abandoned after " + took + ", lease " + LEASE);
            assertTrue(db.queryValue(String.class, "SELECT reason FROM audit.run WHERE run_id = ?", run).contains("no heartbeat"));
            assertEquals("abandoned", db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request));
            Wait.until("no advisory lock left", Duration.ofSeconds(20), () ->
                    db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0);
            assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM audit.certification WHERE run_id = ?", run),
                    "no certification recorded for the killed run");
            assertEquals(Long.valueOf(0), db.queryValue(Long.class,
                    "SELECT count(*) FROM audit.registry WHERE last_run_id = ? OR certified_run_id = ?", run, run));
            before.assertStillServed(db, "after the kill during certification");

            long next = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'atomic', 'after the crash')");
            Wait.until("the next request finished", Duration.ofSeconds(60), () -> !List.of("queued", "claimed").contains(
                    db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", next)));
            assertEquals("certified", db.queryValue(String.class,
                    "SELECT status FROM audit.run_request WHERE request_id = ?", next), survivor.output());
            assertTrue(db.queryValue(Long.class, "SELECT certified_run_id FROM audit.registry WHERE target = 'small.t_v'") > run);
        }
    }

    /** What readers saw before the kill: the views' contents and the registry's certification. */
    private record Snapshot(String contents, long certificationId) {
        static Snapshot of(TestDatabase db) {
            return new Snapshot(contents(db), db.queryValue(Long.class,
                    "SELECT certified_certification_id FROM audit.registry WHERE target = 'small.t_v'"));
        }

        private static String contents(TestDatabase db) {
            return db.queryValue(String.class, "SELECT md5(string_agg(t::text, ',' ORDER BY day)) FROM small.t_v t");
        }

        void assertStillServed(TestDatabase db, String when) {
            assertEquals(contents, contents(db), "readers still get the previous snapshot " + when);
            assertEquals(Long.valueOf(certificationId), db.queryValue(Long.class,
                    "SELECT certified_certification_id FROM audit.registry WHERE target = 'small.t_v'"));
            assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, "SELECT audit.require_certified('small.t_v', interval '1 day')"),
                    "the gate still passes " + when);
        }
    }
}
