package dev.mvcert.agent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.metrics.PrometheusText;
import dev.mvcert.agent.testing.FailedRunScenario;
import dev.mvcert.agent.testing.Http;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every metric name the alert rules and the Grafana dashboard read is served by a real
 * {@code mvcert serve}: scraped after runs that certified, failed a check, retried a view until
 * its retry budget ran out and opened its breaker, so event metrics have samples too.
 */
@ExtendWith(PostgresExtension.class)
class AlertAndDashboardMetricsIT {

    @Test
    void everyMetricNameInTheAlertRulesAndTheDashboardIsInARealScrape(TestDatabase db) throws Exception {
        try (FailedRunScenario scenario = FailedRunScenario.start(db)) {
            String scrape = Http.get(scenario.httpPort(), "/metrics").body();
            Set<String> served = new TreeSet<>();
            PrometheusText.parse(scrape).keySet().forEach(sample -> served.add(sample.replaceAll("\\{.*", "")));

            TreeMap<String, List<String>> missing = new TreeMap<>();
            Set<String> used = new TreeSet<>();
            List<String> expressions = new ArrayList<>(MonitoringFiles.alertExpressions());
            expressions.addAll(MonitoringFiles.dashboardExpressions());
            for (String expr : expressions) {
                for (String name : MonitoringFiles.metricNames(expr)) {
                    used.add(name);
                    if (!served.contains(name)) {
                        missing.computeIfAbsent(name, k -> new ArrayList<>()).add(expr);
                    }
                }
            }
            assertEquals(new TreeMap<>(), missing, "metric names used but not served; served: " + served);
            assertTrue(used.size() >= 15, "the rules and the dashboard read the agent's metrics: " + used);
            assertTrue(used.contains("mvcert_retry_budget_exceeded_total") && used.contains("mvcert_agents_live"), used.toString());
        }
    }
}
