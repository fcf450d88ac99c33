package dev.mvcert.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.testing.CommitPerStep;
import dev.mvcert.engine.errors.ErrorClass;
import dev.mvcert.engine.refresh.StepResult;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults in the executor and the server, at the engine level (the agent's process-level
 * tests build on these): an executor process killed with SIGKILL during a refresh and
 * during certification, and a view whose refresh runs out of disk or time. In every case
 * the previous snapshot stays served, the lock goes away, the run is marked abandoned or
 * failed with its class, the registry never claims a certification that did not complete,
 * and the next run succeeds.
 */
@ExtendWith(PostgresExtension.class)
class EngineFaultIT {

    static final String TARGET = "flt.features_v";

    @BeforeAll
    static void certifiedPipelineWithAControllableView(TestDatabase db) throws SQLException {
        db.execute("""
                CREATE SCHEMA flt;
                CREATE TABLE flt.control (pause_seconds float8 NOT NULL, fail_sqlstate text);
                INSERT INTO flt.control VALUES (0, NULL);
                -- called once per refresh of flt.base_mv: sleeps and/or fails as the test says
                CREATE FUNCTION flt.pause() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
                DECLARE c flt.control;
                BEGIN
                  SELECT * INTO c FROM flt.control;
                  PERFORM pg_sleep(c.pause_seconds);
                  IF c.fail_sqlstate IS NOT NULL THEN
                    RAISE EXCEPTION 'simulated failure %', c.fail_sqlstate USING ERRCODE = c.fail_sqlstate;
                  END IF;
                  RETURN 1;
                END $$;
                CREATE TABLE flt.base (id int PRIMARY KEY, v int);
                INSERT INTO flt.base SELECT g, g FROM generate_series(1, 100) g;
                CREATE MATERIALIZED VIEW flt.base_mv AS SELECT b.id, b.v FROM flt.base b CROSS JOIN (SELECT flt.pause()) p;
                CREATE UNIQUE INDEX base_mv_id ON flt.base_mv (id);
                CREATE VIEW flt.features_v AS SELECT id, v FROM flt.base_mv;
                SELECT audit.register_target('flt.features_v');
                """);
        try (Connection c = db.connect()) {
            Mvcert mvcert = new Mvcert(c);
            mvcert.acceptBaseline(mvcert.captureBaselines(TARGET, "initial").captureId(), "reviewed");
            assertTrue(mvcert.certify(TARGET, null).certified());
        }
    }

    @BeforeEach
    void healthyControl(TestDatabase db) {
        db.execute("UPDATE flt.control SET pause_seconds = 0, fail_sqlstate = NULL;"
                + " DELETE FROM audit.sql_assertion WHERE target = 'flt.features_v';"
                + " SELECT audit.register_target('flt.features_v', p_statement_timeout => interval '30 minutes')");
    }

    @Test
    void anExecutorKilledDuringARefreshLeavesTheOldSnapshotNoLockAnAbandonedRunAndTheNextRunSucceeds(TestDatabase db) throws Exception {
        long rowsBefore = rows(db);
        db.execute("INSERT INTO flt.base SELECT g, g FROM generate_series(1001, 1010) g; UPDATE flt.control SET pause_seconds = 60");
        Process executor = startExecutor(db, "incremental");
        try {
            long run = await("a running refresh step of flt.base_mv", () -> db.queryValue(Long.class,
                    "SELECT s.run_id FROM audit.step s JOIN audit.run r USING (run_id) WHERE s.matview = 'flt.base_mv'"
                            + " AND s.status = 'running' AND r.executor LIKE 'engine-process:%' AND r.status = 'running'"));
            executor.destroyForcibly().waitFor();
            db.execute("UPDATE flt.control SET pause_seconds = 0");
            assertAbandonedAndClean(db, run, rowsBefore);
        } finally {
            executor.destroyForcibly();
        }
        nextRunSucceeds(db, RunMode.INCREMENTAL);
    }

    @Test
    void anExecutorKilledDuringCertificationOfAnAtomicRunPublishesNothing(TestDatabase db) throws Exception {
        long rowsBefore = rows(db);
        Long certifiedRunBefore = db.queryValue(Long.class, "SELECT certified_certification_id FROM audit.registry WHERE target = ?", TARGET);
        db.execute("INSERT INTO flt.base SELECT g, g FROM generate_series(2001, 2005) g;"
                + " SELECT audit.add_sql_assertion('flt.features_v', 'slow', 'SELECT p::text AS slow FROM pg_sleep(60) AS p WHERE p::text = ''never''')");
        Process executor = startExecutor(db, "atomic");
        long run;
        try {
            await("certification running its slow assertion", () -> db.queryValue(Integer.class,
                    "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()"
                            + " AND query NOT LIKE '%pg_stat_activity%'"));
            run = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run WHERE executor LIKE 'engine-process:%' AND status = 'running'");
            executor.destroyForcibly().waitFor();
        } finally {
            executor.destroyForcibly();
        }
        assertAbandonedAndClean(db, run, rowsBefore);
        assertEquals(certifiedRunBefore, db.queryValue(Long.class,
                "SELECT certified_certification_id FROM audit.registry WHERE target = ?", TARGET));
        assertEquals(0L, db.queryValue(Long.class, "SELECT count(*) FROM audit.certification WHERE run_id = ? AND status = 'CERTIFIED'", run));
        db.execute("DELETE FROM audit.sql_assertion WHERE target = 'flt.features_v'");
        nextRunSucceeds(db, RunMode.ATOMIC);
    }

