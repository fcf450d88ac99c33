package dev.mvcert.engine.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.refresh.SkipReason;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.testing.CommitPerStep;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The run path the engine owns: which ready view starts first (by the cost history says), what
 * fail-fast stops, the plan's expected durations and critical path, and the exact row count of
 * every refresh without a second scan of the view.
 */
@ExtendWith(PostgresExtension.class)
class RunPathIT {

    private final TestDatabase db;

    RunPathIT(TestDatabase db) {
        this.db = db;
    }

    private RunResult run(RunRequest request) throws SQLException {
        try (Connection work = db.connect(); Connection history = db.connect()) {
            return Mvcert.runs(new CommitPerStep(work, history)).run(request.withMode(RunMode.INCREMENTAL));
        }
    }

    private List<String> startOrder(long runId) {
        return db.queryColumn("SELECT matview FROM audit.step WHERE run_id = ? AND status <> 'skipped' ORDER BY started_at, step_id",
                runId);
    }

    /** schema.t with {@code rows} rows (id, v = id), schema.m1 over it, schema.m2 computing v as {@code m2Value} from m1, schema.v over m2. */
    private void twoViewChain(String schema, int rows, String m2Value) {
        db.execute("""
                CREATE SCHEMA %1$s;
                CREATE TABLE %1$s.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO %1$s.t SELECT g, g FROM generate_series(1, %2$d) g;
                CREATE MATERIALIZED VIEW %1$s.m1 AS SELECT id, v FROM %1$s.t;
                CREATE MATERIALIZED VIEW %1$s.m2 AS SELECT id, %3$s AS v FROM %1$s.m1;
                CREATE VIEW %1$s.v AS SELECT id, v FROM %1$s.m2;
                """.formatted(schema, rows, m2Value));
    }

    /**
     * Two independent views, named so that plan order (level, then name) puts the heavy one
     * first: a_heavy_mv sleeps while ord.ctl says so; b_cheap_mv fails while ord.ctl says so.
     */
    private void costPipeline(String schema) {
        db.execute(("""
                CREATE SCHEMA %1$s;
                CREATE TABLE %1$s.ctl (heavy_sleep float8 NOT NULL, cheap_fails boolean NOT NULL);
                INSERT INTO %1$s.ctl VALUES (0.6, false);
                CREATE TABLE %1$s.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO %1$s.t SELECT g, g FROM generate_series(1, 50) g;
                CREATE FUNCTION %1$s.work(p_heavy boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
                BEGIN
                  IF p_heavy THEN PERFORM pg_sleep((SELECT heavy_sleep FROM %1$s.ctl)); END IF;
                  IF NOT p_heavy AND (SELECT cheap_fails FROM %1$s.ctl) THEN RAISE EXCEPTION 'cheap view: bad upstream data'; END IF;
                  RETURN true;
                END $f$;
                CREATE MATERIALIZED VIEW %1$s.a_heavy_mv AS SELECT id, v FROM %1$s.t WHERE (SELECT %1$s.work(true));
                CREATE UNIQUE INDEX ON %1$s.a_heavy_mv (id);
                CREATE MATERIALIZED VIEW %1$s.b_cheap_mv AS SELECT id, v FROM %1$s.t WHERE (SELECT %1$s.work(false));
                CREATE UNIQUE INDEX ON %1$s.b_cheap_mv (id);
                CREATE VIEW %1$s.v AS SELECT h.id, h.v + c.v AS w FROM %1$s.a_heavy_mv h JOIN %1$s.b_cheap_mv c USING (id);
                """).formatted(schema));
    }

