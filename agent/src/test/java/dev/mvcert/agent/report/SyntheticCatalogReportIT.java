package dev.mvcert.agent.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.SyntheticCatalog;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.w3c.dom.Element;

/**
 * Run reports of synthetic catalogs whose schema and view names contain quotes, '<', '>' and
 * '&': a 1,000-view closure collapses to schema x level boxes and still lists every view; a
 * small one draws every view; in both every name survives escaping exactly.
 */
@ExtendWith(PostgresExtension.class)
class SyntheticCatalogReportIT {

    @Test
    void aThousandViewReportCollapsesBySchemaAndLevelAndListsEveryViewInTheTable(TestDatabase db) throws Exception {
        SyntheticCatalog catalog = new SyntheticCatalog(10, 100, 10);
        String html;
        List<String> planned;
        try (Connection c = db.connect()) {
            catalog.create(c);
            catalog.recordRun(c, false);
            long run = catalog.recordRun(c, true);
            catalog.recordCertification(c, run);
            c.setAutoCommit(false);
            html = RunReportPage.of(c, SyntheticCatalog.TARGET, null).html();
            planned = db.queryColumn("SELECT matview FROM audit.refresh_plan(?::regclass) ORDER BY step", SyntheticCatalog.TARGET);
        }
        assertEquals(1000, planned.size());
        // Kept for a look in a browser: agent/target/report-1000-views.html
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "report-1000-views.html"), html);
        ReportDocument page = ReportDocument.parse(html);

        Map<String, String> table = page.tableOutcomes();
        assertEquals(1001, table.size(), "every view and the target in the table");
        assertTrue(table.keySet().containsAll(planned), "every planned view, names exactly as the database spells them");
        assertEquals(10, table.values().stream().filter("failed"::equals).count(), "every 97th step failed");
        assertEquals("target-not-certified", table.get(queryCanonicalTarget(db)));

        assertTrue(page.graphOutcomes().keySet().equals(Set.of(queryCanonicalTarget(db))),
                "collapsed: only the target is drawn as its own node, got " + page.graphOutcomes().size() + " nodes");
        List<Element> groups = page.all("//*[local-name()='g' and @class='group']");
        assertEquals(100, groups.size(), "one box per schema and level");
        assertEquals(1000, groups.stream().mapToInt(g -> Integer.parseInt(g.getAttribute("data-views"))).sum());
        Set<String> schemas = new HashSet<>();
        groups.forEach(g -> schemas.add(g.getAttribute("data-schema")));
        assertTrue(schemas.contains(SyntheticCatalog.schema(0)), "schema names unquoted and unescaped: " + schemas);
        assertTrue(groups.stream().anyMatch(g -> "failed".equals(g.getAttribute("data-outcome"))), "a box with a failed view shows it");
        page.one("//*[@id='graph-collapsed']");

        assertEquals(150, page.all("//*[local-name()='g' and @class='tl-row']").size(), "the timeline keeps 150 rows");
        assertTrue(page.one("//*[@id='timeline-subset']").getTextContent().contains("150 of 1000"));
        List<Element> failedChecks = page.all("//table[@id='failed-checks']/tbody/tr");
        assertEquals(11, failedChecks.size(), "ten drifted definitions and a drifted day");
        for (Element check : failedChecks.subList(0, 10)) {
            String object = check.getAttribute("data-object");
            String href = page.all("//table[@id='failed-checks']/tbody/tr[@data-object=" + xpathLiteral(object) + "]/td[2]/a").get(0)
                    .getAttribute("href");
            assertEquals("#" + page.one("//table[@id='views-table']/tbody/tr[@data-view=" + xpathLiteral(object) + "]").getAttribute("id"),
                    href, "a failed check links to its view's row");
        }
        assertEquals("100 \u2192 101", page.one("//table[@id='hash-days']/tbody/tr[@data-day='2024-01-02']/td[3]").getTextContent());
    }

    @Test
    void aSmallClosureDrawsEveryViewWithItsExactNameAndOutcome(TestDatabase db) throws Exception {
        TestDatabase small = new TestDatabase(db.cluster(), db.cluster().createDatabase("synthetic_small"));
        SyntheticCatalog catalog = new SyntheticCatalog(3, 4, 2);
        String html;
        try (Connection c = small.connect()) {
            catalog.create(c);
            catalog.recordRun(c, true);
            // A request nobody serves, older than the target's max age: audit.health calls it stuck.
            try (var s = c.createStatement()) {
                s.execute("SELECT audit.register_target('" + SyntheticCatalog.TARGET.replace("'", "''") + "', p_max_age => interval '1 second')");
                s.execute("SELECT audit.request_run('" + SyntheticCatalog.TARGET.replace("'", "''") + "')");
            }
            Thread.sleep(1200);
            c.setAutoCommit(false);
            html = RunReportPage.of(c, SyntheticCatalog.TARGET, null).html();
        }
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "report-12-views.html"), html);
        assertFalse(html.contains(SyntheticCatalog.view(0, 0)), "a raw hostile name must never reach the page");
        ReportDocument page = ReportDocument.parse(html);
        Map<String, String> graph = page.graphOutcomes();
        Map<String, String> table = page.tableOutcomes();
        assertEquals(13, graph.size(), "12 views and the target");
        assertEquals(table, graph, "the graph and the table agree view by view");
        String first = "\"" + SyntheticCatalog.schema(0).replace("\"", "\"\"") + "\".\"" + SyntheticCatalog.view(0, 0).replace("\"", "\"\"") + "\"";
        assertTrue(graph.containsKey(first), "canonical name round-trips: " + graph.keySet());
        String seventh = small.queryValue(String.class, "SELECT matview FROM audit.refresh_plan(?::regclass) WHERE step = 7",
                SyntheticCatalog.TARGET);
        assertEquals("skipped-unchanged", graph.get(seventh), "step 7 is skipped unchanged");
        assertTrue(page.all("//*[local-name()='g' and @class='group']").isEmpty(), "12 views are not collapsed");
        assertTrue(page.one("//*[@id='registry']").getTextContent().contains("no agent is alive to run it"),
                "the registry card says a queued request is stuck");
    }

    /** A string literal for XPath 1.0, whatever quotes it holds. */
    private static String xpathLiteral(String s) {
        if (!s.contains("'")) {
            return "'" + s + "'";
        }
        if (!s.contains("\"")) {
            return "\"" + s + "\"";
        }
        return "concat('" + s.replace("'", "', \"'\", '") + "')";
    }

    private static String queryCanonicalTarget(TestDatabase db) {
        return db.queryValue(String.class, "SELECT audit._qualified_name(?::regclass)", SyntheticCatalog.TARGET);
    }
}
