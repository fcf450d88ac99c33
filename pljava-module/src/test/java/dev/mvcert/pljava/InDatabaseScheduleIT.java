package dev.mvcert.pljava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * With the Java engine deployed in the database pg_cron serves, and no agent anywhere, a job
 * made by audit.schedule refreshes and certifies the target itself, in its pg_cron session.
 * Skipped, with the reason, where the server has no PL/Java.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InDatabaseScheduleIT {

    private TestDatabase cron;
    private boolean pljavaAvailable;

    @BeforeAll
    void deployInTheCronDatabase(LocalCluster cluster) throws Exception {
        pljavaAvailable = PljavaDeployment.pljavaAvailable(cluster);
        if (!pljavaAvailable) {
            return;
        }
        cron = new TestDatabase(cluster, LocalCluster.CRON_DATABASE);
        cron.execute("""
                DROP SCHEMA IF EXISTS insched CASCADE;
                CREATE SCHEMA insched;
                CREATE TABLE insched.t (id int PRIMARY KEY, v int NOT NULL);
                INSERT INTO insched.t SELECT g, g FROM generate_series(1, 20) g;
                CREATE MATERIALIZED VIEW insched.m AS SELECT id, v FROM insched.t;
                CREATE UNIQUE INDEX ON insched.m (id);
                CREATE VIEW insched.v AS SELECT id, v FROM insched.m;
                SELECT audit.register_target('insched.v');
                DELETE FROM audit.agent;
                """);
        PljavaDeployment.deploy(cron);
        cron.execute("SELECT audit.accept_baseline(audit.capture_baselines('insched.v', 'initial'), 'reviewed')");
    }

    @BeforeEach
    void requirePljava() {
        PljavaDeployment.assumePljavaAvailable(pljavaAvailable);
    }

    @AfterAll
    void undeploy() {
        if (cron != null) {
            // the other tests of this cluster use the cron database through the agent path
            cron.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'mvcert:insched.%'");
            cron.execute("SELECT sqlj.remove_jar('mvcert', true)");
            cron.execute("DROP SCHEMA insched CASCADE");
        }
    }

    @Test
    void aPgCronJobRefreshesAndCertifiesInTheDatabaseWithNoAgent() throws Exception {
        assertEquals("pljava", cron.queryValue(String.class, "SELECT audit.execution_path()"));
        assertEquals(0, cron.queryValue(Integer.class, "SELECT audit._live_agent_count()"), "no agent is alive");
        cron.execute("INSERT INTO insched.t VALUES (21, 21)");
        long job = cron.queryValue(Long.class, "SELECT audit.schedule('insched.v', '* * * * *', 'incremental', 'everyminute')");
        assertEquals("CALL audit.refresh_and_certify('insched.v', true, 'incremental')",
                cron.queryValue(String.class, "SELECT command FROM cron.job WHERE jobid = ?", job),
                "auto: the job runs in the database where the Java engine is deployed");

        // pg_cron fires at the next minute boundary
        long deadline = System.currentTimeMillis() + 80_000;
        String run = null;
        while (System.currentTimeMillis() < deadline && run == null) {
            Thread.sleep(1000);
            run = cron.queryValue(String.class,
                    "SELECT status || ' ' || executor FROM audit.run WHERE target = 'insched.v' AND status <> 'running' ORDER BY run_id DESC LIMIT 1");
        }
        assertEquals("certified pljava", run, "job runs: " + cron.queryColumn(
                "SELECT status || ' ' || coalesce(return_message, '') FROM cron.job_run_details WHERE jobid = ?", job));
        assertEquals(21L, cron.queryValue(Long.class, "SELECT count(*) FROM insched.m"), "the job refreshed the view");
        assertEquals("CERTIFIED", cron.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'insched.v'"));
        assertEquals(Boolean.TRUE, cron.queryValue(Boolean.class, "SELECT audit.require_certified('insched.v', interval '1 hour')"));
        assertEquals(0L, cron.queryValue(Long.class, "SELECT count(*) FROM audit.run_request WHERE target = 'insched.v'"),
                "nothing was queued");
        assertTrue(cron.queryColumn("SELECT status FROM cron.job_run_details WHERE jobid = ?", job).contains("succeeded"));

        // an agent-executed job can still be chosen per job
        long agentJob = cron.queryValue(Long.class,
                "SELECT audit.schedule('insched.v', '0 3 * * *', 'atomic', 'nightly', p_executor => 'agent')");
        assertEquals(List.of("SELECT audit.request_run('insched.v', 'atomic', 'pg_cron job mvcert:insched.v:nightly')"),
                cron.queryColumn("SELECT command FROM cron.job WHERE jobid = ?", agentJob));
    }
}