    @Test
    void aRefreshRunningOutOfDiskOrTimeFailsWithItsRetryableClassAndLeavesTheOldRows(TestDatabase db) throws SQLException {
        long rowsBefore = rows(db);
        db.execute("INSERT INTO flt.base SELECT g, g FROM generate_series(3001, 3003) g; UPDATE flt.control SET fail_sqlstate = '53100'");
        StepResult diskFull = failingStep(db);
        assertEquals(ErrorClass.RESOURCES, diskFull.errorClass(), diskFull.toString());
        assertTrue(diskFull.retryable());
        assertEquals("53100", diskFull.sqlState());
        assertEquals(rowsBefore, rows(db), "a failed refresh must leave the previous snapshot");

        db.execute("UPDATE flt.control SET fail_sqlstate = NULL, pause_seconds = 3;"
                + " SELECT audit.register_target('flt.features_v', p_statement_timeout => interval '200 milliseconds')");
        StepResult timeout = failingStep(db);
        assertEquals(ErrorClass.STATEMENT_TIMEOUT, timeout.errorClass(), timeout.toString());
        assertTrue(timeout.retryable());
        assertEquals(rowsBefore, rows(db));
        assertEquals("resources,statement_timeout", db.queryValue(String.class,
                "SELECT string_agg(error_class, ',' ORDER BY step_id) FROM audit.step WHERE step_id IN (?, ?)",
                diskFull.stepId(), timeout.stepId()));
    }

    private static StepResult failingStep(TestDatabase db) throws SQLException {
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult result = Mvcert.runs(new CommitPerStep(work, history))
                    .run(RunRequest.of(TARGET).withMode(RunMode.INCREMENTAL).withForce(true));
            assertEquals(RunOutcome.REFRESH_FAILED, result.outcome(), result.toString());
            assertTrue(result.staleViews().contains("flt.base_mv"), result.toString());
            return result.steps().stream().filter(StepResult::failed).findFirst().orElseThrow();
        }
    }

    private static void assertAbandonedAndClean(TestDatabase db, long run, long rowsBefore) throws InterruptedException {
        await("the refresh lock of the killed executor released", () ->
                db.queryValue(Integer.class, "SELECT audit.refresh_lock_holder('flt.base_mv')") == null ? 1 : null);
        assertEquals(rowsBefore, rows(db), "the previous snapshot must stay served");
        await("run " + run + " reaped as abandoned after its lease", () -> {
            db.queryValue(Integer.class, "SELECT audit.reap_abandoned()");
            return "abandoned".equals(db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run)) ? 1 : null;
        });
        assertEquals(0L, db.queryValue(Long.class, "SELECT count(*) FROM audit.step WHERE run_id = ? AND status = 'running'", run));
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = ?", TARGET));
        assertNotEquals(run, db.queryValue(Long.class, "SELECT coalesce(certified_run_id, -1) FROM audit.registry WHERE target = ?", TARGET));
        assertNull(db.queryValue(Integer.class, "SELECT pid FROM pg_stat_activity WHERE query LIKE '%flt.pause%' AND pid <> pg_backend_pid() AND query NOT LIKE '%pg_stat_activity%'"));
    }

    private static void nextRunSucceeds(TestDatabase db, RunMode mode) throws SQLException {
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunRequest request = RunRequest.of(TARGET).withMode(mode).withForce(true);
            RunResult result = mode == RunMode.INCREMENTAL ? Mvcert.runs(new CommitPerStep(work, history)).run(request)
                    : new Mvcert(work).withHistory(history).run(request);
            assertTrue(result.publish(), result.toString());
            work.commit();
            assertEquals(RunOutcome.CERTIFIED, result.outcome(), result.toString());
        }
        assertEquals(db.queryValue(Long.class, "SELECT count(*) FROM flt.base"), rows(db), "the next run publishes the new rows");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = ?", TARGET));
    }

    private static long rows(TestDatabase db) {
        return db.queryValue(Long.class, "SELECT count(*) FROM flt.base_mv");
    }

    private static Process startExecutor(TestDatabase db, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EngineProcess.class.getName(),
                db.jdbcUrl(), db.cluster().superuser(), TARGET, mode, "2")
                .redirectErrorStream(true).redirectOutput(Path.of("target", "engine-process-" + mode + ".log").toFile()).start();
    }

    private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
