package dev.mvcert.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CALL audit.refresh_and_certify / audit.run_certification without PL/Java: they queue a request,
 * commit, and wait for an agent. A minimal stand-in agent (claim, complete) plays the agent's part
 * over the same SQL API the real one uses.
 */
@ExtendWith(PostgresExtension.class)
class EntryPointIT {

    private static final String TARGET = "ep.features_v";

    @BeforeAll
    static void schema(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA ep;
                CREATE TABLE ep.base (id int PRIMARY KEY);
                CREATE MATERIALIZED VIEW ep.base_mv AS SELECT * FROM ep.base;
                CREATE VIEW ep.features_v AS SELECT * FROM ep.base_mv;
                """);
    }

    @AfterEach
    void clear(TestDatabase db) {
        db.execute("DELETE FROM audit.run_request; DELETE FROM audit.agent;");
    }

    @Test
    void withNoLiveAgentItFailsAtOnceNamingTheDatabaseAndQueuesNothing(TestDatabase db) {
        db.execute("SELECT audit.agent_heartbeat('old-agent'); "
                + "UPDATE audit.agent SET last_seen_at = clock_timestamp() - interval '5 minutes'");
        SQLException e = assertThrows(SQLException.class, () -> RunQueueIT.sql(db, "CALL audit.refresh_and_certify('" + TARGET + "', true)"));
        assertTrue(e.getMessage().contains("no mvcert agent is running for database " + db.name() + ": start `mvcert serve`"), e.getMessage());
        assertEquals(0, count(db));
        SQLException cert = assertThrows(SQLException.class, () -> RunQueueIT.sql(db, "CALL audit.run_certification('" + TARGET + "')"));
        assertTrue(cert.getMessage().contains("no mvcert agent is running"), cert.getMessage());
        assertEquals(0, count(db));
    }

    @Test
    void withAnAgentThatNeverAnswersItTimesOutNamingTheRequest(TestDatabase db) {
        db.execute("SELECT audit.agent_heartbeat('busy-agent')");
        long started = System.nanoTime();
        SQLException e = assertThrows(SQLException.class, () -> RunQueueIT.sql(db,
                "CALL audit.refresh_and_certify('" + TARGET + "', true, 'incremental', interval '1 second')"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(e.getMessage().contains("timed out after 00:00:01 waiting for request"), e.getMessage());
        assertTrue(e.getMessage().contains("which is still queued"), e.getMessage());
        assertTrue(tookMs >= 1000 && tookMs < 10_000, "took " + tookMs + " ms");
        // the request was committed before waiting, so an agent could see it, and it stays queued
        assertEquals("queued incremental", db.queryValue(String.class, "SELECT status || ' ' || mode FROM audit.run_request"));
    }

    @Test
    void returnsWhenTheAgentReportsTheTargetCertified(TestDatabase db) throws Exception {
        CompletableFuture<Long> agent = standInAgent(db, "certified", "7 checks passed");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CALL audit.refresh_and_certify('" + TARGET + "', true, 'atomic', interval '30 seconds')");
            String notices = notices(s.getWarnings());
            long request = agent.get(5, TimeUnit.SECONDS);
            assertTrue(notices.contains("audit.refresh_and_certify certified " + TARGET + " (run ") && notices.contains(", request " + request),
                    notices);
        }
        assertEquals("certified atomic", db.queryValue(String.class, "SELECT status || ' ' || mode FROM audit.run_request"));
    }

    @Test
    void raisesWhenTheRunDidNotEndCertifiedAndOnlyWarnsWithRaiseFalse(TestDatabase db) throws Exception {
        standInAgent(db, "refresh_failed", "failed: ep.base_mv (lock_timeout: canceling statement due to lock timeout)");
        SQLException e = assertThrows(SQLException.class, () -> RunQueueIT.sql(db, "CALL audit.run_certification('" + TARGET + "', true, interval '30 seconds')"));
        assertTrue(e.getMessage().contains("audit.run_certification of ep.features_v did not end certified"), e.getMessage());
        assertTrue(e.getMessage().contains("refresh_failed") && e.getMessage().contains("failed: ep.base_mv (lock_timeout"), e.getMessage());
        db.execute("DELETE FROM audit.run_request");

        standInAgent(db, "not_certified", "certification failed: time_tokens");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CALL audit.refresh_and_certify('" + TARGET + "', false, 'incremental', interval '30 seconds')");
            String notices = notices(s.getWarnings());
            assertTrue(notices.contains("did not end certified") && notices.contains("time_tokens"), notices);
        }
    }

    @Test
    void insideATransactionBlockItRefusesBeforeQueueing(TestDatabase db) throws SQLException {
        db.execute("SELECT audit.agent_heartbeat('agent')");
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class,
                        () -> s.execute("CALL audit.refresh_and_certify('" + TARGET + "', true)"));
                assertTrue(e.getMessage().contains("invalid transaction termination"), e.getMessage());
            }
            c.rollback();
        }
        assertEquals(0, count(db));
    }

    @Test
    void badInputsErrorClearlyAndChangeNothing(TestDatabase db) {
        db.execute("SELECT audit.agent_heartbeat('agent')");
        String before = RunQueueIT.snapshot(db);
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify(NULL)", "target must not be NULL");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('ep.base')", "ep.base is a table, not a view");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('ep.\"nope;--\"')", "does not exist");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('" + TARGET + "', true, 'certify')", "unknown mode 'certify'");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('" + TARGET + "', true, 'fast')", "unknown mode 'fast'");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('" + TARGET + "', true, 'incremental', interval '-1 minute')",
                "timeout must be positive, got '-00:01:00'");
        RunQueueIT.assertError(db, "CALL audit.refresh_and_certify('" + TARGET + "', NULL)", "p_raise must not be NULL");
        RunQueueIT.assertError(db, "CALL audit.run_certification('" + TARGET + "', true, NULL)", "timeout must be positive");
        RunQueueIT.assertError(db, "CALL audit.run_certification(NULL)", "target must not be NULL");
        assertEquals(before, RunQueueIT.snapshot(db));
    }

    @Test
    void withoutPljavaTheEntryPointsUseTheQueue(TestDatabase db) {
        assertEquals(false, db.queryValue(Boolean.class, "SELECT audit._pljava_available()"));
    }

    private static int count(TestDatabase db) {
        return db.queryValue(Integer.class, "SELECT count(*)::int FROM audit.run_request");
    }

    /**
     * Heartbeats, waits for one request, claims it, records a run of it that ends as given (the
     * way an agent's engine does), completes the request; yields the request id.
     */
    private static CompletableFuture<Long> standInAgent(TestDatabase db, String runStatus, String reason) {
        db.execute("SELECT audit.agent_heartbeat('stand-in')");
        return CompletableFuture.supplyAsync(() -> {
            try (Connection c = db.connect();
                 PreparedStatement claim = c.prepareStatement("SELECT request_id, target, mode FROM audit.claim_request('stand-in')");
                 PreparedStatement run = c.prepareStatement(
                         "SELECT audit.finish_run(audit.begin_run(?::regclass, ?, 'stand-in', ?), ?, ?)");
                 PreparedStatement complete = c.prepareStatement("SELECT audit.complete_request(?)")) {
                long deadline = System.currentTimeMillis() + 20_000;
                while (System.currentTimeMillis() < deadline) {
                    try (ResultSet rs = claim.executeQuery()) {
                        if (rs.next()) {
                            long id = rs.getLong(1);
                            Thread.sleep(300); // "runs"
                            run.setString(1, rs.getString(2));
                            run.setString(2, rs.getString(3));
                            run.setLong(3, id);
                            run.setString(4, runStatus);
                            run.setString(5, reason);
                            run.execute();
                            complete.setLong(1, id);
                            complete.execute();
                            return id;
                        }
                    }
                    Thread.sleep(100);
                }
                throw new IllegalStateException("no request to claim within 20 s");
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String notices(SQLWarning warning) {
        assertNotNull(warning, "expected notices");
        StringBuilder out = new StringBuilder();
        for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
            out.append(w.getMessage()).append('\n');
        }
        return out.toString();
    }
}
