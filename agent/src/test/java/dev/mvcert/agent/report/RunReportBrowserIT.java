package dev.mvcert.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.agent.cli.CliRunner;
import dev.mvcert.agent.testing.FailedRunScenario;
import dev.mvcert.agent.testing.HeadlessChromium;
import dev.mvcert.agent.testing.Http;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The run report as a DBA sees it: served by a running {@code mvcert serve} after a real run in
 * which one view failed (after a retry) and its dependent was left stale, with the target's last
 * certification failing one check, opened in headless Chromium with and without JavaScript.
 */
@ExtendWith(PostgresExtension.class)
class RunReportBrowserIT {

    private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put(FailedRunScenario.FAILED_VIEW, "failed");
        EXPECTED.put(FailedRunScenario.REFRESHED_VIEW, "refreshed-concurrently");
        EXPECTED.put(FailedRunScenario.STALE_VIEW, "stale");
        EXPECTED.put("small.t_v", "target-no-certification");
    }

    private static TestDatabase db;
    private static FailedRunScenario scenario;

    @BeforeAll
    static void serveAfterARunWithAFailedViewAndAFailedCheck(TestDatabase database) throws Exception {
        db = database;
        scenario = FailedRunScenario.start(db);
    }

    @AfterAll
    static void stopTheAgent() {
        if (scenario != null) {
            scenario.close();
        }
    }

    private static String reportUrl() {
        return "http://127.0.0.1:" + scenario.httpPort() + "/report?target=small.t_v";
    }

    @Test
    void chromiumShowsEveryViewWithItsOutcomeAndTheFailedCheckWithoutAnyErrorOrOutsideRequest() throws Exception {
        try (HeadlessChromium chromium = HeadlessChromium.start(true)) {
            chromium.open(reportUrl());
            chromium.screenshotFullPage(Path.of("target", "report-screenshot.png"));
            WebDriver page = chromium.driver();
            assertReportContent(page);

            WebElement filter = page.findElement(By.id("views-filter"));
            assertTrue(filter.isDisplayed(), "the inline script ran (its hash is allowed by the page's CSP) and showed the filter");
            filter.sendKeys("a_mv");
            assertEquals(List.of(FailedRunScenario.FAILED_VIEW), visibleRows(page), "the filter keeps the matching view only");
            filter.sendKeys(Keys.BACK_SPACE, Keys.BACK_SPACE, Keys.BACK_SPACE, Keys.BACK_SPACE);
            assertEquals(EXPECTED.size(), visibleRows(page).size(), "an empty filter shows every view again");
            assertEquals(List.of(), chromium.consoleErrors(), "console errors");
            assertEquals(List.of(), chromium.requestProblems(HeadlessChromium.origin(reportUrl())), "requests");
        }
        assertTrue(Files.size(Path.of("target", "report-screenshot.png")) > 10_000, "a screenshot of the page");
    }

    @Test
    void withJavaScriptDisabledTheSameContentIsThere() throws Exception {
        try (HeadlessChromium chromium = HeadlessChromium.start(false)) {
            chromium.open(reportUrl());
            WebDriver page = chromium.driver();
            assertReportContent(page);
            assertFalse(page.findElement(By.id("views-filter")).isDisplayed(), "no script ran: the filter box stays hidden");
            assertEquals(List.of(), chromium.consoleErrors(), "console errors");
            assertEquals(List.of(), chromium.requestProblems(HeadlessChromium.origin(reportUrl())), "requests");
        }
    }

    private static List<String> visibleRows(WebDriver page) {
        return page.findElements(By.cssSelector("#views-table tbody tr")).stream()
                .filter(WebElement::isDisplayed).map(r -> r.getDomAttribute("data-view")).toList();
    }

    /** What a DBA checks on the page: every view with its outcome, in the graph and the table; the failed check and its object. */
    private static void assertReportContent(WebDriver page) {
        assertEquals(String.valueOf(scenario.failedViewRun()), page.findElement(By.id("run-summary")).getDomAttribute("data-run"),
                "the latest run is shown");
        Map<String, String> table = new LinkedHashMap<>();
        Map<String, String> rowIds = new LinkedHashMap<>();
        for (WebElement row : page.findElements(By.cssSelector("#views-table tbody tr"))) {
            table.put(row.getDomAttribute("data-view"), row.getDomAttribute("data-outcome"));
            rowIds.put(row.getDomAttribute("data-view"), row.getDomAttribute("id"));
        }
        assertEquals(EXPECTED, sorted(table), "views table");
        String failedRow = page.findElement(By.id(rowIds.get(FailedRunScenario.FAILED_VIEW))).getText();
        assertTrue(failedRow.contains("failed") && failedRow.contains("40001"), "the failed view's row says failed and why: " + failedRow);
        assertTrue(page.findElement(By.id(rowIds.get(FailedRunScenario.STALE_VIEW))).getText().contains("stale"));

        Map<String, String> graph = new LinkedHashMap<>();
        for (WebElement node : page.findElements(By.cssSelector("#graph-svg g.node"))) {
            graph.put(node.getDomAttribute("data-view"), node.getDomAttribute("data-outcome"));
            assertTrue(node.findElement(By.tagName("title")).getDomProperty("textContent").contains("mode: "),
                    "every node has its mode on hover");
        }
        assertEquals(EXPECTED, sorted(graph), "closure graph");

        WebElement retried = page.findElement(By.cssSelector("#timeline-svg g.tl-row[data-view='" + FailedRunScenario.FAILED_VIEW + "']"));
        assertEquals("2", retried.getDomAttribute("data-attempts"), "both attempts of the failed view are on the timeline");
        List<String> timelineLinks = page.findElements(By.cssSelector("#graph-svg a.to-timeline")).stream()
                .map(a -> a.getDomAttribute("href")).toList();
        assertEquals(3, timelineLinks.size(), "each refreshed view's node links to its timeline row: " + timelineLinks);
        assertTrue(timelineLinks.contains("#" + retried.getDomAttribute("id")), timelineLinks.toString());

        List<WebElement> failedChecks = page.findElements(By.cssSelector("#failed-checks tbody tr"));
        assertEquals(1, failedChecks.size(), "one failed check");
        WebElement check = failedChecks.get(0);
        assertEquals(FailedRunScenario.FAILED_CHECK, check.getDomAttribute("data-check"));
        assertEquals(FailedRunScenario.REFRESHED_VIEW, check.getDomAttribute("data-object"));
        WebElement objectLink = check.findElement(By.cssSelector("td:nth-child(2) a"));
        assertEquals("#" + rowIds.get(FailedRunScenario.REFRESHED_VIEW), objectLink.getDomAttribute("href"),
                "the failed check links to its object");
        assertTrue(check.getText().contains("small.t_v \u2192 small.c_mv \u2192 small.b_mv"), "the path to the forbidden view: " + check.getText());
        assertTrue(page.findElement(By.id("certification-summary")).getText().contains("Run " + scenario.failedViewRun() + " has no certification"));
        assertEquals(2, page.findElements(By.cssSelector("#hash-days tbody tr")).size(), "both baselined days with their rows");

        assertTrue(page.findElement(By.id("registry")).getText().contains("FAILED"), "registry status");
        assertTrue(page.findElement(By.id("breakers")).getText().contains(FailedRunScenario.FAILED_VIEW), "the open breaker");

        objectLink.click();
        assertTrue(page.getCurrentUrl().endsWith("#" + rowIds.get(FailedRunScenario.REFRESHED_VIEW)), page.getCurrentUrl());
    }

    @Test
    void theCliWritesTheSamePageAsTheAgentServes() throws Exception {
        Path file = Files.createTempFile("mvcert-report-", ".html");
        try {
            CliRunner.Result written = CliRunner.run("report", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v",
                    "--out", file.toString());
            assertEquals(0, written.exitCode(), written.toString());
            CliRunner.Result printed = CliRunner.run("report", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v");
            assertEquals(0, printed.exitCode(), printed.toString());
            HttpResponse<String> served = Http.get(scenario.httpPort(), "/report?target=small.t_v");
            assertEquals(200, served.statusCode(), served.body());
            assertEquals("text/html; charset=utf-8", served.headers().firstValue("Content-Type").orElse(""));
            assertTrue(served.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'none'"));

            ReportDocument fromFile = ReportDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
            ReportDocument fromStdout = ReportDocument.parse(printed.out());
            ReportDocument fromAgent = ReportDocument.parse(served.body());
            assertEquals(EXPECTED, sorted(fromAgent.tableOutcomes()));
            assertEquals(fromAgent.tableOutcomes(), fromFile.tableOutcomes());
            assertEquals(fromAgent.tableOutcomes(), fromStdout.tableOutcomes());
            assertEquals(fromAgent.graphOutcomes(), fromFile.graphOutcomes());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void anEarlierRunIsReportedWithItsOwnCertification() {
        HttpResponse<String> earlier = Http.get(scenario.httpPort(), "/report?target=small.t_v&run=" + scenario.failedCheckRun());
        assertEquals(200, earlier.statusCode(), earlier.body());
        ReportDocument page = ReportDocument.parse(earlier.body());
        assertEquals("target-not-certified", page.tableOutcomes().get("small.t_v"), "that run's certification failed");
        assertEquals("refreshed-concurrently", page.tableOutcomes().get(FailedRunScenario.FAILED_VIEW), "a_mv did not fail then");
        assertTrue(page.one("//*[@id='certification-summary']").getTextContent().contains("of run " + scenario.failedCheckRun()));

        HttpResponse<String> certified = Http.get(scenario.httpPort(), "/report?target=small.t_v&run=" + scenario.certifiedRun());
        assertEquals("target-certified", ReportDocument.parse(certified.body()).tableOutcomes().get("small.t_v"));
    }

    @Test
    void wrongRequestsAreRefusedNamingTheValue() {
        assertEquals(400, Http.get(scenario.httpPort(), "/report").statusCode());
        HttpResponse<String> badRun = Http.get(scenario.httpPort(), "/report?target=small.t_v&run=abc");
        assertEquals(400, badRun.statusCode());
        assertTrue(badRun.body().contains("abc"), badRun.body());
        HttpResponse<String> noSuchRun = Http.get(scenario.httpPort(), "/report?target=small.t_v&run=999999");
        assertEquals(404, noSuchRun.statusCode());
        assertTrue(noSuchRun.body().contains("999999"), noSuchRun.body());
        HttpResponse<String> notATarget = Http.get(scenario.httpPort(), "/report?target=small.c_mv");
        assertEquals(404, notATarget.statusCode());
        assertTrue(notATarget.body().contains("small.c_mv is not a registered target"), notATarget.body());
        HttpResponse<String> missing = Http.get(scenario.httpPort(), "/report?target=" + java.net.URLEncoder.encode("no.\"such<view>\"",
                StandardCharsets.UTF_8));
        assertEquals(404, missing.statusCode(), missing.body());

        CliRunner.Result cliNotATarget = CliRunner.run("report", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.c_mv");
        assertEquals(7, cliNotATarget.exitCode(), cliNotATarget.toString());
        CliRunner.Result cliNoSuchRun = CliRunner.run("report", "--jdbc-url", db.jdbcUrl(), "-U", "postgres", "--target", "small.t_v",
                "--run", "999999");
        assertEquals(2, cliNoSuchRun.exitCode(), cliNoSuchRun.toString());
        assertTrue(cliNoSuchRun.err().contains("--run 999999"), cliNoSuchRun.toString());
    }

    private static Map<String, String> sorted(Map<String, String> outcomes) {
        Map<String, String> inExpectedOrder = new LinkedHashMap<>();
        EXPECTED.keySet().forEach(k -> {
            if (outcomes.containsKey(k)) {
                inExpectedOrder.put(k, outcomes.get(k));
            }
        });
        outcomes.forEach(inExpectedOrder::putIfAbsent);
        return inExpectedOrder;
    }
}
