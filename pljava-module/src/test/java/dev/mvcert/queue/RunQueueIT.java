package dev.mvcert.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

@ExtendWith(PostgresExtension.class)
class RunQueueIT {

    @BeforeAll
    static void schema(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA q;
                CREATE TABLE q.base (id int PRIMARY KEY);
                CREATE MATERIALIZED VIEW q.base_mv AS SELECT * FROM q.base;
                """);
    }

    /** A fresh view per test, so tests sharing the class database do not see each other's requests. */
    private static String newTarget(TestDatabase db, String name) {
        db.execute("CREATE VIEW q." + name + " AS SELECT * FROM q.base_mv");
        return "q." + name;
    }

    private static long request(TestDatabase db, String target, String mode) {
        return db.queryValue(Long.class, "SELECT audit.request_run(?::regclass, ?, 'test')", target, mode);
    }

    @Test
    void equalRequestsWhileOneIsQueuedAreCoalescedIntoItAndEachIsRecorded(TestDatabase db) {
        String target = newTarget(db, "coalesce_v");
        long first = request(db, target, "incremental");
        long second = request(db, target, "incremental");
        long third = request(db, target, "incremental");
        long atomic = request(db, target, "atomic");

        assertEquals(first, second);
        assertEquals(first, third);
        assertNotEquals(first, atomic, "another mode is another request");
        assertEquals(List.of("queued", "coalesced", "coalesced", "queued"), db.queryColumn(
                "SELECT status FROM audit.run_request WHERE target = ? ORDER BY request_id", target));
        assertEquals(List.of(String.valueOf(first), String.valueOf(first)), db.queryColumn(
                "SELECT coalesced_into FROM audit.run_request WHERE target = ? AND status = 'coalesced'", target));
        cleanUp(db, target);
    }

    @Test
    void aRequestAfterTheQueuedOneWasClaimedIsQueuedAgain(TestDatabase db) throws SQLException {
        String target = newTarget(db, "requeue_v");
        long first = request(db, target, "incremental");
        claim(db, "agent-a");
        long second = request(db, target, "incremental");
        assertNotEquals(first, second);
        assertEquals("queued", db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", second));
        cleanUp(db, target);
    }

    @Test
    void aNewRequestIsNotifiedToAListeningConnection(TestDatabase db) throws Exception {
        String target = newTarget(db, "notify_v");
        try (Connection listener = db.connect(); Statement s = listener.createStatement()) {
            s.execute("LISTEN mvcert_requests");
            long id = request(db, target, "incremental");
            PGNotification[] notes = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertNotNull(notes, "no notification within 10 s");
            assertEquals("mvcert_requests", notes[0].getName());
            assertEquals(String.valueOf(id), notes[0].getParameter());
        }
        cleanUp(db, target);
    }

    @Test
    void concurrentClaimersTakeDifferentRequestsAndNeverTheSameTargetTwice(TestDatabase db) throws Exception {
        // two targets, two modes each: four queued requests, but only two may run at once
        String t1 = newTarget(db, "race1_v");
        String t2 = newTarget(db, "race2_v");
        for (String t : List.of(t1, t2)) {
            request(db, t, "incremental");
            request(db, t, "certify");
        }
        int claimers = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(claimers);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int i = 0; i < claimers; i++) {
            String agent = "racer-" + i;
            results.add(pool.submit(() -> {
                start.await();
                try (Connection c = db.connect()) {
                    c.setAutoCommit(false);
                    // claim inside a transaction held open a moment, as an agent would
                    List<String> got = claimIn(c, agent);
                    Thread.sleep(300);
                    c.commit();
                    return got;
                }
            }));
        }
        start.countDown();
        List<String> claimedTargets = new ArrayList<>();
        for (Future<List<String>> f : results) {
            claimedTargets.addAll(f.get(30, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertEquals(2, claimedTargets.size(), "one request per target: " + claimedTargets);
        assertTrue(claimedTargets.containsAll(List.of(t1, t2)), claimedTargets.toString());
        assertEquals(List.of("2"), db.queryColumn("SELECT count(*) FROM audit.run_request WHERE status = 'claimed'"));
        // while claimed, later claimers find nothing for these targets
        assertEquals(List.of(), claim(db, "late"));
        cleanUp(db, t1);
        cleanUp(db, t2);
    }

    @Test
    void aTargetWithALiveRunIsNotClaimedButOneWhoseLeaseExpiredIs(TestDatabase db) throws SQLException {
        String target = newTarget(db, "live_v");
        db.execute("INSERT INTO audit.run (target, mode, lease) VALUES ('" + target + "', 'incremental', interval '1 hour')");
        request(db, target, "incremental");
        assertEquals(List.of(), claim(db, "agent-a"), "target has a live run");

        db.execute("UPDATE audit.run SET heartbeat_at = clock_timestamp() - interval '2 hours' WHERE target = '" + target + "'");
        assertEquals(List.of(target), claim(db, "agent-a"));
        cleanUp(db, target);
    }

    @Test
    void aRequestEndsWithTheOutcomeOfItsRunOnceAndRefusesASecondCompletion(TestDatabase db) throws SQLException {
        String target = newTarget(db, "complete_v");
        long id = request(db, target, "incremental");
        assertEquals(List.of(target), claim(db, "agent-a"));
        long runId = db.queryValue(Long.class, "SELECT audit.begin_run(?::regclass, 'incremental', 'agent', ?)", target, id);
        SQLException running = assertThrows(SQLException.class, () -> sql(db, "SELECT audit.complete_request(" + id + ")"));
        assertTrue(running.getMessage().contains("while its run " + runId + " is still running"), running.getMessage());
        db.execute("SELECT audit.finish_run(" + runId + ", 'not_certified', 'certification 9 FAILED: sql_assertion x')");
        db.queryValue(String.class, "SELECT audit.complete_request(?)::text", id);
        assertEquals("not_certified run " + runId + " not_certified: certification 9 FAILED: sql_assertion x", db.queryValue(String.class,
                "SELECT status || ' ' || outcome FROM audit.run_request WHERE request_id = ?", id));
        SQLException again = assertThrows(SQLException.class, () -> sql(db, "SELECT audit.complete_request(" + id + ")"));
        assertTrue(again.getMessage().contains("request " + id + " is not_certified, not claimed"), again.getMessage());

        long noRun = request(db, target, "incremental");
        claim(db, "agent-a");
        SQLException unexplained = assertThrows(SQLException.class, () -> sql(db, "SELECT audit.complete_request(" + noRun + ")"));
        assertTrue(unexplained.getMessage().contains("has no run; say why"), unexplained.getMessage());
        db.queryValue(String.class, "SELECT audit.complete_request(?, 'agent error: connection lost')::text", noRun);
        assertEquals("error agent error: connection lost", db.queryValue(String.class,
                "SELECT status || ' ' || outcome FROM audit.run_request WHERE request_id = ?", noRun));
    }

    @Test
    void reapingClosesAClaimWhoseRunEndedButWasNeverCompletedAndFreesTheTarget(TestDatabase db) throws Exception {
        String target = newTarget(db, "ended_v");
        long id = request(db, target, "incremental");
        claim(db, "agent-live");
        db.execute("SELECT audit.agent_heartbeat('agent-live')");
        long runId = db.queryValue(Long.class, """
                INSERT INTO audit.run (target, mode, request_id, executor)
                VALUES (?, 'incremental', ?, 'agent:agent-live') RETURNING run_id""", target, id);
        db.execute("UPDATE audit.run SET status = 'certified', finished_at = clock_timestamp() WHERE run_id = " + runId);
        assertEquals(0, db.queryValue(Integer.class, "SELECT audit.reap_abandoned(interval '1 minute')"),
                "a live agent still has time to complete its request");
        assertEquals("claimed", db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", id));

        Thread.sleep(1100);
        db.execute("SELECT audit.agent_heartbeat('agent-live')"); // the agent is alive: only the ended run closes the claim
        assertEquals(1, db.queryValue(Integer.class, "SELECT audit.reap_abandoned(interval '1 second')"));
        String closed = db.queryValue(String.class, "SELECT status || ': ' || outcome FROM audit.run_request WHERE request_id = ?", id);
        assertTrue(closed.startsWith("certified: closed by the reaper: run " + runId + " ended certified"), closed);
        request(db, target, "incremental");
        assertEquals(List.of(target), claim(db, "agent-live"), "the target can run again");
    }

    @Test
    void reapingAbandonsRunsPastTheirLeaseWithTheirStepsAndRequestsAndFreesTheTarget(TestDatabase db) throws Exception {
        String target = newTarget(db, "reap_v");
        long id = request(db, target, "incremental");
        claim(db, "agent-dead");
        long runId = db.queryValue(Long.class, """
                INSERT INTO audit.run (target, mode, lease, request_id, executor)
                VALUES (?, 'incremental', interval '1 second', ?, 'agent:agent-dead') RETURNING run_id""", target, id);
        db.execute("INSERT INTO audit.step (run_id, matview) VALUES (" + runId + ", 'q.base_mv')");
        assertEquals(0, db.queryValue(Integer.class, "SELECT count(*)::int FROM audit.run WHERE run_id = ? AND status <> 'running'", runId));

        Thread.sleep(1500); // the tiny lease expires
        assertEquals(1, db.queryValue(Integer.class, "SELECT audit.reap_abandoned()"));
        assertEquals(0, db.queryValue(Integer.class, "SELECT audit.reap_abandoned()"), "nothing left to reap");

        String reason = db.queryValue(String.class, "SELECT status || ': ' || reason FROM audit.run WHERE run_id = ?", runId);
        assertTrue(reason.startsWith("abandoned: abandoned: executor agent:agent-dead sent no heartbeat"), reason);
        assertEquals(List.of("abandoned"), db.queryColumn("SELECT status FROM audit.step WHERE run_id = ?", runId));
        assertEquals("abandoned", db.queryValue(String.class, "SELECT status FROM audit.run_request WHERE request_id = ?", id));
        assertEquals(false, db.queryValue(Boolean.class, "SELECT audit.heartbeat(?)", runId), "the executor learns its run is gone");

        request(db, target, "incremental");
        assertEquals(List.of(target), claim(db, "agent-b"), "the target can run again");
        cleanUp(db, target);
    }

    @Test
    void heartbeatsMoveTheRunAndTheAgent(TestDatabase db) throws Exception {
        long runId = db.queryValue(Long.class,
                "INSERT INTO audit.run (target, mode, heartbeat_at) VALUES ('q.x', 'incremental', clock_timestamp() - interval '1 minute') RETURNING run_id");
        assertEquals(true, db.queryValue(Boolean.class, "SELECT audit.heartbeat(?)", runId));
        assertTrue(db.queryValue(Boolean.class, "SELECT heartbeat_at > clock_timestamp() - interval '5 seconds' FROM audit.run WHERE run_id = ?", runId));
        db.execute("UPDATE audit.run SET status = 'certified', finished_at = clock_timestamp() WHERE run_id = " + runId);

        db.queryValue(String.class, "SELECT audit.agent_heartbeat('hb-agent', 'host-1', 42, '0.1.0')::text");
        assertEquals(1, db.queryValue(Integer.class, "SELECT audit._live_agent_count()"));
        db.queryValue(Boolean.class, "SELECT audit.agent_stopped('hb-agent')");
        assertEquals(0, db.queryValue(Integer.class, "SELECT audit._live_agent_count()"));
        db.execute("DELETE FROM audit.agent");
    }

    @Test
    void badInputsErrorClearlyAndChangeNothing(TestDatabase db) throws SQLException {
        String target = newTarget(db, "bad_v");
        String before = snapshot(db);
        assertError(db, "SELECT audit.request_run(NULL)", "target must not be NULL");
        assertError(db, "SELECT audit.request_run('" + target + "', 'sometimes')", "unknown mode 'sometimes'");
        assertError(db, "SELECT audit.request_run('q.base')", "is a table, not a view");
        assertError(db, "SELECT audit.request_run('q.\"x''; DROP TABLE q.base; --\"')", "does not exist");
        assertError(db, "SELECT audit.claim_request(NULL)", "agent name must not be empty");
        assertError(db, "SELECT audit.claim_request('  ')", "agent name must not be empty");
        assertError(db, "SELECT audit.complete_request(NULL)", "request_id must not be NULL");
        assertError(db, "SELECT audit.complete_request(987654)", "request 987654 does not exist");
        assertError(db, "SELECT audit.agent_heartbeat('')", "agent name must not be empty");
        assertError(db, "SELECT audit.heartbeat(NULL)", "run_id must not be NULL");
        assertError(db, "SELECT audit.heartbeat(987654)", "run 987654 does not exist");
        assertError(db, "SELECT audit.reap_abandoned(interval '-1 minute')", "claim timeout must be positive");
        assertEquals(before, snapshot(db));
        assertTrue(db.queryValue(Boolean.class, "SELECT to_regclass('q.base') IS NOT NULL"));
    }

    static String snapshot(TestDatabase db) {
        return String.join("|", db.queryColumn("""
                SELECT 'req:' || coalesce(string_agg(r::text, ',' ORDER BY request_id), '') FROM audit.run_request r
                UNION ALL SELECT 'run:' || coalesce(string_agg(r::text, ',' ORDER BY run_id), '') FROM audit.run r
                UNION ALL SELECT 'agent:' || coalesce(string_agg(a::text, ','), '') FROM audit.agent a
                UNION ALL SELECT 'breaker:' || coalesce(string_agg(b::text, ','), '') FROM audit.breaker b
                UNION ALL SELECT 'policy:' || coalesce(string_agg(p::text, ','), '') FROM audit.breaker_policy p"""));
    }

    static void assertError(TestDatabase db, String sql, String expected) {
        SQLException e = assertThrows(SQLException.class, () -> sql(db, sql), sql);
        assertTrue(e.getMessage().contains(expected), "for " + sql + ": " + e.getMessage());
    }

    static void sql(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Claims in autocommit (the claim commits at once); returns the targets claimed. */
    private static List<String> claim(TestDatabase db, String agent) throws SQLException {
        try (Connection c = db.connect()) {
            return claimIn(c, agent);
        }
    }

    private static List<String> claimIn(Connection c, String agent) throws SQLException {
        List<String> targets = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT target FROM audit.claim_request(?)")) {
            ps.setString(1, agent);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    targets.add(rs.getString(1));
                }
            }
        }
        return targets;
    }

    /** Finishes whatever a test left queued or claimed for its target, so other tests' claims do not see it. */
    private static void cleanUp(TestDatabase db, String target) {
        db.execute("UPDATE audit.run_request SET status = 'skipped', finished_at = clock_timestamp(), outcome = 'test over' "
                + "WHERE target = '" + target + "' AND status IN ('queued', 'claimed')");
        db.execute("UPDATE audit.run SET status = 'cancelled', finished_at = clock_timestamp() "
                + "WHERE target = '" + target + "' AND status = 'running'");
    }
}
