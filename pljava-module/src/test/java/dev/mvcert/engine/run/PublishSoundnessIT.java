package dev.mvcert.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.testing.CommitPerStep;
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

/**
 * A guarded read returns rows a passing certification saw, or an error. After every step of a
 * run, a reader in another session reads through the guarded view: during an incremental run it
 * fails closed, naming the run, from the first published view until certification passes;
 * during an atomic run it keeps reading the last certified snapshot; rows that fail
 * certification are never returned.
 */
@ExtendWith(PostgresExtension.class)
class PublishSoundnessIT {

    private static final String GUARDED = "SELECT count(*), count(*) FILTER (WHERE v < 0) FROM pub.v_guarded";

    private final TestDatabase db;

    PublishSoundnessIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void certifiedPipeline() throws SQLException {
        db.execute("""
                DROP SCHEMA IF EXISTS pub CASCADE;
                DELETE FROM audit.target; DELETE FROM audit.certified_object; DELETE FROM audit.registry;
                CREATE SCHEMA pub;
                CREATE TABLE pub.src (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO pub.src SELECT g, g FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW pub.m1 AS SELECT id, v FROM pub.src;
                CREATE UNIQUE INDEX ON pub.m1 (id);
                CREATE MATERIALIZED VIEW pub.m2 AS SELECT id, v FROM pub.m1;
                CREATE UNIQUE INDEX ON pub.m2 (id);
                CREATE VIEW pub.v AS SELECT id, v FROM pub.m2;
                SELECT audit.register_target('pub.v');
                SELECT audit.add_sql_assertion('pub.v', 'no_negative_v', 'SELECT id FROM pub.v WHERE v < 0');
                SELECT audit.create_guarded_view('pub.v', 'pub.v_guarded', interval '1 hour');
                """);
        try (Connection c = db.connect()) {
            Mvcert engine = new Mvcert(c);
            engine.acceptBaseline(engine.captureBaselines("pub.v", "initial").captureId(), "reviewed");
            assertTrue(engine.certify("pub.v", null).certified());
        }
        assertEquals("100 0", read());
    }

