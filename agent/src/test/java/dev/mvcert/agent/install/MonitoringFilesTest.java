package dev.mvcert.agent.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The alert rules pass {@code promtool check rules} and their unit tests ({@code promtool test
 * rules}); the PromQL of the rules and the dashboard is read correctly (the names are then held
 * against a real scrape by AlertAndDashboardMetricsIT).
 */
class MonitoringFilesTest {

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        Result check = promtool("check", "rules", MonitoringFiles.ALERTS.toString());
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + MonitoringFiles.alertCount() + " rules found"), check.output());
    }

    @Test
    void theAlertRulesPassTheirPromtoolUnitTests() throws Exception {
        Result test = promtool("test", "rules", MonitoringFiles.ALERT_TESTS.toString());
        assertEquals(0, test.exit(), test.output());
        assertTrue(test.output().contains("SUCCESS"), test.output());
        String tests = Files.readString(MonitoringFiles.root().resolve(MonitoringFiles.ALERT_TESTS));
        for (String alert : Files.readAllLines(MonitoringFiles.root().resolve(MonitoringFiles.ALERTS)).stream()
                .filter(l -> l.trim().startsWith("- alert:")).map(l -> l.trim().substring("- alert:".length()).trim()).toList()) {
            assertTrue(tests.contains("alertname: " + alert), "alert " + alert + " has a unit test");
        }
    }

    @Test
    void metricNamesAreReadFromPromQlButNotFunctionsLabelsOrKeywords() {
        assertEquals(Set.of("a_total", "b"), MonitoringFiles.metricNames(
                "sum by (matview) (rate(a_total{x=\"y\", z=~\"$target\"}[$__rate_interval])) / on(x) group_left(y) b > bool 0.5"));
        assertEquals(Set.of("mvcert_database_up"), MonitoringFiles.metricNames("absent(mvcert_database_up)"));
        assertEquals(Set.of("up", "c:rec"), MonitoringFiles.metricNames("max without (instance) (up) and c:rec offset 5m unless 1e3"));
        assertEquals(Set.of("q"), MonitoringFiles.metricNames("topk(3, q{l=\"a}b\"})"));
    }

    @Test
    void everyAlertAndEveryDashboardPanelHasPromQlThatReadsMetrics() throws IOException {
        List<String> alerts = MonitoringFiles.alertExpressions();
        assertEquals(MonitoringFiles.alertCount(), alerts.size(), "one expression per alert: " + alerts);
        List<String> dashboard = MonitoringFiles.dashboardExpressions();
        assertTrue(dashboard.size() >= 14, "panels and template variables: " + dashboard);
        for (String expr : alerts) {
            assertFalse(MonitoringFiles.metricNames(expr).isEmpty(), "no metric read by " + expr);
        }
        for (String expr : dashboard) {
            assertFalse(MonitoringFiles.metricNames(expr).isEmpty(), "no metric read by " + expr);
        }
    }

    record Result(int exit, String output) {
    }

    private static Result promtool(String... args) throws IOException, InterruptedException {
        Path promtool = null;
        for (String dir : (System.getenv("PATH") + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "promtool"))) {
                promtool = Path.of(dir, "promtool");
                break;
            }
        }
        assumeTrue(promtool != null, "promtool not found on PATH (Debian package prometheus; install/prereqs.sh installs it)");
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(MonitoringFiles.root().toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }
}
