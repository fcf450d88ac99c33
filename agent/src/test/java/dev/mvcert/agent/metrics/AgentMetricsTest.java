package dev.mvcert.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.metrics.AgentMetrics.DatabaseSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {

    @Test
    void eventsAndDatabaseStateAppearInPrometheusText() {
        AgentMetrics metrics = new AgentMetrics();
        metrics.attempt("ml.a_mv", "concurrently", "failed", "LOCK_TIMEOUT", Duration.ofMillis(250), null);
        metrics.retry("ml.a_mv", "LOCK_TIMEOUT");
        metrics.attempt("ml.a_mv", "concurrently", "succeeded", null, Duration.ofMillis(750), 1234L);
        metrics.retryBudgetExceeded("ml.a_mv");
        metrics.update(new DatabaseSnapshot(true,
                List.of(new TargetHealth("ml.t_v", "CERTIFIED", true, false, true, 60.0, Map.of("export_max_age_seconds", "86400"))),
                Map.of("ml.a_mv", "open"), 7, 2, 95.5));
        Map<String, Double> samples = PrometheusText.parse(metrics.scrape());
        assertEquals(1.0, samples.get("mvcert_refresh_attempts_total{matview=\"ml.a_mv\",status=\"failed\"}"));
        assertEquals(1.0, samples.get("mvcert_refresh_failures_total{error_class=\"LOCK_TIMEOUT\",matview=\"ml.a_mv\"}"));
        assertEquals(1.0, samples.get("mvcert_refresh_retries_total{error_class=\"LOCK_TIMEOUT\",matview=\"ml.a_mv\"}"));
        assertEquals(1234.0, samples.get("mvcert_refresh_rows{matview=\"ml.a_mv\"}"));
        assertEquals(0.75, samples.get("mvcert_refresh_duration_seconds_sum{matview=\"ml.a_mv\",mode=\"concurrently\",status=\"succeeded\"}"), 1e-9);
        assertEquals(1.0, samples.get("mvcert_certified{target=\"ml.t_v\"}"));
        assertEquals(60.0, samples.get("mvcert_certification_age_seconds{target=\"ml.t_v\"}"));
        assertEquals(2.0, samples.get("mvcert_breaker_state{matview=\"ml.a_mv\"}"));
        assertEquals(7.0, samples.get("mvcert_queue_depth"));
        assertEquals(95.5, samples.get("mvcert_queue_oldest_age_seconds"));
        assertEquals(2.0, samples.get("mvcert_agents_live"));
        assertEquals(1.0, samples.get("mvcert_retry_budget_exceeded_total{matview=\"ml.a_mv\"}"));
        assertEquals(86400.0, samples.get("mvcert_export_max_age_seconds{target=\"ml.t_v\"}"));
        assertEquals(1.0, samples.get("mvcert_database_up"));
        assertTrue(metrics.scrape().contains("# TYPE mvcert_refresh_duration_seconds summary")
                || metrics.scrape().contains("# TYPE mvcert_refresh_duration_seconds histogram"));
    }
}
