package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.engine.run.RunSessions;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.util.PSQLException;

/**
 * The strict gate refuses a target whose closure really changed since certification, and only
 * then: an atomic run that failed certification and rolled back leaves every row as certified,
 * so the strict gate still passes, with change detection on (the registry status covers rows)
 * and off (only committed modifications count).
 */
@ExtendWith(PostgresExtension.class)
class StrictGateIT {

    private static final String STRICT = "SELECT audit.require_certified_strict('ml.store_v', interval '24 hours')";
    private static final Duration FLUSH_WAIT = Duration.ofSeconds(20);

    private final TestDatabase db;

    StrictGateIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void certifiablePipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
    }

    @AfterEach
    void changeDetectionBackOn() {
        db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl ENABLE ALWAYS; ALTER EVENT TRIGGER mvcert_closure_drop ENABLE ALWAYS");
    }

    @Test
    void aRolledBackAtomicRunLeavesTheStrictGatePassingWithChangeDetection() throws SQLException {
        certifyWithChangeDetection(true);
        failedAtomicRunRolledBack();
        assertEquals("t", strict());
    }

    @Test
    void aRolledBackAtomicRunLeavesTheStrictGatePassingWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        failedAtomicRunRolledBack();
        assertEquals("t", strict());
    }

    @Test
    void aRolledBackRefreshLeavesTheStrictGatePassingWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        rolledBackRefreshOfChangedRows("");
        assertEquals("t", strict());
    }

    @Test
    void aRolledBackRefreshThatAnalyzedFailsClosedWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        rolledBackRefreshOfChangedRows("ANALYZE ml.base_mv");
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("ml.base_mv (rows written and analyzed since certification:"
                + " the counters cannot prove them unchanged)"), refusal);
    }

    @Test
    void aCommittedConcurrentRefreshFailsTheStrictGateWithChangeDetection() throws SQLException {
        certifyWithChangeDetection(true);
        commitConcurrentRefreshOfChangedRows();
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC04: mvcert: ml.store_v is stale since"), refusal);
    }

    @Test
    void aCommittedConcurrentRefreshFailsTheStrictGateWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        long written = written();
        commitConcurrentRefreshOfChangedRows();
        waitForCountersAbove(written);
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("ml.base_mv (rows changed)"), refusal);
    }

    @Test
    void anAnalyzeAfterCommittedWritesCannotBeProvenHarmlessWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        long written = written();
        commitConcurrentRefreshOfChangedRows();
        db.execute("ANALYZE ml.base_mv");
        waitForCountersAbove(written);
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("rows written and analyzed since certification"), refusal);
    }

    @Test
    void anAnalyzeWithoutWritesChangesNothingWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        db.execute("ANALYZE ml.base_mv");
        assertEquals("t", strict());
    }

    @Test
    void aChangedDefinitionFailsTheStrictGateWithoutChangeDetection() throws SQLException {
        certifyWithChangeDetection(false);
        db.execute(StorePipeline.CUTOFF.replace("2100-01-01", "2099-01-01"));
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("ml.cutoff() (definition changed or dropped)"), refusal);
    }

    @Test
    void definitionsAreComparedBehindChangeDetectionToo() throws SQLException {
        certifyWithChangeDetection(true);
        db.execute(StorePipeline.CUTOFF.replace("2100-01-01", "2099-01-01"));
        assertTrue(strictRefusal().startsWith("MVC04"), "change detection moved it to STALE");
        // as if the change had slipped past change detection: the definition is still compared
        db.execute("UPDATE audit.registry SET status = 'CERTIFIED', stale_reason = NULL WHERE target = 'ml.store_v'");
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("ml.cutoff() (definition changed or dropped)"), refusal);
    }

    @Test
    void changeDetectionSwitchedOffSinceCertificationIsNotTrusted() throws SQLException {
        certifyWithChangeDetection(true);
        db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl DISABLE");
        long written = written();
        commitConcurrentRefreshOfChangedRows();
        waitForCountersAbove(written);
        String refusal = strictRefusal();
        assertTrue(refusal.startsWith("MVC05") && refusal.contains("ml.base_mv (rows changed)"), refusal);

        // and back on: the refresh it missed is still found
        db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl ENABLE ALWAYS");
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, "SELECT audit.change_detection()"));
        assertEquals(refusal, strictRefusal());
    }

    /** Certifies the target with the change-detection triggers enabled or disabled. */
    private void certifyWithChangeDetection(boolean on) throws SQLException {
        if (!on) {
            db.execute("ALTER EVENT TRIGGER mvcert_closure_ddl DISABLE; ALTER EVENT TRIGGER mvcert_closure_drop DISABLE");
        }
        assertEquals(on, db.queryValue(Boolean.class, "SELECT audit.change_detection()"));
        // the 400 rows the pipeline's creation wrote are counted before certification records the counters
        waitForCountersAbove(399);
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals("t", strict());
    }

    /**
     * An atomic run over rows changed so that certification fails (dataset hash of a baselined
     * day), rolled back by its caller: nothing it did is published.
     */
    private void failedAtomicRunRolledBack() throws SQLException {
        long written = written();
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            try (Statement s = work.createStatement()) {
                s.execute("UPDATE src.listing SET price = price + 1 WHERE anchor_day = date '2024-03-02'");
            }
            RunResult run = Mvcert.runs(RunSessions.shared(work, history))
                    .run(RunRequest.of(StorePipeline.TARGET).withMode(RunMode.ATOMIC));
            assertFalse(run.publish(), run.toString());
            assertTrue(run.reason().contains("FAILED: dataset_hash"), run.reason());
            work.rollback();
        }
        // the rolled-back refresh wrote rows; wait until the statistics say so, so the gate sees them
        waitForCountersAbove(written);
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));
    }

    /** What an atomic run that fails certification does to ml.base_mv, by hand, then rolled back. */
    private void rolledBackRefreshOfChangedRows(String alsoInTheTransaction) throws SQLException {
        long written = written();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("UPDATE src.listing SET price = price + 1 WHERE anchor_day = date '2024-03-02'");
            s.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
            if (!alsoInTheTransaction.isEmpty()) {
                s.execute(alsoInTheTransaction);
            }
            c.rollback();
        }
        waitForCountersAbove(written);
    }

    private void commitConcurrentRefreshOfChangedRows() {
        db.execute("UPDATE src.listing SET price = price + 1 WHERE listing_id = 400");
        db.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY ml.base_mv");
    }

    /** Rows ever written to ml.base_mv, as the shared statistics say. */
    private long written() {
        return db.queryValue(Long.class, """
                SELECT pg_stat_get_tuples_inserted('ml.base_mv'::regclass) + pg_stat_get_tuples_updated('ml.base_mv'::regclass)
                       + pg_stat_get_tuples_deleted('ml.base_mv'::regclass)""");
    }

    /** Statistics reach other sessions when the writing session flushes them (at most once a second). */
    private void waitForCountersAbove(long written) {
        long deadline = System.nanoTime() + FLUSH_WAIT.toNanos();
        while (written() <= written) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the writes to ml.base_mv did not reach the shared statistics within " + FLUSH_WAIT);
            }
            db.execute("SELECT pg_sleep(0.1), pg_stat_clear_snapshot()");
        }
    }

    private String strict() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(STRICT)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The strict gate's refusal as "SQLSTATE: message". */
    private String strictRefusal() {
        SQLException e = assertThrows(SQLException.class, this::strict);
        return e.getSQLState() + ": " + ((PSQLException) e).getServerErrorMessage().getMessage();
    }
}
