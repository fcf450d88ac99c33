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
import dev.mvcert.testing.ProductionDurability;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code mvcert serve} killed with kill -9 at three moments: in the middle of a refresh,
 * holding a queue claim before its run exists, and in the middle of certifying an atomic run.
 * Each time another agent, already serving, marks the work abandoned on its lease (6
 * heartbeats of 1 s here), timed from the kill: not before the victim's last heartbeat is a
 * lease old, and no later than one reap interval after; no advisory lock is left, readers keep
 * the previous certified snapshot and the registry is unchanged, and the next request is done
 * and certified by the survivor.
 */
@ExtendWith(PostgresExtension.class)
@ProductionDurability
class AgentCrashIT {

    /** The lease the agent gives its runs and claims: 6 heartbeats of 1 s (AgentProcess). */
    private static final Duration LEASE = Duration.ofSeconds(6);
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration REAP_INTERVAL = Duration.ofSeconds(1);
    /** Polling, queries and a loaded machine. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    @BeforeAll
    static void certifiedPipeline(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        SmallPipeline.addCertificationPause(db);
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
        SmallPipeline.certificationPause(db, 0);
    }

    @Test
    void anAgentKilledMidRefreshIsReapedByTheSurvivorOnItsLeaseAndReadersAndTheRegistryNeverNotice(TestDatabase db) throws Exception {
        Snapshot before = Snapshot.of(db);
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100"); // a run would change every view
        // one view at a time, each sleeping: the kill finds the first refresh running and nothing committed
        SmallPipeline.delay(db, "a", 60);
        SmallPipeline.delay(db, "b", 60);
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'crash test')");
        try (AgentProcess victim = AgentProcess.serve(db.jdbcUrl(), "refresh-victim", "--parallel", "1")) {
            Wait.until("the victim refreshing", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%refresh-victim%' AND state = 'active' "
                            + "AND query LIKE 'REFRESH MATERIALIZED VIEW%'") > 0);
            Long run = db.queryValue(Long.class, "SELECT run_id FROM audit.run WHERE executor = 'agent:refresh-victim'");
            try (AgentProcess survivor = AgentProcess.serve(db.jdbcUrl(), "refresh-survivor")) {
                Wait.until("the survivor serving", Duration.ofSeconds(60), () -> survivor.output().contains("serving the queue"));
                long killedAt = kill(victim);
                Wait.until("the victim's run abandoned", LEASE.plusSeconds(20), () ->
                        "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run)));
                assertReapedOnLease(killedAt, survivor);
                assertEquals("abandoned", db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request));
                assertEquals(List.of(), db.queryColumn("SELECT matview || ' ' || status FROM audit.step WHERE run_id = ? "
                        + "AND status NOT IN ('abandoned', 'skipped')", run), "the interrupted step is abandoned, nothing else ran");
                before.assertStillServed(db, "after the kill mid-refresh");
                Wait.until("no advisory lock left", Duration.ofSeconds(20), () ->
                        db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0);

                SmallPipeline.heal(db);
                long next = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'after the crash')");
                Wait.until("the next request finished", Duration.ofSeconds(60), () -> !List.of("queued", "claimed").contains(
                        db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", next)));
                assertEquals("certified refresh-survivor", db.queryValue(String.class,
                        "SELECT status || ' ' || claimed_by FROM audit.run_request WHERE request_id = ?", next),
                        survivor.output());
            }
        }
    }

    @Test
    void anAgentKilledWhileHoldingAClaimBeforeItsRunStartsLosesTheClaimWithinTheLeaseAndTheNextRunIsCertified(TestDatabase db)
            throws Exception {
        Snapshot before = Snapshot.of(db);
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100"); // a run would change b_mv
        // The victim's run never starts: inserting it sleeps. Only the victim's: its heartbeats and
        // every other agent's work go on (a table lock would stop the reapers, and with them the heartbeats).
        db.execute("""
                CREATE FUNCTION small.hold_victims_run() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.executor = 'agent:claim-victim' THEN PERFORM pg_sleep(600); END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER hold_victims_run BEFORE INSERT ON audit.run FOR EACH ROW EXECUTE FUNCTION small.hold_victims_run();
                """);
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'incremental', 'crash test')");
        long killedAt;
        AgentProcess survivor;
        try (AgentProcess victim = AgentProcess.serve(db.jdbcUrl(), "claim-victim")) {
            Wait.until("the victim holding the claim, held before its run starts", Duration.ofSeconds(60), () ->
                    "claimed claim-victim".equals(db.queryValue(String.class,
                            "SELECT status || ' ' || claimed_by FROM audit.run_request WHERE request_id = ?", request))
                            && db.queryValue(Long.class, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                                    + "AND application_name LIKE '%claim-victim%' AND query LIKE '%begin_run%'") > 0);
            survivor = AgentProcess.serve(db.jdbcUrl(), "claim-survivor");
            Wait.until("the survivor serving", Duration.ofSeconds(60), () -> survivor.output().contains("serving the queue"));
            killedAt = kill(victim);
        } finally {
            db.execute("DROP TRIGGER hold_victims_run ON audit.run; DROP FUNCTION small.hold_victims_run()");
        }
        // The victim's backend notices its client is gone (client_connection_check_interval) and rolls back.
        Wait.until("the victim's sessions gone", Duration.ofSeconds(20), () -> db.queryValue(Long.class,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%claim-victim%'") == 0);
        assertEquals(Long.valueOf(0), db.queryValue(Long.class, "SELECT count(*) FROM audit.run WHERE executor = 'agent:claim-victim'"),
                "the victim never started a run");

        try (survivor) {
            Wait.until("the orphaned claim abandoned", LEASE.plusSeconds(20), () ->
                    "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", request)));
            assertReapedOnLease(killedAt, survivor);
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
        db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 100");
        SmallPipeline.certificationPause(db, 120);
        long request = db.queryValue(Long.class, "SELECT audit.request_run('small.t_v', 'atomic', 'crash test')");
        long killedAt;
        AgentProcess survivor;
        try (AgentProcess victim = AgentProcess.serve(db.jdbcUrl(), "cert-victim")) {
            Wait.until("the victim certifying", Duration.ofSeconds(60), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '%cert-victim%' AND state = 'active' "
                            + "AND query LIKE '%cert_pause%' AND query NOT LIKE '%pg_stat_activity%'") > 0);
            assertEquals(Long.valueOf(3), db.queryValue(Long.class, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name LIKE '%cert-victim%')"),
                    "an atomic run holds its three views' locks until it publishes");
            survivor = AgentProcess.serve(db.jdbcUrl(), "cert-survivor");
            Wait.until("the survivor serving", Duration.ofSeconds(60), () -> survivor.output().contains("serving the queue"));
            killedAt = kill(victim);
        }
        SmallPipeline.certificationPause(db, 0);
        Long run = db.queryValue(Long.class, "SELECT run_id FROM audit.run WHERE executor = 'agent:cert-victim'");

        try (survivor) {
            Wait.until("the victim's run abandoned", LEASE.plusSeconds(20), () ->
                    "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run)));
            assertReapedOnLease(killedAt, survivor);
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

    /** kill -9; returns when it happened (System.nanoTime). */
    private static long kill(AgentProcess victim) throws InterruptedException {
        victim.process().destroyForcibly();
        long killedAt = System.nanoTime();
        assertTrue(victim.process().waitFor(10, TimeUnit.SECONDS));
        return killedAt;
    }

