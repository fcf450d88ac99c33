package dev.mvcert.agent.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.AgentRuntime;
import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.config.AgentSettings;
import dev.mvcert.agent.config.ConnectionSettings;
import dev.mvcert.agent.metrics.PrometheusText;
import dev.mvcert.agent.metrics.Promtool;
import dev.mvcert.engine.run.RunListener;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunOutcome;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.agent.testing.Http;
import dev.mvcert.agent.testing.SmallPipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class HealthAndMetricsIT {

    @Test
    void healthIsOkWhileTheTargetIsCertifiedAndFlipsTo503WhenItGoesStale(TestDatabase db) throws Exception {
        SmallPipeline.create(db);
        String url = db.jdbcUrl();
        CliRunner.Result capture = CliRunner.run("baseline", "capture", "--jdbc-url", url, "-U", "postgres", "--target", SmallPipeline.TARGET);
        assertEquals(0, capture.exitCode(), capture.toString());
        String captureId = capture.out().replaceAll("(?s).*captured baseline (\\d+).*", "$1");
        CliRunner.Result accept = CliRunner.run("baseline", "accept", "--jdbc-url", url, "-U", "postgres",
                "--capture", captureId, "--note", "initial baseline of the test pipeline");
        assertEquals(0, accept.exitCode(), accept.toString());
        CliRunner.Result certify = CliRunner.run("certify", "--jdbc-url", url, "-U", "postgres", "--target", SmallPipeline.TARGET);
        assertEquals(0, certify.exitCode(), certify.toString());
        assertTrue(certify.out().contains("small.t_v: certified"), certify.toString());

        AgentSettings settings = new AgentSettings();
        settings.httpPort = 0;
        try (AgentRuntime agent = new AgentRuntime(ConnectionSettings.of(url, "postgres", null), settings, Set.of())) {
            // a run first, so the scrape holds every kind of sample: timers, counters, gauges
            RunResult run = agent.executor().run(agent.executor().request(SmallPipeline.TARGET, "test").withMode(RunMode.INCREMENTAL),
                    RunListener.NONE);
            assertEquals(RunOutcome.CERTIFIED, run.outcome(), run.toString());
            String scrape = Http.get(agent.httpPort(), "/metrics").body();
            assertTrue(scrape.contains("mvcert_refresh_duration_seconds_count{") && scrape.contains("mvcert_run_duration_seconds"), scrape);
            Promtool.Verdict verdict = Promtool.checkMetrics(scrape);
            assertEquals(0, verdict.exitCode(), "promtool check metrics:\n" + verdict.output() + "\n" + scrape);

            HttpResponse<String> healthy = Http.get(agent.httpPort(), "/health");
            assertEquals(200, healthy.statusCode(), healthy.body());
            assertTrue(healthy.body().contains("\"target\":\"small.t_v\"") && healthy.body().contains("\"status\":\"CERTIFIED\""), healthy.body());
            assertEquals("application/json", healthy.headers().firstValue("Content-Type").orElse(""));
            Map<String, Double> before = PrometheusText.parse(Http.get(agent.httpPort(), "/metrics").body());
            assertEquals(1.0, before.get("mvcert_certified{target=\"small.t_v\"}"));
            assertEquals(1.0, before.get("mvcert_database_up"));
            assertTrue(before.get("mvcert_certification_age_seconds{target=\"small.t_v\"}") >= 0);

            db.execute("SELECT audit.mark_stale('small.t_v', 'test: the data changed')");
            sleepPastSnapshotCache();
            HttpResponse<String> stale = Http.get(agent.httpPort(), "/health");
            assertEquals(503, stale.statusCode(), stale.body());
            assertTrue(stale.body().contains("\"status\":\"STALE\"") && stale.body().contains("\"healthy\":false"), stale.body());
            Map<String, Double> after = PrometheusText.parse(Http.get(agent.httpPort(), "/metrics").body());
            assertEquals(0.0, after.get("mvcert_certified{target=\"small.t_v\"}"));
            assertEquals(1.0, after.get("mvcert_target_stale{target=\"small.t_v\"}"));
        }
    }

    @Test
    void healthIs503WhenTheDatabaseIsUnreachable(TestDatabase db) throws Exception {
        AgentSettings settings = new AgentSettings();
        settings.httpPort = 0;
        try (AgentRuntime agent = new AgentRuntime(ConnectionSettings.of(db.jdbcUrl(), "postgres", null), settings, Set.of())) {
            assertEquals(200, Http.get(agent.httpPort(), "/health").statusCode());
            try (var c = db.cluster().connect("postgres"); var s = c.createStatement()) {
                s.execute("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS false");
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "'");
            }
            try {
                sleepPastSnapshotCache();
                HttpResponse<String> down = Http.get(agent.httpPort(), "/health");
                assertEquals(503, down.statusCode(), down.body());
                assertTrue(down.body().contains("\"database_reachable\":false"), down.body());
                assertEquals(0.0, PrometheusText.parse(Http.get(agent.httpPort(), "/metrics").body()).get("mvcert_database_up"));
            } finally {
                try (var c = db.cluster().connect("postgres"); var s = c.createStatement()) {
                    s.execute("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS true");
                }
            }
        }
    }

    private static void sleepPastSnapshotCache() {
        try {
            Thread.sleep(1100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
