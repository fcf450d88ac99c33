package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.certify.baseline.CapturedBaseline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Re-baselining (runbook 001 section 3.2): capture, then an explicit, recorded accept; nothing else changes a baseline. */
@ExtendWith(PostgresExtension.class)
class BaselineIT {

    private static final String BASELINE = "SELECT kind || ' ' || object || ' ' || hash || ' ' || coalesce(row_count::text, '-')"
            + " FROM audit.baseline WHERE target = 'ml.store_v' ORDER BY kind, object";

    private final TestDatabase db;

    BaselineIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void pipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
    }

    @Test
    void captureAndCertificationLeaveTheBaselineAloneAcceptChangesItAndIsRecorded() throws SQLException {
        List<String> before = db.queryColumn(BASELINE);
        assertEquals(7, before.size(), before.toString()); // 4 definitions (2 views, 1 matview, 1 function) + 3 days
        db.execute(StorePipeline.FEATURES_V.replace("WHERE", "WHERE b.price > -1 AND"));

        assertFalse(StorePipeline.certify(db).certified());
        assertEquals(before, db.queryColumn(BASELINE), "a failed certification does not touch the baseline");
        CapturedBaseline capture;
        try (Connection c = db.connect()) {
            capture = new Mvcert(c).captureBaselines(StorePipeline.TARGET, "features_v filters negative prices");
        }
        assertEquals(before, db.queryColumn(BASELINE), "a capture alone does not change the baseline");
        assertFalse(StorePipeline.certify(db).certified());

        int changed;
        try (Connection c = db.connect()) {
            changed = new Mvcert(c).acceptBaseline(capture.captureId(), "reviewed PR 17: price filter");
        }
        assertEquals(1, changed);
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals("definition ml.features_v|t|t|reviewed PR 17: price filter|" + db.queryValue(String.class, "SELECT session_user"),
                db.queryValue(String.class, """
                        SELECT concat_ws('|', kind || ' ' || object, previous_hash IS NOT NULL AND previous_hash <> new_hash,
                                         changed_at IS NOT NULL, note, changed_by)
                          FROM audit.baseline_change WHERE capture_id = ?""", capture.captureId()));
        List<String> after = db.queryColumn(BASELINE);
        assertEquals(before.size(), after.size());
        assertTrue(StorePipeline.certify(db).certified());
        assertEquals(after, db.queryColumn(BASELINE), "a passing certification does not touch the baseline either");
    }

    @Test
    void acceptNeedsANoteAndHappensOncePerCapture() throws SQLException {
        long id;
        try (Connection c = db.connect()) {
            id = new Mvcert(c).captureBaselines(StorePipeline.TARGET, null).captureId();
        }
        SQLException noNote = assertThrows(SQLException.class, () -> accept(id, " "));
        assertTrue(noNote.getMessage().contains("needs a note"), noNote.getMessage());
        assertEquals(0, accept(id, "nothing changed, re-accepted"));
        SQLException twice = assertThrows(SQLException.class, () -> accept(id, "again"));
        assertTrue(twice.getMessage().contains("already accepted"), twice.getMessage());
    }

    @Test
    void noRoleCanWriteBaselinesOrTheRegistryDirectly() throws SQLException {
        db.execute("DROP ROLE IF EXISTS baseline_it_admin; CREATE ROLE baseline_it_admin; GRANT mvcert_admin TO baseline_it_admin;"
                + " GRANT USAGE ON SCHEMA ml, src TO baseline_it_admin; GRANT SELECT ON ALL TABLES IN SCHEMA ml, src TO baseline_it_admin;");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE baseline_it_admin");
            for (String write : List.of("UPDATE audit.baseline SET hash = 'x'",
                    "INSERT INTO audit.registry (target, status, status_since, last_certification_id, last_certification_at)"
                            + " VALUES ('ml.store_v', 'CERTIFIED', now(), 1, now())",
                    "UPDATE audit.registry SET status = 'CERTIFIED'",
                    "DELETE FROM audit.baseline_change",
                    "INSERT INTO audit.check_result VALUES (1, 1, 'x', 'y', true, null)")) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(write), write);
                assertEquals("42501", e.getSQLState(), write);
            }
            // the reviewed path works for an admin
            long id;
            s.execute("RESET ROLE");
            id = new Mvcert(c).captureBaselines(StorePipeline.TARGET, "as admin").captureId();
            s.execute("SET ROLE baseline_it_admin");
            assertEquals(0, new Mvcert(c).acceptBaseline(id, "admin review"));
            s.execute("RESET ROLE");
        }
    }

    private int accept(long id, String note) throws SQLException {
        try (Connection c = db.connect()) {
            return new Mvcert(c).acceptBaseline(id, note);
        }
    }
}
