package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The gates' happy path (one registry read: by name in audit.require_certified, an InitPlan in
 * a guarded view) answers exactly as the full gate does: every refusal is the full gate's own
 * error (SQLSTATE, message, detail, hint), through the function and through a guarded view; a
 * prepared statement reused across a status change never keeps a certified answer; and the
 * fast path never takes another relation's registry row for its target's.
 */
@ExtendWith(PostgresExtension.class)
class GateFastPathIT {

    private static final String GATE = "SELECT audit.require_certified('ml.store_v', interval '24 hours')";
    private static final String FULL_GATE = "SELECT audit._certification_gate('ml.store_v', interval '24 hours', false)";
    private static final String GUARDED = "SELECT count(*) FROM ml.store_guarded_v";

    private final TestDatabase db;

    GateFastPathIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void pipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("""
                SELECT audit.create_guarded_view('ml.store_v', 'ml.store_guarded_v', interval '24 hours');
                SELECT audit.create_guarded_view('ml.store_v', 'ml.store_fresh_guarded_v', interval '50 milliseconds');
                CREATE VIEW ml.other_v AS SELECT 1 AS x;
                SELECT audit.create_guarded_view('ml.other_v', 'ml.other_guarded_v', interval '24 hours');
                """);
    }

    @Test
    void everyRefusalIsTheFullGatesOwnThroughTheFunctionAndThroughAGuardedView() throws SQLException {
        assertSameRefusal("MVC02", GATE, GUARDED, FULL_GATE);

        assertTrue(StorePipeline.certify(db).certified());
        assertEquals("t", value(GATE));
        assertEquals("400", value(GUARDED));

        db.execute("SELECT pg_sleep(0.1)");
        assertSameRefusal("MVC04", "SELECT audit.require_certified('ml.store_v', interval '50 milliseconds')",
                "SELECT count(*) FROM ml.store_fresh_guarded_v",
                "SELECT audit._certification_gate('ml.store_v', interval '50 milliseconds', false)");

        db.execute("SELECT audit.mark_stale('ml.store_v', 'run 7 published new rows')");
        assertTrue(assertSameRefusal("MVC04", GATE, GUARDED, FULL_GATE).getMessage().contains("run 7 published new rows"));

        assertTrue(StorePipeline.certify(db).certified());
        assertEquals("400", value(GUARDED));
        db.execute(StorePipeline.FEATURES_V.replace("ml.as_of_day()", "now()::date"));
        assertFalse(StorePipeline.certify(db).certified());
        assertTrue(assertSameRefusal("MVC03", GATE, GUARDED, FULL_GATE).getMessage().contains("time_of_query_token"));

        assertSameRefusal("MVC01", "SELECT audit.require_certified('ml.other_v', interval '1 hour')",
                "SELECT count(*) FROM ml.other_guarded_v",
                "SELECT audit._certification_gate('ml.other_v', interval '24 hours', false)");
        for (String[] bad : List.of(
                new String[] {"22004", "SELECT audit.require_certified(NULL, interval '1 hour')"},
                new String[] {"22004", "SELECT audit.require_certified('ml.store_v', NULL)"},
                new String[] {"22023", "SELECT audit.require_certified('ml.store_v', interval '-1 hour')"},
                new String[] {"22023", "SELECT audit.require_certified('ml.store_v', interval '0')"},
                new String[] {"42P01", "SELECT audit.require_certified(987654321::oid::regclass, interval '1 hour')"})) {
            assertEquals(bad[0], refusal(bad[1]).getSQLState(), bad[1]);
        }
    }

    @Test
    void aZeroOrNegativeMaxAgeIsRefusedEvenWhenTheCertificationLooksYoungerThanNow() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        // now() is the start of the reader's transaction: a certification committed after it looks younger than zero
        try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
            reader.setAutoCommit(false);
            s.execute("SELECT now()");
            assertTrue(StorePipeline.certify(db).certified());
            SQLException zero = assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT audit.require_certified('ml.store_v', interval '0')").close());
            assertEquals("22023", zero.getSQLState(), zero.getMessage());
            reader.rollback();
        }
    }

    @Test
    void preparedStatementsReusedAcrossStatusChangesNeverKeepACertifiedAnswer() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        try (Connection reader = db.connect(); Statement s = reader.createStatement()) {
            s.execute("PREPARE gate AS " + GATE);
            s.execute("PREPARE point(int) AS SELECT price FROM ml.store_guarded_v WHERE listing_id = $1");
            for (int i = 0; i < 8; i++) {
                assertEquals("t", first(s, "EXECUTE gate"));
                assertEquals("142", first(s, "EXECUTE point(42)"));
            }
            assertEquals("2", first(s, "SELECT count(*) FROM pg_prepared_statements WHERE generic_plans > 0"),
                    "both statements run a cached generic plan");

            db.execute("SELECT audit.mark_stale('ml.store_v', 'marked stale by another session')");
            assertEquals("MVC04", refusal(s, "EXECUTE gate").getSQLState());
            assertEquals("MVC04", refusal(s, "EXECUTE point(42)").getSQLState());

            assertTrue(StorePipeline.certify(db).certified());
            assertEquals("t", first(s, "EXECUTE gate"));
            assertEquals("142", first(s, "EXECUTE point(42)"));

            db.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
            assertEquals("MVC04", refusal(s, "EXECUTE gate").getSQLState(), "a refresh by hand, caught by change detection");
            assertEquals("MVC04", refusal(s, "EXECUTE point(42)").getSQLState());

            db.execute("SELECT audit.add_sql_assertion('ml.store_v', 'nothing', 'SELECT * FROM ml.store_v')");
            assertFalse(StorePipeline.certify(db).certified());
            assertEquals("MVC03", refusal(s, "EXECUTE gate").getSQLState());
            assertEquals("MVC03", refusal(s, "EXECUTE point(42)").getSQLState());
        }
    }

    @Test
    void aGuardedViewRefusesWhenItsTargetsNameNowBelongsToAnotherCertifiedRelation() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        db.execute("ALTER VIEW ml.store_v RENAME TO store_old_v;\n" + StorePipeline.STORE_V);
        assertTrue(StorePipeline.certify(db).certified(), "the new ml.store_v, under the registered name");
        // the guarded view still reads the renamed relation (by oid), which nobody certified
        SQLException e = refusal(GUARDED);
        assertEquals("MVC01", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("ml.store_old_v is not a registered target"), e.getMessage());
    }

    @Test
    void theFastPathServesAnySearchPathAndNamesThatNeedQuoting() throws SQLException {
        db.execute("""
                DROP SCHEMA IF EXISTS "we ird" CASCADE;
                CREATE SCHEMA "we ird";
                CREATE VIEW "we ird"."na.me ""x" AS SELECT 1 AS x;
                SELECT audit.register_target('"we ird"."na.me ""x"');
                SELECT audit.create_guarded_view('"we ird"."na.me ""x"', '"we ird".guarded', interval '1 hour');
                SELECT audit._publish_certification(audit._record_certification('"we ird"."na.me ""x"', NULL, now(), 'test',
                       '[{"check": "structural", "object": "x", "passed": true, "detail": ""}]'));
                """);
        assertTrue(StorePipeline.certify(db).certified());
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL track_functions = 'all'; SET LOCAL search_path = ml, \"we ird\", public");
            assertEquals("t", first(s, "SELECT audit.require_certified('store_v', interval '1 hour')"));
            assertEquals("t", first(s, "SELECT audit.require_certified('\"na.me \"\"x\"', interval '1 hour')"));
            assertEquals("1", first(s, "SELECT count(*) FROM guarded"));
            assertEquals("2|0", first(s, """
                    SELECT concat_ws('|', pg_stat_get_xact_function_calls('audit.require_certified(regclass, interval)'::regprocedure),
                                     coalesce(pg_stat_get_xact_function_calls(
                                         'audit._certification_gate(regclass, interval, boolean)'::regprocedure), 0))"""),
                    "two direct calls took the fast path; the guarded view called no function");
            c.rollback();
        }
    }

    @Test
    void aGuardedViewOf010KeepsWorkingAndIsReplacedInPlaceByTheFastOne() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        db.execute("""
                CREATE VIEW ml.old_guarded_v AS SELECT * FROM ml.store_v WHERE audit.require_certified('ml.store_v'::regclass, '24:00:00'::interval);
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fast_path_reader') THEN CREATE ROLE fast_path_reader; END IF;
                END $$;
                GRANT USAGE ON SCHEMA ml TO fast_path_reader;
                GRANT SELECT ON ml.old_guarded_v TO fast_path_reader;
                """);
        String read = "SELECT count(*) FROM ml.old_guarded_v";
        assertEquals("400|1", readAndGateCalls(read), "the 0.1.0 form calls the gate once per query");
        db.execute("DO $$ BEGIN EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW ml.old_guarded_v AS %s',"
                + " audit._guarded_view_query('ml.store_v', interval '24 hours', false)); END $$");
        assertEquals("400|0", readAndGateCalls(read), "re-created in place: the grant is kept, and no function runs");
        db.execute("SELECT audit.mark_stale('ml.store_v', 'stale for the replaced view')");
        assertEquals("MVC04", refusal("SELECT count(*) FROM ml.old_guarded_v").getSQLState());
    }

    /** The query's one value as fast_path_reader, then how often it called require_certified. */
    private String readAndGateCalls(String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL track_functions = 'all'");
            s.execute("SET LOCAL ROLE fast_path_reader");
            String value = first(s, query);
            String calls = first(s, "SELECT coalesce(pg_stat_get_xact_function_calls("
                    + "'audit.require_certified(regclass, interval)'::regprocedure), 0)");
            c.rollback();
            return value + "|" + calls;
        }
    }

    /**
     * Runs each query expecting the same refusal (SQLSTATE, message, detail, hint) as the last
     * one, the full gate; returns it. Time-dependent parts of messages are masked.
     */
    private SQLException assertSameRefusal(String sqlState, String... queries) {
        SQLException full = refusal(queries[queries.length - 1]);
        assertEquals(sqlState, full.getSQLState(), full.getMessage());
        for (String query : queries) {
            SQLException e = refusal(query);
            assertEquals(describe(full), describe(e), query);
        }
        return full;
    }

    private static String describe(SQLException e) {
        ServerErrorMessage m = ((PSQLException) e).getServerErrorMessage();
        return (e.getSQLState() + " | " + m.getMessage() + " | " + m.getDetail() + " | " + m.getHint())
                .replaceAll("\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?", "hh:mm:ss");
    }

    private SQLException refusal(String sql) {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return refusal(s, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SQLException refusal(Statement s, String sql) {
        return assertThrows(SQLException.class, () -> first(s, sql), sql);
    }

    private String value(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return first(s, sql);
        }
    }

    private static String first(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