    @Test
    void theCheaperReadyViewStartsFirstAndFailFastStopsTheRunBeforeTheHeavyOne() throws SQLException {
        costPipeline("ord");
        RunResult first = run(RunRequest.of("ord.v"));
        assertEquals(List.of("ord.a_heavy_mv", "ord.b_cheap_mv"), startOrder(first.runId()),
                "without history, plan order (views without history go last, in plan order)");

        RefreshPlan plan;
        try (Connection c = db.connect()) {
            plan = new Mvcert(c).plan("ord.v");
        }
        Map<String, PlannedView> byName = plan.views().stream().collect(Collectors.toMap(PlannedView::matview, Function.identity()));
        assertTrue(byName.get("ord.a_heavy_mv").expectedDuration().toMillis() >= 500, byName.toString());
        assertTrue(byName.get("ord.b_cheap_mv").expectedDuration().toMillis() < 300, byName.toString());
        assertTrue(byName.get("ord.a_heavy_mv").criticalPath(), "the heavy view is the critical path");
        assertFalse(byName.get("ord.b_cheap_mv").criticalPath());

        RunResult second = run(RunRequest.of("ord.v").withForce(true));
        assertEquals(List.of("ord.b_cheap_mv", "ord.a_heavy_mv"), startOrder(second.runId()), "cheapest first, by history");

        // a data problem in the cheap view: with fail_fast the heavy view never starts
        db.execute("UPDATE ord.ctl SET cheap_fails = true; SELECT audit.register_target('ord.v', p_fail_fast => true)");
        RunResult failFast = run(RunRequest.of("ord.v").withForce(true));
        assertEquals(RunOutcome.REFRESH_FAILED, failFast.outcome());
        Map<String, StepResult> steps = byView(failFast);
        assertTrue(steps.get("ord.b_cheap_mv").failed());
        assertEquals(SkipReason.FAIL_FAST, steps.get("ord.a_heavy_mv").skipReason(), steps.toString());
        assertTrue(steps.get("ord.a_heavy_mv").decision().contains("ord.b_cheap_mv failed"), steps.get("ord.a_heavy_mv").decision());
        assertEquals(List.of("ord.b_cheap_mv"), startOrder(failFast.runId()), "the heavy view was not started");

        // without fail_fast the heavy view still runs after the cheap one failed
        db.execute("SELECT audit.register_target('ord.v', p_fail_fast => false)");
        RunResult goOn = run(RunRequest.of("ord.v").withForce(true));
        assertEquals(RunOutcome.REFRESH_FAILED, goOn.outcome());
        assertTrue(byView(goOn).get("ord.a_heavy_mv").succeeded());
        assertEquals(List.of("ord.b_cheap_mv", "ord.a_heavy_mv"), startOrder(goOn.runId()));
        db.execute("UPDATE ord.ctl SET cheap_fails = false");
    }

    @Test
    void criticalPathFirstStartsTheLongestRemainingChainBeforeACheaperView() throws SQLException {
        db.execute("""
                CREATE SCHEMA cp;
                CREATE TABLE cp.t (id int PRIMARY KEY);
                INSERT INTO cp.t SELECT g FROM generate_series(1, 10) g;
                CREATE FUNCTION cp.slow(p_seconds float8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
                BEGIN PERFORM pg_sleep(p_seconds); RETURN true; END $f$;
                CREATE MATERIALIZED VIEW cp.a_long1_mv AS SELECT id FROM cp.t WHERE (SELECT cp.slow(0.25));
                CREATE MATERIALIZED VIEW cp.a_long2_mv AS SELECT id FROM cp.a_long1_mv WHERE (SELECT cp.slow(0.25));
                CREATE MATERIALIZED VIEW cp.z_short_mv AS SELECT id FROM cp.t WHERE (SELECT cp.slow(0.12));
                CREATE VIEW cp.v AS SELECT l.id FROM cp.a_long2_mv l JOIN cp.z_short_mv s USING (id);
                """);
        run(RunRequest.of("cp.v"));
        RunResult cheapest = run(RunRequest.of("cp.v").withForce(true));
        assertEquals("cp.z_short_mv", startOrder(cheapest.runId()).get(0), "cheapest first");
        RunResult critical = run(RunRequest.of("cp.v").withForce(true).withOrder(StepOrder.CRITICAL_PATH_FIRST));
        assertEquals(List.of("cp.a_long1_mv", "cp.a_long2_mv", "cp.z_short_mv"), startOrder(critical.runId()),
                "the longest remaining chain first, all along");
        assertEquals(List.of("cp.a_long1_mv", "cp.a_long2_mv"), db.queryColumn(
                "SELECT matview FROM audit.refresh_plan('cp.v') WHERE critical_path ORDER BY step"));
    }

