package dev.mvcert.agent.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.testing.Agents;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.agent.testing.Wait;
import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** pg_cron job -> audit.request_run -> agent -> refreshed and certified, with pg_cron itself running the job. */
@ExtendWith(PostgresExtension.class)
class CronEndToEndIT {

    @Test
    void aPgCronJobQueuesARunThatAnAgentRefreshesAndCertifies(LocalCluster cluster) throws Exception {
        TestDatabase cron = new TestDatabase(cluster, LocalCluster.CRON_DATABASE);
        SmallPipeline.create(cron);
        SmallPipeline.acceptBaseline(cron);
        String url = cron.jdbcUrl();

        CliRunner.Result bad = CliRunner.run("schedule", "--jdbc-url", url, "-U", "postgres", "--target", "small.t_v", "--cron", "every day");
        assertEquals(7, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("invalid cron expression 'every day'"), bad.toString());

        CliRunner.Result scheduled = CliRunner.run("schedule", "--jdbc-url", url, "-U", "postgres", "--target", "small.t_v", "--cron", "* * * * *");
        assertEquals(0, scheduled.exitCode(), scheduled.toString());
        CliRunner.Result list = CliRunner.run("schedule", "--jdbc-url", url, "-U", "postgres", "--list");
        assertTrue(list.out().contains("mvcert:small.t_v:incremental") && list.out().contains("audit.request_run"), list.toString());

        AgentSettings settings = Agents.settings();
        settings.agentName = "cron-agent";
        try (AgentRuntime agent = Agents.start(cron, settings)) {
            QueueWorker worker = new QueueWorker(agent);
            Thread thread = new Thread(() -> {
                try {
                    worker.serve();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            thread.start();
            try {
                // pg_cron starts jobs on the minute: allow a little over one.
                Wait.until("a request from pg_cron served and certified", Duration.ofSeconds(80), () -> cron.queryValue(Long.class,
                        "SELECT count(*) FROM audit.run_request WHERE target = 'small.t_v' AND status = 'certified'") > 0);
            } finally {
                worker.stop();
                thread.join(30_000);
            }
        }
        assertTrue(cron.queryValue(Long.class, "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid) "
                + "WHERE j.jobname = 'mvcert:small.t_v:incremental' AND d.status = 'succeeded'") > 0, "pg_cron ran the job itself");
        assertEquals("CERTIFIED", cron.queryValue(String.class, "SELECT status FROM audit.health WHERE target = 'small.t_v'"));
        Long run = cron.queryValue(Long.class, "SELECT r.run_id FROM audit.run_request q JOIN audit.run r ON r.request_id = q.request_id "
                + "WHERE q.status = 'certified' ORDER BY q.request_id LIMIT 1");
        assertEquals("agent:cron-agent", cron.queryValue(String.class, "SELECT executor FROM audit.run WHERE run_id = ?", run));

        CliRunner.Result removed = CliRunner.run("schedule", "--jdbc-url", url, "-U", "postgres", "--target", "small.t_v", "--remove");
        assertEquals(0, removed.exitCode(), removed.toString());
        assertEquals(Long.valueOf(0), cron.queryValue(Long.class, "SELECT count(*) FROM cron.job WHERE jobname LIKE 'mvcert:small.t_v:%'"));
    }
}
