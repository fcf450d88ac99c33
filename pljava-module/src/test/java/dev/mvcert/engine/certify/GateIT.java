package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fail-closed gates, the guarded view and audit.health. */
@ExtendWith(PostgresExtension.class)
class GateIT {

    private static final String GATE = "SELECT audit.require_certified('ml.store_v', interval '24 hours')";
    private static final String STRICT = "SELECT audit.require_certified_strict('ml.store_v', interval '24 hours')";

    private final TestDatabase db;

    GateIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void pipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("SELECT audit.create_guarded_view('ml.store_v', 'ml.store_guarded_v', interval '24 hours')");
    }

    @Test
    void guardedReadFailsUntilCertifiedThenSucceeds() throws SQLException {
        SQLException never = refused("SELECT count(*) FROM ml.store_guarded_v");
        assertEquals("MVC02", never.getSQLState());
        assertTrue(never.getMessage().contains("ml.store_v has never been certified"), never.getMessage());

        assertTrue(StorePipeline.certify(db).certified());
        assertEquals(400L, db.queryValue(Long.class, "SELECT count(*) FROM ml.store_guarded_v"));
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, GATE));
    }

    @Test
    void failedCertificationClosesTheGateNamingTheFailingChecks() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        db.execute(StorePipeline.FEATURES_V.replace("ml.as_of_day()", "now()::date"));
        CertificationResult failed = StorePipeline.certify(db);
        SQLException e = refused("SELECT * FROM ml.store_guarded_v LIMIT 1");
        assertEquals("MVC03", e.getSQLState());
        assertTrue(e.getMessage().contains("certification " + failed.certificationId()) && e.getMessage().contains("FAILED")
                && e.getMessage().contains("time_of_query_token") && e.getMessage().contains("definition_drift"), e.getMessage());
        db.execute(StorePipeline.FEATURES_V);
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals(400L, db.queryValue(Long.class, "SELECT count(*) FROM ml.store_guarded_v"));
    }

    @Test
    void staleCertificationClosesTheGateSayingByHowMuch() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        db.execute("SELECT pg_sleep(0.05)");
        SQLException old = refused("SELECT audit.require_certified('ml.store_v', interval '10 milliseconds')");
        assertEquals("MVC04", old.getSQLState());
        assertTrue(old.getMessage().contains("is stale: certified at") && old.getMessage().contains("more than max_age"), old.getMessage());

        db.execute("SELECT audit.mark_stale('ml.store_v', 'run 7 published new rows')");
        SQLException marked = refused("SELECT count(*) FROM ml.store_guarded_v");
        assertEquals("MVC04", marked.getSQLState());
        assertTrue(marked.getMessage().contains("run 7 published new rows"), marked.getMessage());
        assertEquals("STALE", db.queryValue(String.class, "SELECT status FROM audit.health WHERE target = 'ml.store_v'"));
    }

    @Test
    void unregisteredTargetAndBadArgumentsGetTheirOwnErrors() {
        db.execute("CREATE VIEW ml.other_v AS SELECT 1 AS x");
        assertEquals("MVC01", refused("SELECT audit.require_certified('ml.other_v', interval '1 hour')").getSQLState());
        assertEquals("22004", refused("SELECT audit.require_certified('ml.store_v', NULL)").getSQLState());
        SQLException negative = refused("SELECT audit.require_certified('ml.store_v', interval '-1 hour')");
        assertEquals("22023", negative.getSQLState());
        assertTrue(negative.getMessage().contains("max_age must be positive"), negative.getMessage());
    }

    @Test
    void guardedViewChecksTheRegistryOncePerQueryAndCallsNoFunctionOnTheHappyPath() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        String plan = String.join("\n", db.queryColumn("EXPLAIN (COSTS OFF) SELECT * FROM ml.store_guarded_v WHERE price > 150"));
        assertTrue(plan.matches("(?s)Result\\s+One-Time Filter: CASE WHEN \\$0 THEN true ELSE "
                + "audit\\.require_certified\\('ml\\.store_v'::regclass, '24:00:00'::interval\\) END\\s+"
                + "InitPlan 1 \\(returns \\$0\\)\\s+->  [A-Za-z ]*Scan[^\\n]* on registry r\\n.*"), plan);
        assertEquals(List.of(0L, 0L), gateCallsFor("SELECT count(*) FROM ml.store_guarded_v"),
                "calls of require_certified and _certification_gate for one certified query over 400 rows");
        // a registry row without the target's oid (certified before 0.2.0): the gate decides, once per query
        db.execute("UPDATE audit.registry SET target_oid = NULL WHERE target = 'ml.store_v'");
        assertEquals(List.of(1L, 0L), gateCallsFor("SELECT count(*) FROM ml.store_guarded_v"),
                "the gate itself finds the row by name");
    }

    /** Rows of the query, then how often it called require_certified and _certification_gate. */
    private List<Long> gateCallsFor(String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL track_functions = 'all'");
            try (ResultSet rs = s.executeQuery(query)) {
                rs.next();
                assertEquals(400, rs.getLong(1));
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT pg_stat_get_xact_function_calls('audit.require_certified(regclass, interval)'::regprocedure),
                           pg_stat_get_xact_function_calls('audit._certification_gate(regclass, interval, boolean)'::regprocedure)""")) {
                rs.next();
                List<Long> calls = List.of(rs.getLong(1), rs.getLong(2));
                c.rollback();
                return calls;
            }
        }
    }

    @Test
    void gateCostsMicrosecondsPerCall() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        // the regclass is computed per row, so each row really calls the gate
        String perRow = """
                SELECT count(*) FILTER (WHERE %s) FROM generate_series(1, 10000) i""";
        String gate = "audit.require_certified(('ml.store_v' || repeat('', i % 2))::regclass, interval '24 hours')";
        String noGate = "(('ml.store_v' || repeat('', i % 2))::regclass)::oid > 0";
        db.queryValue(Long.class, perRow.formatted(gate));
        long t0 = System.nanoTime();
        assertEquals(10000L, db.queryValue(Long.class, perRow.formatted(gate)));
        long t1 = System.nanoTime();
        assertEquals(10000L, db.queryValue(Long.class, perRow.formatted(noGate)));
        long t2 = System.nanoTime();
        double micros = ((t1 - t0) - (t2 - t1)) / 1000.0 / 10000;
        System.out.printf("audit.require_certified: %.1f microseconds per call%n", micros);
        assertTrue(micros < 500, micros + " microseconds per call");
    }

    @Test
    void gatesWorkInAReadOnlyTransactionAsOnAHotStandby() throws SQLException {
        assertTrue(StorePipeline.certify(db).certified());
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET TRANSACTION READ ONLY");
            try (ResultSet rs = s.executeQuery(GATE + ", " + STRICT.substring("SELECT ".length()) + ", (SELECT count(*) FROM ml.store_guarded_v)")) {
                rs.next();
                assertTrue(rs.getBoolean(1) && rs.getBoolean(2));
                assertEquals(400, rs.getLong(3));
            }
            c.rollback();
        }
        assertEquals("s", db.queryValue(String.class,
                "SELECT provolatile::text FROM pg_proc WHERE oid = 'audit.require_certified(regclass, interval)'::regprocedure"));
    }

    @Test
    void strictGateFailsWhenAMaterializedViewOrADefinitionChangedSinceCertification() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            // what the strict gate proves where change detection cannot be installed
            s.execute("ALTER EVENT TRIGGER mvcert_closure_ddl DISABLE; ALTER EVENT TRIGGER mvcert_closure_drop DISABLE");
            assertTrue(new Mvcert(c).certify(StorePipeline.TARGET, null).certified());
            assertTrue(value(s, STRICT));
            s.execute("UPDATE src.listing SET price = price + 1 WHERE listing_id = 400");
            s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
            SQLException rows = assertThrows(SQLException.class, () -> value(s, STRICT));
            assertEquals("MVC05", rows.getSQLState());
            assertTrue(rows.getMessage().contains("ml.base_mv (rows changed)"), rows.getMessage());
            assertTrue(value(s, GATE), "the non-strict gate does not look at the data");

            s.execute("UPDATE src.listing SET price = price - 1 WHERE listing_id = 400; REFRESH MATERIALIZED VIEW ml.base_mv");
            assertTrue(new Mvcert(c).certify(StorePipeline.TARGET, null).certified());
            assertTrue(value(s, STRICT));
            s.execute("REFRESH MATERIALIZED VIEW ml.base_mv");
            SQLException rewritten = assertThrows(SQLException.class, () -> value(s, STRICT));
            assertTrue(rewritten.getMessage().contains("ml.base_mv (rewritten (plain refresh) or dropped)"), rewritten.getMessage());

            assertTrue(new Mvcert(c).certify(StorePipeline.TARGET, null).certified());
            s.execute(StorePipeline.CUTOFF.replace("2100-01-01", "2099-01-01"));
            s.execute("CREATE OR REPLACE FUNCTION ml.as_of_day() RETURNS date LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN ml.cutoff() - 0; END $$");
            SQLException redefined = assertThrows(SQLException.class, () -> value(s, STRICT));
            assertTrue(redefined.getMessage().contains("ml.as_of_day() (definition changed or dropped)"), redefined.getMessage());
            s.execute("ALTER EVENT TRIGGER mvcert_closure_ddl ENABLE ALWAYS; ALTER EVENT TRIGGER mvcert_closure_drop ENABLE ALWAYS");
        }
    }

    @Test
    void healthShowsStatusAgeAndWhetherExportsAreAllowed() throws SQLException {
        assertEquals("UNCERTIFIED|t|f", healthRow());
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals("CERTIFIED|f|t", healthRow());
        db.execute("UPDATE audit.target SET export_max_age = interval '1 millisecond' WHERE target = 'ml.store_v'; SELECT pg_sleep(0.01)");
        assertEquals("CERTIFIED|f|f", healthRow());
    }

    private String healthRow() {
        return db.queryValue(String.class,
                "SELECT concat_ws('|', status, stale, exports_allowed) FROM audit.health WHERE target = 'ml.store_v'");
    }

    private static boolean value(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private SQLException refused(String sql) {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            throw new AssertionError("expected an error, got rows " + rows);
        } catch (SQLException e) {
            return e;
        }
    }
}
