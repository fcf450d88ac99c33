package dev.mvcert.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.LocalCluster;
import dev.mvcert.testing.PostgresExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The upgrade path users take: a 0.1.0 install with history, baselines, a certified registry
 * and a queue, upgraded with ALTER EXTENSION mvcert UPDATE, ends with exactly the catalog of a
 * fresh install of the current version and keeps every row it had. The flat script has the
 * same path (sql/build/mvcert_flat_update--0.1.0--&lt;version&gt;.sql).
 */
@ExtendWith(PostgresExtension.class)
class UpgradePathIT {

    private static final String FIRST_VERSION = "0.1.0";

    /** Columns whose values the upgrade translates into 0.2.0's vocabulary (checked one by one). */
    private static final Map<String, List<String>> TRANSLATED = Map.of(
            "run", List.of("status", "request_id"),
            "run_request", List.of("status"));

    /** What a 0.1.0 user has after some weeks: every table gets rows, written through 0.1.0's own functions. */
    private static final List<String> HISTORY_0_1_0 = List.of(
            "CREATE SCHEMA upg",
            "CREATE TABLE upg.t (id int PRIMARY KEY, day date NOT NULL, v int NOT NULL, img__blur real)",
            "INSERT INTO upg.t SELECT g, date '2024-01-01' + (g % 3), g, NULL FROM generate_series(1, 30) g",
            "CREATE MATERIALIZED VIEW upg.m AS SELECT id, day, v, img__blur FROM upg.t",
            "CREATE UNIQUE INDEX m_id ON upg.m (id)",
            "CREATE VIEW upg.v AS SELECT id, day, v, img__blur FROM upg.m",
            "SELECT audit.register_target('upg.v', 'upgrade test', interval '24 hours', p_day_column => 'day')",
            "SELECT audit.add_deny_rule('upg.v', 'name', 'upg.t_old', 'legacy')",
            "SELECT audit.add_gate_rule('upg.v', '^img__', 'v > 0', 'sla')",
            "SELECT audit.add_sql_assertion('upg.v', 'positive', 'SELECT id FROM upg.v WHERE v <= 0')",
            "SELECT audit.set_hash_days('upg.v', ARRAY['2024-01-02']::date[])",
            "SELECT audit.declare_dependency('upg.v', 'upg.t', 'read in a function')",
            "SELECT audit.require_feed('upg.v', 'orders', interval '2 days')",
            "SELECT audit.report_feed_batch('orders', 'b1', 'succeeded')",
            "SELECT audit.begin_run('upg.v', 'incremental', 'tester', NULL, 'backend', NULL, NULL)",
            "SELECT audit.begin_step(1, 'upg.m', 1, 0, 'concurrently', 1, audit.refresh_lock_key('upg.m'), NULL)",
            "SELECT audit.finish_step(1, 'succeeded', 'concurrently', NULL, 'inputs changed', 30, NULL, NULL, NULL)",
            "SELECT audit._record_input_fingerprint('upg.m', audit._inputs_fingerprint('upg.m'), 1, 1)",
            "SELECT audit.finish_run(1, 'succeeded')",
            "SELECT audit._record_baseline_capture('upg.v', 'initial', "
                    + "'[{\"kind\":\"definition\",\"object\":\"upg.v\",\"hash\":\"abc\"},"
                    + "{\"kind\":\"dataset\",\"object\":\"2024-01-02\",\"hash\":\"123\",\"rows\":10}]')",
            "SELECT audit.accept_baseline(1, 'reviewed')",
            "SELECT audit._record_certification('upg.v', 1, now(), 'test', "
                    + "'[{\"check\":\"structural\",\"object\":\"upg.m\",\"passed\":true}]')",
            "SELECT audit._publish_certification(1)",
            "SELECT audit.create_guarded_view('upg.v', 'upg.v_guarded', interval '1 hour')",
            "SELECT audit.agent_heartbeat('agent-1', 'host', 1, '0.1.0')",
            "SELECT audit.request_run('upg.v', 'atomic', 'nightly')",
            "SELECT count(*) FROM audit.claim_request('agent-1')",
            "SELECT audit.complete_request(1, 'done', 1, 'certified', true)",
            "SELECT audit.request_run('upg.v', 'incremental', 'intraday')",
            "SELECT audit.set_breaker_policy('upg.m', 5, interval '10 minutes')",
            "SELECT audit.breaker_record('upg.m', false, 'boom', 'upg.v')");