    /**
     * The victim's last heartbeat was at most one heartbeat before the kill, so its lease ran
     * out between LEASE - HEARTBEAT and LEASE after the kill; the survivor's next reap (every
     * REAP_INTERVAL) marks it. Earlier means the lease was not honoured, later that nobody reaped.
     */
    private static void assertReapedOnLease(long killedAt, AgentProcess survivor) {
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        assertTrue(took.compareTo(LEASE.minus(HEARTBEAT)) >= 0, "abandoned " + took + " after the kill, before the lease " + LEASE + " ran out");
        assertTrue(took.compareTo(LEASE.plus(REAP_INTERVAL).plus(SLACK)) <= 0,
                "abandoned " + took + " after the kill, lease " + LEASE + ", reaped every " + REAP_INTERVAL + "\n" + survivor.output());
    }

    /** What readers saw before the kill: the views' contents and the registry row (status, certification, times). */
    private record Snapshot(String contents, String registry) {
        static Snapshot of(TestDatabase db) {
            return new Snapshot(contents(db), registry(db));
        }

        private static String registry(TestDatabase db) {
            return db.queryValue(String.class, "SELECT r::text FROM audit.registry r WHERE target = 'small.t_v'");
        }

        private static String contents(TestDatabase db) {
            return db.queryValue(String.class, "SELECT md5(string_agg(t::text, ',' ORDER BY day)) FROM small.t_v t");
        }

        void assertStillServed(TestDatabase db, String when) {
            assertEquals(contents, contents(db), "readers still get the previous snapshot " + when);
            assertEquals(registry, registry(db), "the registry row is unchanged " + when);
            assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, "SELECT audit.require_certified('small.t_v', interval '1 day')"),
                    "the gate still passes " + when);
        }
    }
}