    /** What a reader in its own session gets through the guarded view: "rows negative-rows", or the error's SQLSTATE and message. */
    private String read() {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(GUARDED)) {
            rs.next();
            return rs.getLong(1) + " " + rs.getLong(2);
        } catch (SQLException e) {
            return e.getSQLState() + " " + e.getMessage();
        }
    }

    /** Reads after every step, while the run goes on. */
    private final class Reader implements RunListener {
        final List<String> reads = new ArrayList<>();

        @Override
        public void stepFinished(RunContext run, PlannedView view, StepResult result) {
            reads.add(view.matview() + ": " + read());
        }
    }

    @Test
    void duringAnIncrementalRunReadersFailClosedNamingTheRunUntilItsCertificationPasses() throws SQLException {
        db.execute("INSERT INTO pub.src SELECT g, g FROM generate_series(101, 150) g");
        Reader reader = new Reader();
        RunResult run;
        try (Connection work = db.connect(); Connection history = db.connect()) {
            run = Mvcert.runs(new CommitPerStep(work, history)).listenedBy(reader)
                    .run(RunRequest.of("pub.v").withMode(RunMode.INCREMENTAL));
        }
        assertEquals(RunOutcome.CERTIFIED, run.outcome(), run.reason());
        assertEquals(2, reader.reads.size());
        for (String r : reader.reads) {
            assertTrue(r.contains("MVC04") && r.contains("mvcert run " + run.runId() + " (incremental) published"), r);
        }
        assertEquals("150 0", read(), "certified: the new rows are served");
    }

    @Test
    void rowsThatFailCertificationAreNeverServedDuringOrAfterAnIncrementalRun() throws SQLException {
        db.execute("INSERT INTO pub.src SELECT g, -g FROM generate_series(101, 150) g");
        Reader reader = new Reader();
        RunResult run;
        try (Connection work = db.connect(); Connection history = db.connect()) {
            run = Mvcert.runs(new CommitPerStep(work, history)).listenedBy(reader)
                    .run(RunRequest.of("pub.v").withMode(RunMode.INCREMENTAL));
        }
        assertEquals(RunOutcome.NOT_CERTIFIED, run.outcome());
        assertTrue(run.reason().contains("sql_assertion no_negative_v"), run.reason());
        for (String r : reader.reads) {
            assertTrue(r.contains(": MVC04 "), "fail closed while the run publishes: " + r);
        }
        String after = read();
        assertTrue(after.startsWith("MVC03") && after.contains("no_negative_v"), after);
        assertEquals("FAILED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'pub.v'"));
    }

    @Test
    void duringAnAtomicRunReadersKeepTheCertifiedSnapshotAndAFailingRunChangesNothingTheySee() throws SQLException {
        db.execute("INSERT INTO pub.src SELECT g, g FROM generate_series(101, 120) g");
        Reader reader = new Reader();
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult run = Mvcert.runs(RunSessions.shared(work, history)).listenedBy(reader)
                    .run(RunRequest.of("pub.v").withMode(RunMode.ATOMIC));
            assertTrue(run.publish(), run.reason());
            assertEquals("100 0", read(), "nothing visible before the caller publishes");
            work.commit();
        }
        assertEquals(List.of("pub.m1: 100 0", "pub.m2: 100 0"), reader.reads, "the old certified snapshot all along");
        assertEquals("120 0", read());

        db.execute("INSERT INTO pub.src SELECT g, -g FROM generate_series(121, 130) g");
        Reader second = new Reader();
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult failing = Mvcert.runs(RunSessions.shared(work, history)).listenedBy(second)
                    .run(RunRequest.of("pub.v").withMode(RunMode.ATOMIC));
            assertFalse(failing.publish());
            work.rollback();
        }
        assertEquals(List.of("pub.m1: 120 0", "pub.m2: 120 0"), second.reads);
        assertEquals("120 0", read(), "the failed atomic run left readers on the certified snapshot");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'pub.v'"));
    }

    @Test
    void anAtomicRunOfATargetNeverCertifiedPublishesItsBootstrapAndReadersStillFailClosed() throws SQLException {
        db.execute("""
                CREATE MATERIALIZED VIEW pub.fresh_m AS SELECT id, v FROM pub.src WITH NO DATA;
                CREATE UNIQUE INDEX ON pub.fresh_m (id);
                CREATE VIEW pub.fresh_v AS SELECT id, v FROM pub.fresh_m;
                SELECT audit.register_target('pub.fresh_v', p_run_mode => 'atomic');
                SELECT audit.create_guarded_view('pub.fresh_v', 'pub.fresh_guarded', interval '1 hour');
                """);
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult run = Mvcert.runs(RunSessions.shared(work, history)).run(RunRequest.of("pub.fresh_v"));
            assertEquals(RunMode.ATOMIC, run.mode(), "the target's default mode");
            assertEquals(RunOutcome.NOT_CERTIFIED, run.outcome(), run.reason());
            assertTrue(run.publish(), "nothing certified to keep: the bootstrap is published; " + run.reason());
            assertTrue(run.reason().contains("was never certified"), run.reason());
            work.commit();
        }
        assertEquals(100L, db.queryValue(Long.class, "SELECT count(*) FROM pub.fresh_m"), "populated, so it can be baselined");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> s.executeQuery("SELECT count(*) FROM pub.fresh_guarded"));
            assertTrue(e.getSQLState().startsWith("MVC"), e.getSQLState() + " " + e.getMessage());
        }

        // once certified, an atomic run that fails certification publishes nothing again
        try (Connection c = db.connect()) {
            Mvcert engine = new Mvcert(c);
            engine.acceptBaseline(engine.captureBaselines("pub.fresh_v", "initial").captureId(), "reviewed");
            assertTrue(engine.certify("pub.fresh_v", null).certified());
        }
        db.execute("INSERT INTO pub.src VALUES (1000, -1)");
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            db.execute("SELECT audit.add_sql_assertion('pub.fresh_v', 'no_negative_v', 'SELECT id FROM pub.fresh_v WHERE v < 0')");
            RunResult run = Mvcert.runs(RunSessions.shared(work, history)).run(RunRequest.of("pub.fresh_v"));
            assertEquals(RunOutcome.NOT_CERTIFIED, run.outcome(), run.reason());
            assertFalse(run.publish(), run.reason());
            work.rollback();
        }
        assertEquals(100L, db.queryValue(Long.class, "SELECT count(*) FROM pub.fresh_m"));
    }
}