    @Test
    void alterExtensionUpdateGivesTheCatalogOfAFreshInstallAndKeepsEveryRow(LocalCluster cluster) throws SQLException {
        String fresh = emptyDatabase(cluster, "upg_fresh");
        String upgraded = emptyDatabase(cluster, "upg_from_0_1_0");
        TreeSet<String> freshCatalog = new TreeSet<>();
        String[] currentVersion = new String[1];
        cluster.withCheckoutExtension(() -> {
            try (Connection c = cluster.connect(fresh); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION mvcert");
                currentVersion[0] = single(s, "SELECT extversion FROM pg_extension WHERE extname = 'mvcert'");
                freshCatalog.addAll(AuditCatalog.describe(c));
            }
            try (Connection c = cluster.connect(upgraded); Statement s = c.createStatement()) {
                s.execute("CREATE EXTENSION mvcert VERSION '" + FIRST_VERSION + "'");
                for (String sql : HISTORY_0_1_0) {
                    s.execute(sql);
                }
            }
        });
        assertTrue(!FIRST_VERSION.equals(currentVersion[0]), "the current version is newer than " + FIRST_VERSION);

        Map<String, List<String>> oldColumns;
        try (Connection c = cluster.connect(upgraded)) {
            oldColumns = AuditCatalog.tableColumns(c);
        }
        // an untouched copy of the 0.1.0 database, to compare rows with after the update
        String upgradedBefore = "upg_from_0_1_0_copy";
        try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + upgradedBefore + " TEMPLATE " + upgraded);
        }
        cluster.withCheckoutExtension(() -> {
            try (Connection c = cluster.connect(upgraded); Statement s = c.createStatement()) {
                s.execute("ALTER EXTENSION mvcert UPDATE");
                assertEquals(currentVersion[0], single(s, "SELECT extversion FROM pg_extension WHERE extname = 'mvcert'"));
            }
        });
        try (Connection c = cluster.connect(upgraded); Statement s = c.createStatement()) {
            TreeSet<String> upgradedCatalog = AuditCatalog.describe(c);
            assertEquals("", AuditCatalog.difference(freshCatalog, upgradedCatalog),
                    "ALTER EXTENSION mvcert UPDATE from " + FIRST_VERSION + " must give the catalog of a fresh install");

            // every row of every table is kept; the values the upgrade translates are compared below
            Map<String, List<String>> kept = new LinkedHashMap<>();
            Map<String, List<String>> nowColumns = AuditCatalog.tableColumns(c);
            oldColumns.forEach((table, cols) -> {
                if (nowColumns.containsKey(table)) {
                    kept.put(table, cols.stream().filter(nowColumns.get(table)::contains)
                            .filter(col -> !TRANSLATED.getOrDefault(table, List.of()).contains(col)).toList());
                }
            });
            assertEquals(List.copyOf(oldColumns.keySet()), List.copyOf(kept.keySet()),
                    "no table of " + FIRST_VERSION + " lost");
            Map<String, String> beforeKept;
            try (Connection old = cluster.connect(upgradedBefore)) {
                beforeKept = AuditCatalog.rowDigests(old, kept);
            }
            assertEquals(beforeKept, AuditCatalog.rowDigests(c, kept), "rows of every table kept by the upgrade");
            // the outcome vocabulary: a run that succeeded and certified is 'certified'; its request points one way
            assertEquals("certified 1", single(s, "SELECT status || ' ' || request_id FROM audit.run WHERE run_id = 1"));
            assertEquals("certified", single(s, "SELECT status FROM audit.run_request WHERE request_id = 1"),
                    "a finished request's status is its run's");
            assertTrue(Integer.parseInt(single(s, "SELECT count(*) FROM audit.run")) >= 1, "run history kept");
            assertEquals("CERTIFIED", single(s, "SELECT status FROM audit.registry WHERE target = 'upg.v'"));
            assertEquals("t", single(s, "SELECT audit.require_certified('upg.v', interval '1 hour')"),
                    "the certification made under " + FIRST_VERSION + " still opens the gate after the upgrade");
            assertEquals("30", single(s, "SELECT count(*) FROM upg.v_guarded"),
                    "a guarded view created under " + FIRST_VERSION + " reads through the updated gate");
            assertEquals("t", single(s, "SELECT target_oid = 'upg.v'::regclass::oid FROM audit.registry WHERE target = 'upg.v'"),
                    "registry rows learn their target's oid");
            assertEquals("t", single(s, "SELECT audit.require_certified_strict('upg.v', interval '1 hour')"),
                    "the strict gate passes on what " + FIRST_VERSION + " certified while nothing changed");
            assertEquals("2", single(s, "SELECT count(*) FROM audit.baseline_change"), "baseline history kept (one change per item)");
            assertEquals("queued", single(s, "SELECT status FROM audit.run_request WHERE reason = 'intraday'"));
        }
    }

    @Test
    void flatUpdateScriptGivesTheCatalogOfTheFlatInstall(LocalCluster cluster) throws SQLException {
        String fresh = emptyDatabase(cluster, "upg_flat_fresh");
        String upgraded = emptyDatabase(cluster, "upg_flat_from_0_1_0");
        Path sql = cluster.projectRoot().resolve("sql");
        String version;
        try (Connection c = cluster.connect("mvcert_template"); Statement s = c.createStatement()) {
            version = single(s, "SELECT extversion FROM pg_extension WHERE extname = 'mvcert'");
        }
        psql(cluster, fresh, sql.resolve("build/mvcert_flat.sql"));
        psql(cluster, upgraded, sql.resolve("build/mvcert_flat--" + FIRST_VERSION + ".sql"));
        try (Connection c = cluster.connect(upgraded); Statement s = c.createStatement()) {
            for (String statement : HISTORY_0_1_0) {
                s.execute(statement);
            }
        }
        psql(cluster, upgraded, sql.resolve("build/mvcert_flat_update--" + FIRST_VERSION + "--" + version + ".sql"));
        try (Connection f = cluster.connect(fresh); Connection u = cluster.connect(upgraded); Statement s = u.createStatement()) {
            assertEquals("", AuditCatalog.difference(AuditCatalog.describe(f), AuditCatalog.describe(u)),
                    "the flat update script must give the catalog of the flat install");
            assertEquals("t", single(s, "SELECT audit.require_certified('upg.v', interval '1 hour')"));
        }
    }

    private static void psql(LocalCluster cluster, String database, Path script) {
        cluster.serverCommand(Duration.ofMinutes(2), cluster.bindir().resolve("psql").toString(),
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", cluster.socketDir().toString(), "-p", String.valueOf(cluster.port()),
                "-U", cluster.superuser(), "-d", database, "-f", script.toString());
    }

    private static String emptyDatabase(LocalCluster cluster, String name) throws SQLException {
        try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
