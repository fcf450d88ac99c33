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
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.List;
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