    @Test
    void rowsAfterEveryRefreshAreExactAndComeFromTheRefreshItselfWhileNothingElseTouchedTheView() throws SQLException {
        db.execute("""
                CREATE SCHEMA rw;
                CREATE TABLE rw.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO rw.t SELECT g, g FROM generate_series(1, 1000) g;
                CREATE MATERIALIZED VIEW rw.m AS SELECT id, v FROM rw.t WITH NO DATA;
                CREATE UNIQUE INDEX ON rw.m (id);
                CREATE MATERIALIZED VIEW rw.p AS SELECT v % 7 AS k, count(*) AS n FROM rw.t GROUP BY 1 WITH NO DATA;
                """);
        // bootstrap (plain): the rows the new heap received
        assertExact("rw.m", false);
        // concurrent refreshes after inserts, deletes and updates: previous rows + inserted - deleted
        db.execute("INSERT INTO rw.t SELECT g, g FROM generate_series(1001, 1100) g");
        assertExact("rw.m", false);
        db.execute("DELETE FROM rw.t WHERE id % 10 = 0; UPDATE rw.t SET v = v + 1 WHERE id % 3 = 0");
        assertExact("rw.m", false);
        // a plain view (no unique index) is refreshed plainly every time
        assertExact("rw.p", false);
        db.execute("INSERT INTO rw.t VALUES (5000, 5000)");
        assertExact("rw.p", false);

        // a refresh outside mvcert: the count mvcert kept is no longer trusted, so it counts once
        db.execute("INSERT INTO rw.t VALUES (5001, 5001); REFRESH MATERIALIZED VIEW CONCURRENTLY rw.m");
        db.execute("DELETE FROM rw.t WHERE id = 5001");
        assertExact("rw.m", true);
        assertExact("rw.m", false);
        // one that rolled back leaves the view as it was, and the count is still right
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO rw.t VALUES (5002, 5002)");
            c.createStatement().execute("REFRESH MATERIALIZED VIEW CONCURRENTLY rw.m");
            c.rollback();
        }
        db.execute("INSERT INTO rw.t VALUES (5003, 5003)");
        assertExact("rw.m", null);

