package dev.mvcert.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live inputs: relations a target reads through plain views only, whose rows change without any
 * refresh. The plan warns about them, register_target raises the same WARNING, and audit.health
 * lists them per target; none of them refuses anything.
 */
@ExtendWith(PostgresExtension.class)
class LiveInputsIT {

    @BeforeAll
    static void pipeline(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA li;
                CREATE TABLE li.orders (id int PRIMARY KEY, amount int);
                CREATE TABLE li.customers (id int PRIMARY KEY, name text);
                INSERT INTO li.orders VALUES (1, 10);
                CREATE MATERIALIZED VIEW li.order_mv AS SELECT id, amount FROM li.orders;
                CREATE UNIQUE INDEX order_mv_id ON li.order_mv (id);
                ANALYZE li.order_mv;
                CREATE VIEW li.named AS SELECT o.id, o.amount, c.name FROM li.order_mv o LEFT JOIN li.customers c USING (id);
                CREATE VIEW li.sessions AS SELECT count(*) AS n FROM pg_catalog.pg_stat_activity;
                CREATE VIEW li.live_v AS SELECT n.id, n.amount, n.name, s.n FROM li.named n, li.sessions s;
                CREATE VIEW li.pinned_v AS SELECT id, amount FROM li.order_mv;
                """);
    }

    @Test
    void registeringATargetWithLiveInputsWarnsWithThePlansTextAndRegistersIt(TestDatabase db) throws SQLException {
        List<String> warnings = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT audit.register_target('li.live_v')");
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                warnings.add(w.getMessage());
            }
        }
        String planWarning = db.queryValue(String.class, "SELECT warning FROM audit.refresh_plan('li.live_v') ORDER BY step DESC LIMIT 1");

        assertEquals("live inputs of li.live_v (read through plain views only, no materialized view in between): "
                        + "li.customers (table, read by li.named); "
                        + "pg_catalog.pg_stat_activity (system view, read by li.sessions). "
                        + "Their rows change without any refresh: readers see them as they are at query time, not as refreshed and certified",
                planWarning);
        assertEquals(List.of(planWarning), warnings, "one WARNING, the plan's text");
        assertEquals(1L, db.queryValue(Long.class, "SELECT count(*) FROM audit.target WHERE target = 'li.live_v'"),
                "a warning, not an error");
    }

    @Test
    void aTargetWithoutLiveInputsRegistersSilently(TestDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT audit.register_target('li.pinned_v')");
            assertNull(s.getWarnings());
            s.execute("SELECT audit.register_target('li.order_mv')");
            assertNull(s.getWarnings(), "a materialized view target is its own snapshot");
        }
    }

    @Test
    void healthListsTheLiveInputsOfEachTargetAndSurvivesABrokenClosure(TestDatabase db) throws SQLException {
        db.execute("""
                SELECT audit.register_target('li.live_v');
                SELECT audit.register_target('li.pinned_v');
                CREATE TABLE li.doomed (id int);
                CREATE VIEW li.broken_v AS SELECT id FROM li.order_mv;
                SELECT audit.register_target('li.broken_v');
                SELECT audit.declare_dependency('li.broken_v', 'li.doomed', 'read in a function');
                DROP TABLE li.doomed;
                """);

        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT target, live_inputs::text FROM audit.health
                      WHERE target IN ('li.live_v', 'li.pinned_v', 'li.broken_v') ORDER BY target""")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2));
            }
        }

        assertEquals(List.of(
                "li.broken_v null",
                "li.live_v {\"li.customers (table, read by li.named)\",\"pg_catalog.pg_stat_activity (system view, read by li.sessions)\"}",
                "li.pinned_v {}"), rows, "the stale declared edge makes li.broken_v unknown, not the whole view fail");
        db.execute("DELETE FROM audit.declared_dependency WHERE dependent = 'li.broken_v'");
    }

    @Test
    void registeringATargetWhoseClosureIsBrokenWarnsAndStillRegisters(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE TABLE li.gone (id int);
                CREATE VIEW li.stale_v AS SELECT id FROM li.order_mv;
                SELECT audit.declare_dependency('li.stale_v', 'li.gone');
                DROP TABLE li.gone;
                """);
        String warning;
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT audit.register_target('li.stale_v')");
            warning = s.getWarnings().getMessage();
        }
        assertTrue(warning.contains("live inputs of li.stale_v cannot be determined now: "
                + "mvcert: declared dependency li.stale_v -> li.gone is stale"), warning);
        assertEquals(1L, db.queryValue(Long.class, "SELECT count(*) FROM audit.target WHERE target = 'li.stale_v'"));
        db.execute("DELETE FROM audit.declared_dependency WHERE dependent = 'li.stale_v'");
    }
}
