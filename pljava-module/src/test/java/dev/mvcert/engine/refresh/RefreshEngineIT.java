package dev.mvcert.engine.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.errors.ErrorClass;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.testing.CommitPerStep;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class RefreshEngineIT {

    /** A pipeline in its own schema: t -> a (unique index) -> v (view) -> b (no index) ; c reads a and b. */
    private static void pipeline(TestDatabase db, String schema) {
        db.execute(("""
                CREATE SCHEMA %1$s;
                CREATE TABLE %1$s.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO %1$s.t SELECT g, g FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW %1$s.a AS SELECT id, v FROM %1$s.t WITH NO DATA;
                CREATE UNIQUE INDEX a_id ON %1$s.a (id);
                CREATE VIEW %1$s.v AS SELECT id, v * 2 AS v2 FROM %1$s.a;
                CREATE MATERIALIZED VIEW %1$s.b AS SELECT id %% 10 AS k, sum(v2) AS s FROM %1$s.v GROUP BY 1 WITH NO DATA;
                CREATE MATERIALIZED VIEW %1$s.c AS SELECT a.id, b.s FROM %1$s.a JOIN %1$s.b ON b.k = a.id %% 10 WITH NO DATA;
                CREATE UNIQUE INDEX c_id ON %1$s.c (id);
                """).formatted(schema));
    }

    private record Session(Connection work, Connection history) implements AutoCloseable {
        static Session open(TestDatabase db) throws SQLException {
            Connection work = db.connect();
            work.setAutoCommit(false);
            return new Session(work, db.connect());
        }

        /** The engine on this session's work connection, history on its own connection. */
        Mvcert mvcert() {
            return new Mvcert(work).withHistory(history);
        }

        /** An incremental run as one client makes it: each step committed (or rolled back) on its own. */
        RunResult incremental(RunRequest request) throws SQLException {
            return Mvcert.runs(new CommitPerStep(work, history)).run(request.withMode(RunMode.INCREMENTAL));
        }

        RunResult incremental(String target) throws SQLException {
            return incremental(RunRequest.of(target).withExecutor("test"));
        }

        /** An atomic run, left uncommitted: the caller publishes or rolls back. */
        RunResult atomic(String target) throws SQLException {
            return mvcert().run(RunRequest.of(target).withMode(RunMode.ATOMIC));
        }

        @Override
        public void close() throws SQLException {
            work.rollback();
            work.close();
            history.close();
        }
    }

    private static Map<String, StepResult> byView(RunResult run) {
        return run.steps().stream().collect(Collectors.toMap(StepResult::matview, Function.identity()));
    }

    /** Makes this session's pending table statistics visible to others before the engine looks. */
    private static void writeAndFlush(TestDatabase db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
            s.execute("SELECT pg_stat_force_next_flush()");
            s.execute("SELECT 1");
        }
    }

    @Test
    void bootstrapsUnpopulatedViewsPlainThenRefreshesInPlanOrderConcurrentlyWhereEligible(TestDatabase db) throws SQLException {
        pipeline(db, "ord");
        try (Session s = Session.open(db)) {
            RunResult first = s.incremental("ord.c");
            assertEquals(RunOutcome.NOT_CERTIFIED, first.outcome(), first.reason());
            assertTrue(first.reason().contains("ord.c is not a registered target: refreshed, not certified"), first.reason());
            assertEquals(List.of("ord.a", "ord.b", "ord.c"), first.steps().stream().map(StepResult::matview).toList());
            first.steps().forEach(r -> assertEquals("plain", r.modeUsed(), r.matview()));
            assertTrue(byView(first).get("ord.a").decision().contains("bootstrap"));
            assertEquals(100L, byView(first).get("ord.c").rowsAfter());
            assertEquals(10L, byView(first).get("ord.b").rowsAfter());

            writeAndFlush(db, "UPDATE ord.t SET v = v + 1 WHERE id <= 5");
            RunResult second = s.incremental("ord.c");
            Map<String, StepResult> steps = byView(second);
            assertEquals("concurrently", steps.get("ord.a").modeUsed());
            assertEquals("plain", steps.get("ord.b").modeUsed(), "no unique index: plain");
            assertEquals("concurrently", steps.get("ord.c").modeUsed());
            assertEquals(2 * (5050 + 5) + 0L, db.queryValue(Long.class, "SELECT sum(s)::bigint FROM ord.b"));
        }
        // the history shows every step, in order, with what runbook 07 asks to observe
        List<String> history = db.queryColumn("""
                SELECT s.matview || ':' || s.status || ':' || s.mode_used || ':' || s.rows_after
                  FROM audit.step s JOIN audit.run r USING (run_id)
                 WHERE r.target = 'ord.c' ORDER BY s.step_id""");
        assertEquals(List.of("ord.a:succeeded:plain:100", "ord.b:succeeded:plain:10", "ord.c:succeeded:plain:100",
                "ord.a:succeeded:concurrently:100", "ord.b:succeeded:plain:10", "ord.c:succeeded:concurrently:100"), history);
        assertEquals(0L, db.queryValue(Long.class, """
                SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id)
                 WHERE r.target = 'ord.c' AND (s.query_id IS NULL OR s.duration IS NULL OR s.finished_at IS NULL)"""));
        assertEquals(2L, db.queryValue(Long.class,
                "SELECT count(*) FROM audit.run WHERE target = 'ord.c' AND status = 'not_certified' AND executor = 'test'"));
    }

    @Test
    void untouchedInputsSkipAChangedInputRefreshesAndAVolatileDefinitionAlwaysRefreshes(TestDatabase db) throws SQLException {
        pipeline(db, "skp");
        db.execute("CREATE MATERIALIZED VIEW skp.r AS SELECT id, random() AS x FROM skp.c WITH NO DATA");
        try (Session s = Session.open(db)) {
            s.incremental("skp.c");
            s.incremental("skp.r");
            RunResult idle = s.incremental("skp.r");
            Map<String, StepResult> steps = byView(idle);
            for (String v : List.of("skp.a", "skp.b", "skp.c")) {
                assertEquals(SkipReason.INPUTS_UNCHANGED, steps.get(v).skipReason(), v);
            }
            assertTrue(steps.get("skp.r").succeeded(), "random() in the definition: always refreshed");
            assertTrue(steps.get("skp.r").decision().contains("volatile function random()"), steps.get("skp.r").decision());

            writeAndFlush(db, "INSERT INTO skp.t VALUES (101, 101)");
            RunResult changed = s.incremental("skp.c");
            steps = byView(changed);
            assertTrue(steps.get("skp.a").succeeded());
            assertTrue(steps.get("skp.a").decision().contains("input skp.t changed"), steps.get("skp.a").decision());
            assertTrue(steps.get("skp.b").succeeded(), "upstream a was refreshed");
            assertTrue(steps.get("skp.c").succeeded());
            assertEquals(101L, db.queryValue(Long.class, "SELECT count(*) FROM skp.c"));

            RunResult forced = s.incremental(RunRequest.of("skp.c").withForce(true));
            forced.steps().forEach(r -> assertTrue(r.succeeded(), r.matview()));
        }
    }

    @Test
    void aChangeEarlierInTheSameTransactionIsNotMistakenForUnchanged(TestDatabase db) throws SQLException {
        pipeline(db, "own");
        try (Session s = Session.open(db)) {
            s.incremental("own.a");
            try (Statement st = s.work().createStatement()) {
                st.execute("DELETE FROM own.t WHERE id > 90");
            }
            RunResult r = s.atomic("own.a");
            assertTrue(r.steps().get(0).succeeded(), r.steps().get(0).decision());
            assertEquals(90L, r.steps().get(0).rowsAfter());
        }
    }

    @Test
    void theSecondSessionRacingForAViewSkipsItAsLockedElsewhere(TestDatabase db) throws SQLException {
        pipeline(db, "lck");
        try (Session a = Session.open(db); Session b = Session.open(db)) {
            a.incremental("lck.a");
            RunResult winner = a.atomic("lck.a");
            assertTrue(winner.steps().get(0).succeeded() || SkipReason.INPUTS_UNCHANGED.equals(winner.steps().get(0).skipReason()));
            // a has not committed: its transaction still holds the view's refresh lock
            RunResult loser = b.incremental(RunRequest.of("lck.a").withForce(true));
            StepResult skipped = loser.steps().get(0);
            assertEquals(SkipReason.LOCKED_ELSEWHERE, skipped.skipReason());
            assertTrue(skipped.decision().contains("pid"), skipped.decision());
            a.work().rollback();
            RunResult after = b.incremental(RunRequest.of("lck.a").withForce(true));
            assertTrue(after.steps().get(0).succeeded());

            // a SQL script holding the same key (audit.try_refresh_lock) excludes the engine too
            try (Connection script = db.connect()) {
                script.setAutoCommit(false);
                try (Statement st = script.createStatement()) {
                    st.execute("SELECT audit.try_refresh_lock('lck.a')");
                }
                RunResult blocked = b.incremental(RunRequest.of("lck.a").withForce(true));
                assertEquals(SkipReason.LOCKED_ELSEWHERE, blocked.steps().get(0).skipReason());
                script.rollback();
            }
        }
        assertEquals(2L, db.queryValue(Long.class,
                "SELECT count(*) FROM audit.step WHERE matview = 'lck.a' AND skip_reason = 'locked_elsewhere'"));
    }

    /** A materialized view whose refresh sleeps while tmo.ctl.slow is set. */
    private static void slowView(TestDatabase db, String schema, String sleep) {
        db.execute(("""
                CREATE SCHEMA %1$s;
                CREATE TABLE %1$s.ctl (slow boolean NOT NULL);
                INSERT INTO %1$s.ctl VALUES (false);
                CREATE TABLE %1$s.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO %1$s.t SELECT g, g FROM generate_series(1, 50) g;
                CREATE FUNCTION %1$s.pause() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
                BEGIN
                  IF (SELECT slow FROM %1$s.ctl) THEN PERFORM pg_sleep(%2$s); END IF;
                  RETURN true;
                END $f$;
                CREATE MATERIALIZED VIEW %1$s.m AS SELECT id, v FROM %1$s.t WHERE (SELECT %1$s.pause());
                CREATE UNIQUE INDEX m_id ON %1$s.m (id);
                """).formatted(schema, sleep));
    }

    @Test
    void aStatementTimeoutFailsTheStepWithItsClassAndReadersKeepTheOldRowsThroughout(TestDatabase db) throws Exception {
        slowView(db, "tmo", "3");
        db.execute("SELECT audit.register_target('tmo.m', p_statement_timeout => interval '1 second')");
        db.execute("UPDATE tmo.t SET v = v * 100; UPDATE tmo.ctl SET slow = true");
        try (Session s = Session.open(db)) {
            String before = db.queryValue(String.class, "SHOW statement_timeout");
            try (Statement st = s.work().createStatement()) {
                st.execute("SET statement_timeout = '7min'");
            }
            s.work().commit();
            CompletableFuture<Long> duringRefresh = CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return db.queryValue(Long.class, "SELECT sum(v) FROM tmo.m");
            });
            RunResult r = s.incremental("tmo.m");
            StepResult step = r.steps().get(0);
            assertEquals(StepStatus.FAILED, step.status());
            assertEquals(ErrorClass.STATEMENT_TIMEOUT, step.errorClass());
            assertEquals("57014", step.sqlState());
            assertTrue(step.retryable());
            assertEquals(RunOutcome.REFRESH_FAILED, r.outcome());
            assertEquals(List.of("tmo.m"), r.staleViews());
            assertEquals(1275L, duringRefresh.get(), "a reader during the failing refresh sees the old rows");
            assertEquals(1275L, db.queryValue(Long.class, "SELECT sum(v) FROM tmo.m"), "the old snapshot stays");
            try (Statement st = s.work().createStatement(); var rs = st.executeQuery("SHOW statement_timeout")) {
                rs.next();
                assertEquals("7min", rs.getString(1), "the step's timeout is reset afterwards");
            }
            assertNotNull(before);
        }
        assertEquals("statement_timeout|true|57014", db.queryValue(String.class,
                "SELECT error_class || '|' || retryable || '|' || sqlstate FROM audit.step WHERE matview = 'tmo.m'"));
    }

    @Test
    void aLockTimeoutFailsTheStepAsLockTimeout(TestDatabase db) throws SQLException {
        slowView(db, "ltm", "0");
        db.execute("SELECT audit.register_target('ltm.m', p_lock_timeout => interval '200 milliseconds')");
        try (Session s = Session.open(db); Connection blocker = db.connect()) {
            blocker.setAutoCommit(false);
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE ltm.t IN ACCESS EXCLUSIVE MODE");
            }
            RunResult r = s.incremental("ltm.m");
            blocker.rollback();
            assertEquals(ErrorClass.LOCK_TIMEOUT, r.steps().get(0).errorClass());
            assertEquals("55P03", r.steps().get(0).sqlState());
            assertTrue(r.steps().get(0).retryable());
        }
    }

    @Test
    void theQueryIdRecordedIsTheOnePgStatActivityShowsDuringTheRefresh(TestDatabase db) throws Exception {
        slowView(db, "qid", "1.5");
        db.execute("UPDATE qid.ctl SET slow = true");
        try (Session s = Session.open(db)) {
            int pid;
            try (Statement st = s.work().createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            CompletableFuture<Long> seen = CompletableFuture.supplyAsync(() -> {
                for (int i = 0; i < 100; i++) {
                    Long id = db.queryValue(Long.class,
                            "SELECT query_id FROM pg_stat_activity WHERE pid = ? AND query LIKE 'REFRESH%'", pid);
                    if (id != null) {
                        return id;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return null;
            });
            RunResult r = s.incremental("qid.m");
            assertTrue(r.steps().get(0).succeeded());
            assertEquals(seen.get(), r.steps().get(0).queryId());
        }
    }

    @Test
    void aFailedRequiredFeedSkipsTheWholeRunNamingTheFeed(TestDatabase db) throws SQLException {
        pipeline(db, "fd");
        db.execute("""
                SELECT audit.register_target('fd.c');
                SELECT audit.require_feed('fd.c', 'listings');
                SELECT audit.report_feed_batch('listings', 'b1', 'succeeded');
                SELECT audit.report_feed_batch('listings', 'b2', 'failed');
                """);
        try (Session s = Session.open(db)) {
            RunResult r = s.incremental("fd.c");
            assertEquals(RunOutcome.SKIPPED, r.outcome());
            assertTrue(r.reason().contains("feed listings: latest batch b2 failed"), r.reason());
            assertTrue(r.steps().isEmpty());
            assertFalse(db.queryValue(Boolean.class, "SELECT relispopulated FROM pg_class WHERE oid = 'fd.a'::regclass"));
            assertEquals(0L, db.queryValue(Long.class,
                    "SELECT count(*) FROM audit.step JOIN audit.run USING (run_id) WHERE target = 'fd.c'"));

            db.execute("SELECT audit.report_feed_batch('listings', 'b3', 'succeeded')");
            RunResult fed = s.incremental("fd.c");
            assertEquals(3, fed.steps().stream().filter(StepResult::succeeded).count(), fed.reason());

            db.execute("UPDATE audit.feed_batch SET finished_at = finished_at - interval '2 days'");
            RunResult old = s.incremental("fd.c");
            assertEquals(RunOutcome.SKIPPED, old.outcome());
            assertTrue(old.reason().contains("no successful batch within"), old.reason());
        }
    }

    @Test
    void anInvalidIndexIsRebuiltOnlyInsideTheMaintenanceWindow(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA mw;
                CREATE TABLE mw.t (id int, v int);
                INSERT INTO mw.t SELECT g, g FROM generate_series(1, 20) g;
                INSERT INTO mw.t VALUES (1, 0);
                CREATE MATERIALIZED VIEW mw.m AS SELECT id, v FROM mw.t;
                SELECT audit.register_target('mw.m');
                """);
        // a unique index built concurrently over duplicates fails and stays behind, invalid
        assertThrows(IllegalStateException.class, () -> db.execute("CREATE UNIQUE INDEX CONCURRENTLY m_id ON mw.m (id)"));
        db.execute("DELETE FROM mw.t WHERE v = 0");
        try (Session s = Session.open(db)) {
            assertEquals("rebuild:invalid_index", s.mvcert().plan("mw.m").views().get(0).reason());
            db.execute("UPDATE audit.target SET maintenance_window_start = (now() + interval '2 hours')::time, "
                    + "maintenance_window_length = interval '1 hour' WHERE target = 'mw.m'");
            RunResult outside = s.incremental("mw.m");
            assertEquals(SkipReason.NEEDS_MAINTENANCE, outside.steps().get(0).skipReason());
            assertEquals(List.of("mw.m"), outside.needsMaintenance());
            assertTrue(outside.reason().contains("needs maintenance"));
            assertEquals("{mw.m}", db.queryValue(String.class,
                    "SELECT needs_maintenance::text FROM audit.run WHERE run_id = ?", outside.runId()));

            db.execute("UPDATE audit.target SET maintenance_window_start = (now() - interval '5 minutes')::time "
                    + "WHERE target = 'mw.m'");
            RunResult inside = s.incremental("mw.m");
            StepResult step = inside.steps().get(0);
            assertTrue(step.succeeded(), step.message());
            assertEquals("rebuild", step.modeUsed());
            assertEquals(20L, step.rowsAfter());
            assertTrue(db.queryValue(Boolean.class, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'mw.m_id'::regclass"));
            assertEquals("concurrently", s.mvcert().plan("mw.m").views().get(0).mode());
        }
    }

    @Test
    void anAtomicRunWithAFailingStepPublishesNothingAndAPassingOnePublishesEverythingAtOnce(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA atm;
                CREATE TABLE atm.t (id int PRIMARY KEY, d int NOT NULL);
                INSERT INTO atm.t SELECT g, 1 FROM generate_series(1, 10) g;
                CREATE MATERIALIZED VIEW atm.a AS SELECT id, d FROM atm.t;
                CREATE UNIQUE INDEX ON atm.a (id);
                CREATE MATERIALIZED VIEW atm.b AS SELECT id, 10 / d AS q FROM atm.t;
                CREATE UNIQUE INDEX ON atm.b (id);
                CREATE VIEW atm.top AS SELECT a.id, b.q FROM atm.a JOIN atm.b USING (id);
                """);
        db.execute("""
                SELECT audit.register_target('atm.top');
                SELECT audit.add_sql_assertion('atm.top', 'no_quotient_two', 'SELECT id FROM atm.top WHERE q = 2');
                """);
        try (Connection c = db.connect()) {
            Mvcert engine = new Mvcert(c);
            engine.acceptBaseline(engine.captureBaselines("atm.top", "initial").captureId(), "reviewed");
        }
        db.execute("INSERT INTO atm.t VALUES (11, 0)");
        try (Session s = Session.open(db)) {
            RunResult failing = s.atomic("atm.top");
            assertFalse(failing.publish());
            assertEquals(RunOutcome.REFRESH_FAILED, failing.outcome());
            assertTrue(byView(failing).get("atm.a").succeeded());
            assertEquals(ErrorClass.DATA, byView(failing).get("atm.b").errorClass());
            assertEquals(List.of("atm.a", "atm.b"), failing.staleViews());
            s.work().rollback();
            assertEquals(10L, db.queryValue(Long.class, "SELECT count(*) FROM atm.a"), "a's refresh was not published");
            // history went through its own connection and survived the rollback
            assertEquals("refresh_failed", db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", failing.runId()));
            assertEquals(2L, db.queryValue(Long.class, "SELECT count(*) FROM audit.step WHERE run_id = ?", failing.runId()));

            db.execute("UPDATE atm.t SET d = 2 WHERE id = 11");
            RunResult passing = s.atomic("atm.top");
            assertTrue(passing.publish(), passing.reason());
            assertEquals(RunOutcome.CERTIFIED, passing.outcome());
            assertEquals(10L, db.queryValue(Long.class, "SELECT count(*) FROM atm.a"), "nothing visible before commit");
            s.work().commit();
            assertEquals(11L, db.queryValue(Long.class, "SELECT count(*) FROM atm.a"));
            assertEquals(11L, db.queryValue(Long.class, "SELECT count(*) FROM atm.b"));

            db.execute("UPDATE atm.t SET d = 5 WHERE id = 11");
            RunResult rejected = s.atomic("atm.top");
            assertFalse(rejected.publish());
            assertEquals(RunOutcome.NOT_CERTIFIED, rejected.outcome());
            assertTrue(rejected.reason().contains("sql_assertion no_quotient_two"), rejected.reason());
            s.work().rollback();
            assertEquals(5L, db.queryValue(Long.class, "SELECT q::bigint FROM atm.b WHERE id = 11"));
            assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'atm.top'"),
                    "the rolled-back run changed nothing readers see");
        }
    }

    @Test
    void badTargetsGetErrorsNamingTheValue(TestDatabase db) throws SQLException {
        db.execute("CREATE SCHEMA bad; CREATE TABLE bad.tbl (id int)");
        try (Session s = Session.open(db)) {
            SQLException missing = assertThrows(SQLException.class, () -> s.mvcert().plan("bad.nope"));
            assertTrue(missing.getMessage().contains("bad.nope"), missing.getMessage());
            s.work().rollback();
            SQLException table = assertThrows(SQLException.class, () -> s.incremental("bad.tbl"));
            assertTrue(table.getMessage().contains("bad.tbl is a table"), table.getMessage());
            s.work().rollback();
        }
        try (Connection c = db.connect()) {
            IllegalStateException autocommit = assertThrows(IllegalStateException.class,
                    () -> new Mvcert(c).run(RunRequest.of("bad.tbl")));
            assertTrue(autocommit.getMessage().contains("autocommit"));
        }
    }

    @Test
    void purgeHistoryDeletesOldRunsButKeepsTheNewestPerTarget(TestDatabase db) {
        db.execute("""
                CREATE SCHEMA prg;
                CREATE MATERIALIZED VIEW prg.m AS SELECT 1 AS x;
                INSERT INTO audit.run (target, mode, status, started_at, finished_at)
                SELECT 'prg.m', 'incremental', 'certified', now() - g * interval '1 day', now() - g * interval '1 day'
                  FROM generate_series(1, 30) g;
                INSERT INTO audit.run (target, mode, status, started_at) VALUES ('prg.m', 'incremental', 'running', now() - interval '400 days');
                INSERT INTO audit.history_retention (keep_for, keep_runs_per_target) VALUES (interval '10 days 12 hours', 5);
                """);
        // days 11..30 are past retention; days 1..5 are the newest five; days 6..10 are young enough
        assertEquals(20L, db.queryValue(Long.class, "SELECT audit.purge_history()"));
        assertEquals(11L, db.queryValue(Long.class, "SELECT count(*) FROM audit.run WHERE target = 'prg.m'"));
        assertEquals(1L, db.queryValue(Long.class, "SELECT count(*) FROM audit.run WHERE target = 'prg.m' AND status = 'running'"));
        assertEquals(0L, db.queryValue(Long.class, "SELECT audit.purge_history()"));
        db.execute("DELETE FROM audit.history_retention");
    }
}