        // atomic: the counts of the refreshing transaction are pending until it commits
        db.execute("DELETE FROM rw.t WHERE id > 1000");
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult atomic = new Mvcert(work).withHistory(history).run(RunRequest.of("rw.m").withMode(RunMode.ATOMIC).withForce(true));
            work.commit();
            assertEquals(db.queryValue(Long.class, "SELECT count(*) FROM rw.m"), atomic.steps().get(0).rowsAfter());
        }
        assertExact("rw.m", null);
    }

    /** Refreshes the view alone (forced) and checks its recorded rows against count(*); counted: whether a count was needed. */
    private void assertExact(String matview, Boolean counted) throws SQLException {
        db.execute("SELECT pg_stat_force_next_flush()");
        RunResult r = run(RunRequest.of(matview).withForce(true));
        StepResult step = r.steps().get(0);
        assertTrue(step.succeeded(), step.toString());
        assertEquals(db.queryValue(Long.class, "SELECT count(*) FROM " + matview), step.rowsAfter(), step.decision());
        assertEquals(step.rowsAfter(), db.queryValue(Long.class, "SELECT rows_after FROM audit.step WHERE step_id = ?", step.stepId()));
        if (counted != null) {
            assertEquals(counted, step.decision().endsWith("rows counted"), step.decision());
        }
    }

    /**
     * A step that commits on its own is recorded as succeeded in the transaction of its refresh
     * (the row of audit.step and the view's fingerprint row were last written by one
     * transaction), so the record and the refresh commit together; one whose commit fails is
     * never recorded as succeeded and its view keeps what it held.
     */
    @Test
    void aSucceededStepIsRecordedInTheTransactionOfItsRefreshAndAFailedCommitIsNeverRecordedAsSuccess() throws SQLException {
        twoViewChain("tx", 20, "v + 1");
        db.execute("CREATE UNIQUE INDEX ON tx.m1 (id)");
        RunResult first = run(RunRequest.of("tx.v").withForce(true));
        assertEquals(List.of("tx.m1", "tx.m2"), first.steps().stream().map(StepResult::matview).toList());
        for (StepResult s : first.steps()) {
            assertTrue(s.succeeded(), s.toString());
            assertEquals(db.queryValue(String.class, "SELECT xmin::text FROM audit.input_fingerprint WHERE matview = ?", s.matview()),
                    db.queryValue(String.class, "SELECT xmin::text FROM audit.step WHERE step_id = ?", s.stepId()),
                    s.matview() + ": the step's record and its refresh were written by different transactions");
            assertEquals("succeeded", db.queryValue(String.class, "SELECT status FROM audit.step WHERE step_id = ?", s.stepId()));
        }

        // m2's transaction fails at its commit (a deferred check on what the refresh writes)
        db.execute("""
                CREATE FUNCTION tx.refuse() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN RAISE EXCEPTION 'tx: commit refused for %', NEW.matview; END $f$;
                CREATE CONSTRAINT TRIGGER refuse_m2 AFTER INSERT OR UPDATE ON audit.input_fingerprint
                  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.matview = 'tx.m2') EXECUTE FUNCTION tx.refuse();
                UPDATE tx.t SET v = v + 100;
                """);
        long runId;
        try {
            runId = run(RunRequest.of("tx.v").withForce(true)).runId();
        } catch (SQLException expected) {
            assertTrue(expected.getMessage().contains("commit refused for tx.m2"), expected.getMessage());
            runId = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE target = 'tx.v'");
        } finally {
            db.execute("DROP TRIGGER refuse_m2 ON audit.input_fingerprint");
        }
        assertEquals("succeeded", db.queryValue(String.class,
                "SELECT status FROM audit.step WHERE run_id = ? AND matview = 'tx.m1'", runId));
        assertEquals(0L, db.queryValue(Long.class,
                "SELECT count(*) FROM audit.step WHERE run_id = ? AND matview = 'tx.m2' AND status = 'succeeded'", runId),
                "a refresh whose commit failed was recorded as succeeded");
        assertEquals(21L, db.queryValue(Long.class, "SELECT max(v)::bigint FROM tx.m2"), "tx.m2 still holds what its last commit left");
    }

    @Test
    void aViewOverASystemCatalogIsNeverSkippedAsUnchanged() throws SQLException {
        db.execute("""
                CREATE SCHEMA sys;
                CREATE MATERIALIZED VIEW sys.tables_mv AS
                    SELECT count(*) AS n FROM pg_catalog.pg_class WHERE relnamespace = 'sys'::regnamespace AND relkind = 'r';
                CREATE MATERIALIZED VIEW sys.settings_mv AS SELECT count(*) AS n FROM pg_settings WHERE name LIKE 'mvcert%';
                """);
        run(RunRequest.of("sys.tables_mv"));
        long before = db.queryValue(Long.class, "SELECT n FROM sys.tables_mv");
        db.execute("CREATE TABLE sys.new_table (id int)");
        RunResult after = run(RunRequest.of("sys.tables_mv"));
        assertTrue(after.steps().get(0).succeeded(), after.steps().get(0).toString());
        assertTrue(after.steps().get(0).decision().contains("system catalog pg_class"), after.steps().get(0).decision());
        assertEquals(before + 1, db.queryValue(Long.class, "SELECT n FROM sys.tables_mv"), "the new table is seen");
        run(RunRequest.of("sys.settings_mv"));
        assertTrue(run(RunRequest.of("sys.settings_mv")).steps().get(0).succeeded(), "a view over a system view is refreshed too");
    }

    @Test
    void aViewDependsOnWhatItsUpstreamViewHoldsNotOnWhatLiesBelowIt() throws SQLException {
        twoViewChain("up", 10, "v * 2");
        run(RunRequest.of("up.v"));
        db.execute("UPDATE up.t SET v = v + 1 WHERE id = 1; SELECT pg_stat_force_next_flush()");
        try (Connection c = db.connect()) {
            dev.mvcert.engine.jdbc.JdbcTemplate jdbc = new dev.mvcert.engine.jdbc.JdbcTemplate(c);
            assertTrue(String.valueOf(jdbc.queryForString("SELECT audit.input_changes('up.m1')")).contains("input up.t changed"));
            assertNull(jdbc.queryForString("SELECT audit.input_changes('up.m2')"),
                    "up.m1 still holds what up.m2 was refreshed from: the change below it is not up.m2's");
            c.createStatement().execute("REFRESH MATERIALIZED VIEW up.m1");
            assertTrue(String.valueOf(jdbc.queryForString("SELECT audit.input_changes('up.m2')")).contains("input up.m1 changed"),
                    "once up.m1 is refreshed, by anyone, up.m2's input changed");
        }
    }

    @Test
    void unchangedInputsAreSeenUnchangedWhateverTheSessionsTimeZone() throws SQLException {
        db.execute("""
                CREATE SCHEMA tz;
                CREATE TABLE tz.t (id int PRIMARY KEY);
                INSERT INTO tz.t VALUES (1);
                CREATE MATERIALIZED VIEW tz.m AS SELECT id FROM tz.t;
                """);
        run(RunRequest.of("tz.m"));
        for (String zone : List.of("UTC", "Pacific/Kiritimati", "Pacific/Honolulu")) {
            try (Connection c = db.connect()) {
                c.createStatement().execute("SET TimeZone = '" + zone + "'");
                assertNull(new dev.mvcert.engine.jdbc.JdbcTemplate(c).queryForString("SELECT audit.input_changes('tz.m')"),
                        "nothing changed, seen under " + zone);
            }
        }
    }

    @Test
    void aViewReadingOnlyCurrentDateIsSkippedOnASameDayRerunInTheSameTimeZoneOnly() throws SQLException {
        db.execute("""
                CREATE SCHEMA cd;
                CREATE TABLE cd.t (id int PRIMARY KEY, d date NOT NULL);
                INSERT INTO cd.t VALUES (1, date '2020-01-01');
                CREATE MATERIALIZED VIEW cd.m AS SELECT id, CURRENT_DATE - d AS age_days FROM cd.t;
                CREATE MATERIALIZED VIEW cd.n AS SELECT id, now() - d AS age FROM cd.t;
                """);
        run(RunRequest.of("cd.m"));
        RunResult again = run(RunRequest.of("cd.m"));
        assertEquals(SkipReason.INPUTS_UNCHANGED, again.steps().get(0).skipReason(), "same day, same TimeZone");
        db.execute("UPDATE audit.input_fingerprint SET fingerprint = jsonb_set(fingerprint, '{timezone}', '\"Asia/Tokyo\"') "
                + "WHERE matview = 'cd.m'");
        RunResult otherZone = run(RunRequest.of("cd.m"));
        assertTrue(otherZone.steps().get(0).succeeded());
        assertTrue(otherZone.steps().get(0).decision().contains("CURRENT_DATE, and the day or TimeZone changed"),
                otherZone.steps().get(0).decision());
        db.execute("UPDATE audit.input_fingerprint SET fingerprint = jsonb_set(fingerprint, '{day}', '\"2001-01-01\"') "
                + "WHERE matview = 'cd.m'");
        assertTrue(run(RunRequest.of("cd.m")).steps().get(0).succeeded(), "another day");

        run(RunRequest.of("cd.n"));
        StepResult now = run(RunRequest.of("cd.n")).steps().get(0);
        assertTrue(now.succeeded(), "now() is never skipped");
        assertNotNull(now.decision());
        assertTrue(now.decision().contains("time-of-query function now()"), now.decision());
    }

    private static Map<String, StepResult> byView(RunResult run) {
        return run.steps().stream().collect(Collectors.toMap(StepResult::matview, Function.identity(), (a, b) -> b));
    }
}
