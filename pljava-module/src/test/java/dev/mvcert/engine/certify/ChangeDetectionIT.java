package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whatever changes what a certified target serves moves it out of CERTIFIED in the transaction
 * that makes the change, whoever makes it: a REFRESH run by hand, DDL on any object of the
 * closure, a drop. Readers of other sessions keep the certified snapshot until that
 * transaction commits, and fail closed from the moment it does.
 */
@ExtendWith(PostgresExtension.class)
class ChangeDetectionIT {

    private static final String GATE = "SELECT audit.require_certified('ml.store_v', interval '24 hours')";
    private static final String GUARDED_COUNT = "SELECT count(*) FROM ml.store_guarded_v";

    private final TestDatabase db;
    private long lastChange;

    ChangeDetectionIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void certifiedPipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("SELECT audit.create_guarded_view('ml.store_v', 'ml.store_guarded_v', interval '24 hours')");
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, "SELECT audit.change_detection()"));
        lastChange = db.queryValue(Long.class, "SELECT coalesce(max(change_id), 0) FROM audit.closure_change");
    }

    @Test
    void refreshByHandFailsTheGateInItsTransactionAndForEveryoneOnceCommitted() throws SQLException {
        try (Connection changer = db.connect(); Connection reader = db.connect()) {
            changer.setAutoCommit(false);
            try (Statement s = changer.createStatement()) {
                s.execute("INSERT INTO src.listing SELECT i, date '2024-03-01', 1, 1, true, 1, 1 FROM generate_series(1001, 1050) i");
                s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
                Savepoint beforeRead = changer.setSavepoint();
                SQLException own = assertThrows(SQLException.class, () -> query(s, GATE));
                assertEquals("MVC04", own.getSQLState());
                assertTrue(own.getMessage().contains("REFRESH MATERIALIZED VIEW of ml.base_mv by")
                        && own.getMessage().contains("outside mvcert"), own.getMessage());
                changer.rollback(beforeRead);
            }
            // not committed yet: everyone else still reads the certified snapshot
            assertEquals("400", query(reader.createStatement(), GUARDED_COUNT));
            changer.commit();
            SQLException after = assertThrows(SQLException.class, () -> query(reader.createStatement(), GUARDED_COUNT));
            assertEquals("MVC04", after.getSQLState(), after.getMessage());
        }
        assertEquals("STALE", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));
        assertEquals(1L, db.queryValue(Long.class, "SELECT count(*) FROM audit.closure_change WHERE change_id > ? "
                + "AND object = 'ml.base_mv' AND command = 'REFRESH MATERIALIZED VIEW' AND run_id IS NULL AND invalidated", lastChange));
    }

    @Test
    void ddlOnTheTargetFailsTheGateBeforeTheNextCertification() throws SQLException {
        db.execute(StorePipeline.STORE_V.replace("'now()'::text AS note", "now()::text AS note"));
        SQLException e = assertThrows(SQLException.class, this::gate);
        assertEquals("MVC04", e.getSQLState());
        assertTrue(e.getMessage().contains("CREATE VIEW of ml.store_v"), e.getMessage());
        // and certification finds the reason
        CertificationResult again = StorePipeline.certify(db);
        assertFalse(again.certified());
        assertTrue(again.failureSummary().contains("time_of_query_token"), again.failureSummary());
    }

    @Test
    void replacingAFunctionTheClosureCallsFailsTheGate() {
        db.execute(StorePipeline.CUTOFF.replace("date '2100-01-01'", "date '2099-01-01'"));
        SQLException e = assertThrows(SQLException.class, this::gate);
        assertTrue(e.getMessage().contains("CREATE FUNCTION of ml.cutoff()"), e.getMessage());
    }

    @Test
    void droppingTheUniqueIndexOfAClosureViewFailsTheGate() {
        db.execute("DROP INDEX ml.base_mv_listing_id");
        SQLException e = assertThrows(SQLException.class, this::gate);
        assertTrue(e.getMessage().contains("DROP INDEX of ml.base_mv_listing_id"), e.getMessage());
    }

    @Test
    void creatingAnIndexOnAClosureViewFailsTheGate() {
        db.execute("CREATE INDEX base_mv_price ON ml.base_mv (price)");
        SQLException e = assertThrows(SQLException.class, this::gate);
        assertTrue(e.getMessage().contains("CREATE INDEX of ml.base_mv"), e.getMessage());
    }

    @Test
    void changesOutsideEveryClosureAndRolledBackRefreshesChangeNothing() throws SQLException {
        db.execute("""
                CREATE SCHEMA other;
                CREATE TABLE other.t (id int PRIMARY KEY);
                CREATE MATERIALIZED VIEW other.m AS SELECT * FROM other.t;
                REFRESH MATERIALIZED VIEW other.m;
                CREATE OR REPLACE VIEW other.v AS SELECT * FROM other.m;
                COMMENT ON MATERIALIZED VIEW ml.base_mv IS 'a comment changes no row';
                DROP SCHEMA other CASCADE;
                """);
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
            }
            c.rollback();
        }
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, GATE));
        assertEquals(0L, db.queryValue(Long.class, "SELECT count(*) FROM audit.closure_change WHERE change_id > ?", lastChange));
    }

    @Test
    void certificationIsPublishedStaleWhenTheClosureChangedWhileItRan() throws SQLException {
        try (Connection certifier = db.connect(); Connection other = db.connect()) {
            certifier.setAutoCommit(false);
            String seen;
            try (Statement s = certifier.createStatement()) {
                seen = query(s, "SELECT pg_current_snapshot()::text");
            }
            // another session refreshes a closure view and commits while the checks would run
            try (Statement s = other.createStatement()) {
                s.execute("REFRESH MATERIALIZED VIEW ml.base_mv");
            }
            try (Statement s = certifier.createStatement()) {
                String id = query(s, "SELECT audit._record_certification('ml.store_v', NULL, now(), 'test', "
                        + "'[{\"check\":\"structural\",\"object\":\"ml.base_mv\",\"passed\":true}]')");
                assertEquals("STALE", query(s, "SELECT audit._publish_certification(" + id + ", NULL, '" + seen + "')"));
                assertTrue(query(s, "SELECT stale_reason FROM audit.registry WHERE target = 'ml.store_v'")
                        .contains("closure changed while it ran: ml.base_mv (REFRESH MATERIALIZED VIEW by"));
            }
            certifier.commit();
        }
        SQLException e = assertThrows(SQLException.class, this::gate);
        assertEquals("MVC04", e.getSQLState());
    }

    @Test
    void withoutSuperuserTheInstallSaysChangeDetectionIsOffUntilASuperuserEnablesIt(LocalCluster cluster) throws SQLException {
        try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS cd_plain");
            s.execute("DROP ROLE IF EXISTS cd_owner");
            s.execute("CREATE ROLE cd_owner LOGIN CREATEROLE");
            s.execute("CREATE DATABASE cd_plain OWNER cd_owner");
        }
        String url = cluster.jdbcUrl("cd_plain");
        cluster.withCheckoutExtension(() -> {
            try (Connection c = DriverManager.getConnection(url, "cd_owner", ""); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION mvcert");
                SQLException warning = s.getWarnings();
                StringBuilder warnings = new StringBuilder();
                for (SQLException w = warning; w != null; w = w.getNextException()) {
                    warnings.append(w.getMessage()).append('\n');
                }
                assertTrue(warnings.toString().contains("change detection is off"), "warnings: " + warnings);
                assertEquals("f", query(s, "SELECT audit.change_detection()"));
                SQLException refused = assertThrows(SQLException.class, () -> query(s, "SELECT audit.enable_change_detection()"));
                assertEquals("42501", refused.getSQLState());
                assertTrue(refused.getMessage().contains("cd_owner is not one"), refused.getMessage());
            }
        });
        try (Connection c = cluster.connect("cd_plain"); Statement s = c.createStatement()) {
            assertEquals("t", query(s, "SELECT audit.enable_change_detection()"));
            assertEquals("t", query(s, "SELECT audit.change_detection()"));
            assertEquals("2", query(s, """
                    SELECT count(*) FROM pg_depend d JOIN pg_event_trigger e ON e.oid = d.objid
                     WHERE d.classid = 'pg_event_trigger'::regclass AND d.deptype = 'e'"""),
                    "the triggers belong to the extension");
            s.execute("DROP EXTENSION mvcert");
            assertEquals("0", query(s, "SELECT count(*) FROM pg_event_trigger"));
        }
    }

    private String gate() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            return query(s, GATE);
        }
    }

    private static String query(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
