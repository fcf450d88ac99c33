package dev.mvcert.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The queue's privileges: what mvcert_agent and mvcert_operator logins can and cannot do. */
@ExtendWith(PostgresExtension.class)
class QueueAccessIT {

    @BeforeAll
    static void rolesAndObjects(TestDatabase db) {
        db.execute("""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'queue_it_agent') THEN
                    CREATE ROLE queue_it_agent LOGIN IN ROLE mvcert_agent;
                  END IF;
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'queue_it_operator') THEN
                    CREATE ROLE queue_it_operator LOGIN IN ROLE mvcert_operator;
                  END IF;
                END $$;
                CREATE SCHEMA acc;
                GRANT USAGE ON SCHEMA acc TO mvcert_reader;
                CREATE TABLE acc.base (id int PRIMARY KEY);
                CREATE MATERIALIZED VIEW acc.base_mv AS SELECT * FROM acc.base;
                CREATE VIEW acc.features_v AS SELECT * FROM acc.base_mv;
                """);
    }

    private static Connection as(TestDatabase db, String role) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), role, "");
    }

    @Test
    void anAgentLoginServesTheQueueAndBreakersButCannotWriteTablesOrRequestRuns(TestDatabase db) throws SQLException {
        db.execute("DELETE FROM audit.run_request");
        long id = db.queryValue(Long.class, "SELECT audit.request_run('acc.features_v')");
        try (Connection c = as(db, "queue_it_agent"); Statement s = c.createStatement()) {
            s.execute("SELECT audit.agent_heartbeat('acc-agent', 'host', 1, '0.1.0')");
            try (ResultSet rs = s.executeQuery("SELECT request_id FROM audit.claim_request('acc-agent')")) {
                assertTrue(rs.next());
                assertEquals(id, rs.getLong(1));
            }
            s.execute("SELECT audit.finish_run(audit.begin_run('acc.features_v', 'incremental', 'acc-agent', " + id + "), 'certified')");
            s.execute("SELECT audit.complete_request(" + id + ")");
            s.execute("SELECT audit.breaker_permit('acc.base_mv'), audit.breaker_record('acc.base_mv', false, 'x')");
            s.execute("SELECT audit.reap_abandoned()");
            s.execute("SELECT audit.agent_stopped('acc-agent')");
            s.execute("SELECT count(*) FROM audit.breaker_status");

            assertDenied(s, "INSERT INTO audit.run_request (target) VALUES ('acc.features_v')");
            assertDenied(s, "UPDATE audit.breaker SET state = 'closed'");
            assertDenied(s, "SELECT audit.request_run('acc.features_v')");
            assertDenied(s, "SELECT audit.reset_breaker('acc.base_mv')");
            assertDenied(s, "SELECT audit.schedule('acc.features_v', '0 2 * * *')");
        }
    }

    @Test
    void anOperatorLoginRequestsRunsResetsBreakersAndCallsTheEntryPointsButCannotClaimOrSchedule(TestDatabase db) throws SQLException {
        db.execute("DELETE FROM audit.agent");
        try (Connection c = as(db, "queue_it_operator"); Statement s = c.createStatement()) {
            s.execute("SELECT audit.request_run('acc.features_v', 'certify', 'operator asked')");
            s.execute("SELECT audit.reset_breaker('acc.base_mv')");
            SQLException noAgent = assertThrows(SQLException.class, () -> s.execute("CALL audit.refresh_and_certify('acc.features_v')"));
            assertTrue(noAgent.getMessage().contains("no mvcert agent is running"), noAgent.getMessage());

            assertDenied(s, "SELECT audit.claim_request('me')");
            assertDenied(s, "SELECT audit.breaker_record('acc.base_mv', true)");
            assertDenied(s, "SELECT audit.schedule('acc.features_v', '0 2 * * *')");
            assertDenied(s, "SELECT audit.set_breaker_policy(NULL, 1)");
            assertDenied(s, "DELETE FROM audit.run_request");
        }
        assertEquals("queued queue_it_operator operator asked", db.queryValue(String.class,
                "SELECT status || ' ' || requested_by || ' ' || reason FROM audit.run_request WHERE mode = 'certify'"));
        assertEquals("queue_it_operator", db.queryValue(String.class, "SELECT reset_by FROM audit.breaker WHERE matview = 'acc.base_mv'"));
    }

    private static void assertDenied(Statement s, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute(sql), sql);
        assertEquals("42501", e.getSQLState(), sql + ": " + e.getMessage());
    }
}
