package dev.mvcert.agent.run;

import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class RunExecutorIT {

    @BeforeAll
    static void pipeline(TestDatabase db) {
        SmallPipeline.create(db);
        SmallPipeline.acceptBaseline(db);
    }

    @BeforeEach
    void healthy(TestDatabase db) {
        SmallPipeline.heal(db);
    }

    @Test
    void independentViewsRefreshTogetherAndAViewStartsOnlyAfterAllItsInputs(TestDatabase db) throws Exception {
        SmallPipeline.delay(db, "a", 1.0);
        SmallPipeline.delay(db, "b", 1.0);
        AgentSettings settings = Agents.settings();
        settings.parallel = 2;
        RunResult outcome;
        try (AgentRuntime agent = Agents.start(db, settings)) {
            outcome = agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
        }
        assertEquals(RunOutcome.CERTIFIED, outcome.outcome(), outcome.toString());
        long run = outcome.runId();
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, """
                SELECT a.started_at < b.finished_at AND b.started_at < a.finished_at
                  FROM audit.step a, audit.step b
                 WHERE a.run_id = ? AND b.run_id = a.run_id AND a.matview = 'small.a_mv' AND b.matview = 'small.b_mv'""", run),
                "a and b overlapped");
        assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, """
                SELECT c.started_at >= greatest(a.finished_at, b.finished_at)
                  FROM audit.step a, audit.step b, audit.step c
                 WHERE a.run_id = ? AND b.run_id = a.run_id AND c.run_id = a.run_id
                   AND a.matview = 'small.a_mv' AND b.matview = 'small.b_mv' AND c.matview = 'small.c_mv'""", run),
                "c started after both of its inputs finished");
        assertEquals(List.of("succeeded"), db.queryColumn("SELECT DISTINCT status FROM audit.step WHERE run_id = ?", run));
        assertEquals("certified", db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run));
    }

    @Test
    void parallelStepsOfACertifiedTargetDoNotWaitForEachOthersInvalidation(TestDatabase db) throws Exception {
        AgentSettings settings = Agents.settings();
        settings.parallel = 2;
        try (AgentRuntime agent = Agents.start(db, settings)) {
            RunResult first = agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
            assertEquals(RunOutcome.CERTIFIED, first.outcome(), first.toString());
            // both a and b change; a refreshes for 3 s, far longer than the target's lock timeout
            db.execute("UPDATE small.base SET v = v + 1 WHERE id <= 10");
            db.execute("UPDATE audit.target SET lock_timeout = interval '300 milliseconds' WHERE target = 'small.t_v'");
            SmallPipeline.delay(db, "a", 3.0);
            RunResult second;
            try {
                second = agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL), RunListener.NONE);
            } finally {
                db.execute("UPDATE audit.target SET lock_timeout = interval '10 seconds' WHERE target = 'small.t_v'");
            }
            assertEquals(RunOutcome.CERTIFIED, second.outcome(), second.toString());
            long run = second.runId();
            assertEquals(List.of("small.a_mv succeeded 1", "small.b_mv succeeded 1", "small.c_mv succeeded 1"),
                    db.queryColumn("SELECT matview || ' ' || status || ' ' || attempt FROM audit.step WHERE run_id = ? ORDER BY matview, attempt", run),
                    "each view refreshed once, none waited out the lock timeout");
            assertEquals(Boolean.TRUE, db.queryValue(Boolean.class, """
                    SELECT b.finished_at < a.finished_at - interval '1 second'
                      FROM audit.step a, audit.step b
                     WHERE a.run_id = ? AND b.run_id = a.run_id AND a.matview = 'small.a_mv' AND b.matview = 'small.b_mv'""", run),
                    "b was published while a was still refreshing");
            assertEquals(List.of("small.a_mv false", "small.b_mv true", "small.c_mv false"), db.queryColumn(
                    "SELECT object || ' ' || invalidated FROM audit.closure_change WHERE run_id = ? AND target = 'small.t_v' ORDER BY object", run),
                    "b's publish moved the target out of CERTIFIED; a and c found it already moved");
        }
    }

    @Test
    void runExitsZeroWhenCertifiedAndFourWhenARefreshFailsLeavingDependentsSkipped(TestDatabase db) {
        CliRunner.Result ok = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v", "--no-progress");
        assertEquals(0, ok.exitCode(), ok.toString());
        assertTrue(ok.out().startsWith("small.t_v: certified (incremental run "), ok.toString());

        SmallPipeline.fail(db, "a", "22012", 10); // division_by_zero: a data error, not retryable
        CliRunner.Result failed = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v");
        assertEquals(4, failed.exitCode(), failed.toString());
        assertTrue(failed.out().contains("stale (previous snapshot kept): small.a_mv, small.c_mv"), failed.toString());
        Long run = db.queryValue(Long.class, "SELECT max(run_id) FROM audit.run");
        assertEquals("refresh_failed", db.queryValue(String.class, "SELECT status FROM audit.run WHERE run_id = ?", run));
        assertEquals(List.of("small.a_mv failed 1", "small.b_mv succeeded 1", "small.c_mv skipped upstream_not_refreshed"),
                db.queryColumn("SELECT matview || ' ' || status || ' ' || coalesce(skip_reason, attempt::text) FROM audit.step "
                        + "WHERE run_id = ? ORDER BY matview", run));
    }

    @Test
    void atomicRunPublishesOnlyWhenCertifiedAndNotCertifiedIsExitFive(TestDatabase db) {
        CliRunner.Result atomic = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v", "--mode", "atomic");
        assertEquals(0, atomic.exitCode(), atomic.toString());

        db.execute("CREATE OR REPLACE VIEW small.t_v AS SELECT day, n, total, now() AS read_at FROM small.c_mv");
        try {
            db.execute("INSERT INTO small.base VALUES (100001, date '2024-01-01', 5)");
            long before = db.queryValue(Long.class, "SELECT n FROM small.c_mv WHERE day = date '2024-01-01'");
            CliRunner.Result rejected = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v", "--mode", "atomic");
            assertEquals(5, rejected.exitCode(), rejected.toString());
            assertTrue(rejected.out().contains("failed check:"), rejected.toString());
            assertEquals(before, db.queryValue(Long.class, "SELECT n FROM small.c_mv WHERE day = date '2024-01-01'"),
                    "an atomic run that fails certification publishes nothing");
            CliRunner.Result incremental = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v");
            assertEquals(5, incremental.exitCode(), incremental.toString());
        } finally {
            db.execute("DROP VIEW small.t_v; CREATE VIEW small.t_v AS SELECT day, n, total FROM small.c_mv");
        }
    }

    /**
     * A step's row is written on a history connection while the step's own connection prepares
     * it. Its REFRESH waits for that row: while it runs, audit.step shows the step running on
     * the backend that runs it. When the row cannot be written, the step's transaction is
     * rolled back: nothing is refreshed without a record of it.
     */
    @Test
    void aRefreshRunsOnlyOnceItsStepIsRecordedAndNeverWithoutIt(TestDatabase db) throws Exception {
        SmallPipeline.delay(db, "a", 2.0);
        CompletableFuture<CliRunner.Result> run = CompletableFuture.supplyAsync(() -> CliRunner.run("run", "--jdbc-url", db.jdbcUrl(),
                "-U", "postgres", "--target", "small.t_v", "--force", "--parallel", "1", "--no-progress"));
        List<String> seen;
        try {
            Wait.until("small.a_mv's REFRESH running", Duration.ofSeconds(30), () -> db.queryValue(Long.class,
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'REFRESH MATERIALIZED VIEW%small.a_mv'") > 0);
            seen = db.queryColumn("""
                    SELECT s.matview || ' ' || s.status FROM audit.step s
                      JOIN pg_stat_activity a ON a.pid = s.backend_pid AND a.state = 'active'
                     WHERE s.status = 'running' AND a.query LIKE 'REFRESH MATERIALIZED VIEW%small.a_mv'""");
        } finally {
            run.get(60, TimeUnit.SECONDS);
        }
        assertEquals(List.of("small.a_mv running"), seen, "the running REFRESH has its step row, naming its backend");
        CliRunner.Result first = run.get();
        assertEquals(0, first.exitCode(), first.toString());
        SmallPipeline.heal(db);

        long totalBefore = db.queryValue(Long.class, "SELECT sum(total)::bigint FROM small.b_mv");
        Long stepBefore = db.queryValue(Long.class, "SELECT step_id FROM audit.input_fingerprint WHERE matview = 'small.b_mv'");
        db.execute("""
                UPDATE small.base SET v = v + 1;
                CREATE FUNCTION small.refuse_step() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN RAISE EXCEPTION 'small: no step row for %', NEW.matview; END $f$;
                CREATE TRIGGER refuse_b BEFORE INSERT ON audit.step
                  FOR EACH ROW WHEN (NEW.matview = 'small.b_mv') EXECUTE FUNCTION small.refuse_step();
                """);
        CliRunner.Result refused;
        try {
            refused = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v", "--parallel", "1", "--no-progress");
        } finally {
            db.execute("DROP TRIGGER refuse_b ON audit.step; DROP FUNCTION small.refuse_step()");
        }
        assertTrue(refused.exitCode() != 0, refused.toString());
        assertTrue((refused.out() + refused.err()).contains("small: no step row for small.b_mv"), refused.toString());
        assertEquals(totalBefore, db.queryValue(Long.class, "SELECT sum(total)::bigint FROM small.b_mv"),
                "small.b_mv was refreshed without a step row");
        assertEquals(stepBefore, db.queryValue(Long.class, "SELECT step_id FROM audit.input_fingerprint WHERE matview = 'small.b_mv'"));
        assertEquals(0L, db.queryValue(Long.class, "SELECT count(*) FROM audit.step WHERE status = 'running'"),
                "no step is left running");
    }

    @Test
    void unknownTargetIsADatabaseErrorAndAtomicWithParallelSaysItIsSequential(TestDatabase db) {
        CliRunner.Result unknown = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.nope");
        assertEquals(7, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("relation \"small.nope\" does not exist"), unknown.toString());
        CliRunner.Result table = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.base");
        assertEquals(7, table.exitCode(), table.toString());
        assertTrue(table.err().contains("small.base is a table, not a view or materialized view"), table.toString());
        CliRunner.Result atomic = CliRunner.run("run", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v",
                "--mode", "atomic", "--parallel", "4");
        assertTrue(atomic.err().contains("refreshes sequentially; --parallel is ignored"), atomic.toString());
    }
}
