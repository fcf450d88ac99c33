package dev.mvcert.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.CertificationStatus;
import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Read scale-out: a hot standby of the test cluster (pg_basebackup + streaming replication)
 * answers the gate and guarded reads, follows the primary's registry within replication
 * lag, and fails closed when the primary's target goes FAILED or stale.
 */
@ExtendWith(PostgresExtension.class)
class HotStandbyIT {

    static final String TARGET = "hs.features_v";
    static final Duration LAG_LIMIT = Duration.ofSeconds(15);
    private static LocalCluster.Standby standby;

    @BeforeAll
    static void certifiedTargetAndAStandby(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA hs;
                CREATE TABLE hs.base (id int PRIMARY KEY, v int);
                INSERT INTO hs.base SELECT g, g FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW hs.base_mv AS SELECT * FROM hs.base;
                CREATE UNIQUE INDEX base_mv_id ON hs.base_mv (id);
                CREATE VIEW hs.features_v AS SELECT id, v FROM hs.base_mv;
                SELECT audit.register_target('hs.features_v');
                SELECT audit.create_guarded_view('hs.features_v', 'hs.features_guarded_v', interval '1 day');
                """);
        certify(db, CertificationStatus.CERTIFIED);
        standby = db.cluster().startStandby(Path.of("target"));
    }

    @AfterAll
    static void stopStandby() {
        if (standby != null) {
            standby.close();
        }
    }

    private static void certify(TestDatabase db, CertificationStatus expected) throws SQLException {
        try (Connection c = db.connect()) {
            Mvcert mvcert = new Mvcert(c);
            if (db.queryValue(Long.class, "SELECT count(*) FROM audit.baseline WHERE target = ?", TARGET) == 0) {
                mvcert.acceptBaseline(mvcert.captureBaselines(TARGET, "initial").captureId(), "reviewed: initial");
            }
            assertEquals(expected, mvcert.certify(TARGET, null).status());
        }
    }

    private static String gateOnStandby(TestDatabase db, String sql) throws SQLException {
        try (Connection c = standby.connect(db.name()); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            } catch (SQLException e) {
                return e.getSQLState();
            }
        }
    }

    @Test
    void theStandbyAnswersTheGateAndGuardedReadsAndFollowsThePrimaryIntoFailedAndStaleAndBack(TestDatabase db) throws SQLException {
        standby.catchUp(LAG_LIMIT);
        try (Connection c = standby.connect(db.name()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(), audit.require_certified('hs.features_v', interval '1 day')")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "not a standby");
            assertTrue(rs.getBoolean(2));
        }
        assertEquals("100", gateOnStandby(db, "SELECT count(*) FROM hs.features_guarded_v"));
        assertEquals("CERTIFIED", gateOnStandby(db, "SELECT status FROM audit.health WHERE target = 'hs.features_v'"));

        // the primary's certification fails: the standby refuses as soon as it has replayed it
        db.execute("SELECT audit.add_sql_assertion('hs.features_v', 'no_rows_allowed', 'SELECT * FROM hs.features_v')");
        certify(db, CertificationStatus.FAILED);
        Duration lag = standby.catchUp(LAG_LIMIT);
        assertEquals("MVC03", gateOnStandby(db, "SELECT audit.require_certified('hs.features_v', interval '1 day')::text"));
        assertEquals("MVC03", gateOnStandby(db, "SELECT count(*) FROM hs.features_guarded_v"));
        System.out.println("hot standby replayed the FAILED certification in " + lag.toMillis() + " ms");

        // fixed and certified again on the primary: readable on the standby again
        db.execute("DELETE FROM audit.sql_assertion WHERE target = 'hs.features_v'");
        certify(db, CertificationStatus.CERTIFIED);
        standby.catchUp(LAG_LIMIT);
        assertEquals("100", gateOnStandby(db, "SELECT count(*) FROM hs.features_guarded_v"));

        // marked stale on the primary (its data changed): refused on the standby
        db.execute("SELECT audit.mark_stale('hs.features_v', 'refresh run published new rows')");
        standby.catchUp(LAG_LIMIT);
        assertEquals("MVC04", gateOnStandby(db, "SELECT count(*) FROM hs.features_guarded_v"));

        // certified again, then too old for the caller's max_age: stale on the standby by its own clock
        certify(db, CertificationStatus.CERTIFIED);
        standby.catchUp(LAG_LIMIT);
        assertEquals("true", gateOnStandby(db, "SELECT audit.require_certified('hs.features_v', interval '1 hour')::text"));
        assertEquals("MVC04", gateOnStandby(db, "SELECT audit.require_certified('hs.features_v', interval '1 microsecond')::text"));
    }

    @Test
    void theStrictGateAnswersOnAStandbyWhileChangeDetectionStaysOnAndFailsClosedOtherwise(TestDatabase db) throws SQLException {
        certify(db, CertificationStatus.CERTIFIED);
        String strict = "SELECT audit.require_certified_strict('hs.features_v', interval '1 day')::text";
        standby.catchUp(LAG_LIMIT);
        // every REFRESH of the closure would have moved the replicated registry row: the status covers rows
        assertEquals("true", gateOnStandby(db, strict));
        try {
            db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl DISABLE");
            standby.catchUp(LAG_LIMIT);
            assertStrictRefusedOnStandby(db, strict);
        } finally {
            db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl ENABLE ALWAYS");
        }
        // on again, but refreshes while it was off went unseen: refused until certified again
        standby.catchUp(LAG_LIMIT);
        assertStrictRefusedOnStandby(db, strict);
        certify(db, CertificationStatus.CERTIFIED);
        standby.catchUp(LAG_LIMIT);
        assertEquals("true", gateOnStandby(db, strict));
    }

    private static void assertStrictRefusedOnStandby(TestDatabase db, String strict) throws SQLException {
        try (Connection c = standby.connect(db.name()); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery(strict).close());
            assertEquals("MVC05", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("hot standby") && e.getMessage().contains("change detection"), e.getMessage());
        }
    }

    @Test
    void theStandbyRefusesWritesToTheRegistry(TestDatabase db) throws SQLException {
        try (Connection c = standby.connect(db.name()); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT audit.mark_stale('hs.features_v', 'from the standby')"));
            assertEquals("25006", e.getSQLState(), e.getMessage());
        }
    }
}
