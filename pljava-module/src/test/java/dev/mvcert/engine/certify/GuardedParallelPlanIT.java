package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gate is PARALLEL SAFE: a guarded read keeps the parallel plan the source would get (a
 * parallel-unsafe or restricted qual would force a serial scan), and the gate still fails
 * closed with its own SQLSTATE when it runs inside parallel workers.
 */
@ExtendWith(PostgresExtension.class)
class GuardedParallelPlanIT {

    private static final String PARALLEL_ALWAYS = """
            SET parallel_setup_cost = 0;
            SET parallel_tuple_cost = 0;
            SET min_parallel_table_scan_size = 0;
            SET max_parallel_workers_per_gather = 2;
            """;

    @Test
    void guardedReadKeepsTheParallelPlanAndStillFailsClosedInWorkers(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA par;
                CREATE TABLE par.facts AS SELECT g AS id, g % 7 AS k FROM generate_series(1, 50000) g;
                ANALYZE par.facts;
                CREATE VIEW par.facts_v AS SELECT * FROM par.facts;
                SELECT audit.register_target('par.facts_v');
                SELECT audit.create_guarded_view('par.facts_v', 'par.facts_guarded_v', interval '1 hour');
                """);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(PARALLEL_ALWAYS);
            String source = plan(s, "SELECT count(*) FROM par.facts_v");
            String guarded = plan(s, "SELECT count(*) FROM par.facts_guarded_v");
            assertTrue(source.contains("Gather"), source);
            assertTrue(guarded.contains("Gather"), "the guarded read is parallel too:\n" + guarded);
            // the registry is read once, by the leader, and handed to the workers
            assertTrue(guarded.contains("Params Evaluated: $0")
                    && guarded.contains("One-Time Filter: CASE WHEN $0 THEN true ELSE audit.require_certified"), guarded);

            s.execute("SET force_parallel_mode = on");
            SQLException never = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT count(*) FROM par.facts_guarded_v").close());
            assertEquals("MVC02", never.getSQLState(), never.getMessage());
        }
    }

    private static String plan(Statement s, String query) throws SQLException {
        StringBuilder text = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN (COSTS OFF) " + query)) {
            while (rs.next()) {
                text.append(rs.getString(1)).append('\n');
            }
        }
        return text.toString();
    }
}
