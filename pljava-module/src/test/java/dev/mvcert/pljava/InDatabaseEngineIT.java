package dev.mvcert.pljava;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.certify.StorePipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine deployed in-database under PL/Java gives the same answers as the engine over
 * JDBC (the agent's path), through the functions the deployment descriptor creates; skipped
 * where the test cluster has no PL/Java.
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InDatabaseEngineIT {

    private final TestDatabase db;

    private boolean pljavaAvailable;

    InDatabaseEngineIT(TestDatabase db) {
        this.db = db;
    }

    /** Each test is reported as skipped, with the reason, where the server has no PL/Java. */
    @BeforeEach
    void requirePljava() {
        PljavaDeployment.assumePljavaAvailable(pljavaAvailable);
    }

    @BeforeAll
    void deployTheEngineJar() throws SQLException {
        pljavaAvailable = PljavaDeployment.pljavaAvailable(db.cluster());
        if (!pljavaAvailable) {
            return;
        }
        assertEquals("agent", db.queryValue(String.class, "SELECT audit.execution_path()"));
        long started = System.nanoTime();
        PljavaDeployment.deploy(db);
        System.out.printf("install/pljava.sh (CREATE EXTENSION pljava + install_jar): %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void deploymentCreatesTheJavaFunctionsAndSwitchesTheExecutionPath() {
        assertEquals(List.of("audit._run_in_database(regclass,text,boolean)", "audit.capture_baselines(regclass,text)",
                "audit.certify(regclass)", "audit.refresh_and_certify_atomic(regclass)"), PljavaDeployment.javaFunctionsInAudit(db));
        assertEquals("pljava", db.queryValue(String.class, "SELECT audit.execution_path()"));
        assertEquals("mvcert", db.queryValue(String.class, "SELECT sqlj.get_classpath('audit')"));
    }

    @Test
    void firstCallInASessionStartsTheJvmLaterCallsDoNot() throws SQLException {
        StorePipeline.createCertifiable(db);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            long t0 = System.nanoTime();
            s.execute("SELECT audit.certify('ml.store_v')");
            long first = System.nanoTime() - t0;
            t0 = System.nanoTime();
            s.execute("SELECT audit.certify('ml.store_v')");
            long second = System.nanoTime() - t0;
            System.out.printf("audit.certify in a new session: first call %d ms (JVM start), second %d ms%n",
                    first / 1_000_000, second / 1_000_000);
            assertTrue(second < first, "second call " + second / 1_000_000 + " ms, first " + first / 1_000_000 + " ms");
        }
    }

    @Test
    void certifyGivesTheSameRegistryAndResultsAsTheJdbcEngineInEveryScenario() throws SQLException {
        StorePipeline.createCertifiable(db);
        Map<String, String[]> scenarios = new LinkedHashMap<>();
        scenarios.put("clean", new String[] {"SELECT 1", "SELECT 1"});
        scenarios.put("forbidden dependency", new String[] {
                StorePipeline.FEATURES_V.replace("WHERE", "WHERE NOT EXISTS (SELECT FROM legacy.labels_mv l "
                        + "WHERE l.listing_id = b.listing_id AND l.sold) AND"),
                "DROP VIEW ml.store_v; DROP VIEW ml.features_v;" + StorePipeline.FEATURES_V + ";" + StorePipeline.STORE_V});
        scenarios.put("time-of-query token in a view", new String[] {
                StorePipeline.FEATURES_V.replace("ml.as_of_day()", "ml.as_of_day() AND b.anchor_day < CURRENT_DATE + 1"),
                StorePipeline.FEATURES_V});
        scenarios.put("time-of-query token in a called function", new String[] {
                StorePipeline.CUTOFF.replace("RETURN date '2100-01-01';", "RETURN 'today'::date + 36500;"),
                StorePipeline.CUTOFF});
        scenarios.put("gated-column leakage", new String[] {
                StorePipeline.STORE_V.replace("CASE WHEN f.img_within_sla THEN f.img_raw END", "f.img_raw"),
                StorePipeline.STORE_V});
        scenarios.put("dataset hash drift", new String[] {"""
                UPDATE src.listing SET price = price + 1 WHERE listing_id = 5;
                REFRESH MATERIALIZED VIEW ml.base_mv""", """
                UPDATE src.listing SET price = price - 1 WHERE listing_id = 5;
                REFRESH MATERIALIZED VIEW ml.base_mv"""});
        scenarios.put("definition drift", new String[] {
                StorePipeline.FEATURES_V.replace("WHERE", "WHERE b.price > -1 AND"), StorePipeline.FEATURES_V});
        int failed = 0;
        for (Map.Entry<String, String[]> scenario : scenarios.entrySet()) {
            db.execute(scenario.getValue()[0]);
            CertificationResult overJdbc = StorePipeline.certify(db);
            List<String> jdbcOutcome = outcome(overJdbc.certificationId());
            String status = db.queryValue(String.class, "SELECT audit.certify('ml.store_v')");
            long inDatabaseId = db.queryValue(Long.class, "SELECT max(certification_id) FROM audit.certification");
            assertTrue(inDatabaseId > overJdbc.certificationId(), scenario.getKey());
            assertEquals(overJdbc.status().name(), status, scenario.getKey());
            assertEquals(jdbcOutcome, outcome(inDatabaseId), scenario.getKey());
            assertEquals(scenario.getKey().equals("clean"), overJdbc.certified(), scenario.getKey() + ": " + overJdbc.failureSummary());
            failed += overJdbc.certified() ? 0 : 1;
            db.execute(scenario.getValue()[1]);
        }
        assertEquals(scenarios.size() - 1, failed);
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT audit.certify('ml.store_v')"));
    }

    /** A change to the pipeline, its undoing, and whether the target certifies with it. */
    private record Scenario(String change, String undo, boolean certifies) {}

    @Test
    void timeOfQueryClassesAreDecidedTheSameInDatabase() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("""
                CREATE FUNCTION ml.days_ago(p_day date, asof date DEFAULT current_date) RETURNS integer
                  LANGUAGE sql IMMUTABLE AS 'SELECT asof - p_day';
                CREATE FUNCTION ml.cutoff(p_label text) RETURNS date LANGUAGE sql STABLE AS 'SELECT now()::date';
                """);
        String dynamicCutoff = StorePipeline.CUTOFF.replace("RETURN date '2100", "EXECUTE 'SELECT 1'; RETURN date '2100");
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("built-in reading the clock in its body", new Scenario(StorePipeline.FEATURES_V.replace("ml.as_of_day()",
                "ml.as_of_day() AND age(b.anchor_day::timestamp) IS NOT NULL"), StorePipeline.FEATURES_V, false));
        scenarios.put("default of a called function", new Scenario(StorePipeline.FEATURES_V.replace("ml.as_of_day()",
                "ml.as_of_day() AND ml.days_ago(b.anchor_day) IS NOT NULL"), StorePipeline.FEATURES_V, false));
        scenarios.put("'tomorrow' assigned to a date variable", new Scenario(StorePipeline.CUTOFF.replace("BEGIN",
                "DECLARE v_day date; BEGIN v_day := 'tomorrow';"), StorePipeline.CUTOFF, false));
        scenarios.put("dynamic SQL", new Scenario(dynamicCutoff, StorePipeline.CUTOFF, false));
        scenarios.put("dynamic SQL exempted after review", new Scenario(dynamicCutoff
                + "; SELECT audit.exempt_function('ml.cutoff()', 'reviewed: a constant query')",
                StorePipeline.CUTOFF + "; SELECT audit.revoke_exemption('ml.cutoff()')", true));
        scenarios.put("an overload reading the clock that is never called", new Scenario("SELECT 1", "SELECT 1", true));
        for (Map.Entry<String, Scenario> scenario : scenarios.entrySet()) {
            db.execute(scenario.getValue().change());
            CertificationResult overJdbc = StorePipeline.certify(db);
            List<String> jdbcOutcome = outcome(overJdbc.certificationId());
            String status = db.queryValue(String.class, "SELECT audit.certify('ml.store_v')");
            long inDatabaseId = db.queryValue(Long.class, "SELECT max(certification_id) FROM audit.certification");
            assertEquals(overJdbc.status().name(), status, scenario.getKey());
            assertEquals(jdbcOutcome, outcome(inDatabaseId), scenario.getKey());
            assertEquals(scenario.getValue().certifies(), overJdbc.certified(), scenario.getKey() + ": " + overJdbc.failureSummary());
            assertTrue(overJdbc.certified() || overJdbc.failures().stream().anyMatch(f -> f.check().equals("time_of_query_token")),
                    scenario.getKey() + ": " + overJdbc.failureSummary());
            db.execute(scenario.getValue().undo());
        }
        db.execute("DROP FUNCTION ml.days_ago(date, date); DROP FUNCTION ml.cutoff(text)");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT audit.certify('ml.store_v')"));
    }

    @Test
    void captureBaselinesRecordsACaptureThatOnlyAcceptChangesTheBaseline() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute(StorePipeline.FEATURES_V.replace("WHERE", "WHERE b.price > -1 AND"));
        assertEquals("FAILED", db.queryValue(String.class, "SELECT audit.certify('ml.store_v')"));
        long capture = db.queryValue(Long.class, "SELECT audit.capture_baselines('ml.store_v', 'reviewed price filter')");
        assertEquals("reviewed price filter", db.queryValue(String.class,
                "SELECT note FROM audit.baseline_capture WHERE capture_id = ?", capture));
        assertEquals("FAILED", db.queryValue(String.class, "SELECT audit.certify('ml.store_v')"));
        db.execute("SELECT audit.accept_baseline(" + capture + ", 'reviewed')");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT audit.certify('ml.store_v')"));
    }

    @Test
    void runCertificationRunsInTheSessionWithoutAnAgentAndKeepsAFailedStatusWhenItRaises() throws SQLException {
        StorePipeline.createCertifiable(db);
        assertEquals(0, db.queryValue(Integer.class, "SELECT audit._live_agent_count()"));
        db.execute("CALL audit.run_certification('ml.store_v')");
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));

        db.execute(StorePipeline.FEATURES_V.replace("ml.as_of_day()", "ml.as_of_day() AND now() IS NOT NULL"));
        SQLException raised = assertThrows(SQLException.class, () -> {
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CALL audit.run_certification('ml.store_v')");
            }
        });
        assertTrue(raised.getMessage().contains("did not end certified") && raised.getMessage().contains("time_of_query_token"),
                raised.getMessage());
        assertEquals("FAILED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));
        assertEquals(0, db.queryValue(Integer.class, "SELECT count(*)::int FROM audit.run_request"));
        db.execute(StorePipeline.FEATURES_V);
    }

    @Test
    void atomicRunPublishesTheRefreshWhenTheTargetCertifies() throws SQLException {
        StorePipeline.createCertifiable(db);
        // day 2024-03-04 is not a hash day: the change certifies
        db.execute("UPDATE src.listing SET price = price + 1000 WHERE anchor_day = date '2024-03-04'");
        String outcome = db.queryValue(String.class, "SELECT audit.refresh_and_certify_atomic('ml.store_v')");
        assertTrue(outcome.startsWith("CERTIFIED: ml.store_v (atomic run "), outcome);
        assertEquals(1, db.queryValue(Integer.class, "SELECT count(*)::int FROM ml.base_mv WHERE price >= 1000"
                + " AND anchor_day = date '2024-03-04'") > 0 ? 1 : 0);
        assertEquals(List.of("atomic certified ml.base_mv succeeded concurrently"), db.queryColumn("""
                SELECT concat_ws(' ', r.mode, r.status, s.matview, s.status, s.mode_used) FROM audit.run r JOIN audit.step s USING (run_id)
                 WHERE r.run_id = (SELECT max(run_id) FROM audit.run) ORDER BY s.step_id"""));
        assertEquals("CERTIFIED", db.queryValue(String.class, """
                SELECT status FROM audit.registry WHERE target = 'ml.store_v'
                   AND last_run_id = (SELECT max(run_id) FROM audit.run)"""));
    }

    @Test
    void atomicRunThatFailsCertificationPublishesNothingAndTheProcedureKeepsARecord() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("SELECT audit.certify('ml.store_v')");
        long pricesBefore = db.queryValue(Long.class, "SELECT sum(price)::bigint FROM ml.base_mv");
        // day 2024-03-02 is a hash day: the refreshed data no longer matches the baseline
        db.execute("UPDATE src.listing SET price = price + 1 WHERE listing_id = 5");

        IllegalStateException raised = assertThrows(IllegalStateException.class,
                () -> db.queryValue(String.class, "SELECT audit.refresh_and_certify_atomic('ml.store_v')"));
        assertTrue(raised.getMessage().contains("did not certify, nothing is published") && raised.getMessage().contains("dataset_hash"),
                raised.getMessage());
        assertEquals(pricesBefore, db.queryValue(Long.class, "SELECT sum(price)::bigint FROM ml.base_mv"));

        SQLException called = assertThrows(SQLException.class, () -> {
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CALL audit.refresh_and_certify('ml.store_v', true, 'atomic')");
            }
        });
        assertTrue(called.getMessage().contains("did not end certified"), called.getMessage());
        assertEquals(pricesBefore, db.queryValue(Long.class, "SELECT sum(price)::bigint FROM ml.base_mv"));
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));
        String reason = db.queryValue(String.class, """
                SELECT status || ': ' || reason FROM audit.run WHERE run_id = (SELECT max(run_id) FROM audit.run)""");
        assertTrue(reason.startsWith("not_certified: certification ") && reason.contains("dataset_hash"), reason);
        assertTrue(reason.contains("rolled back with its steps and certification"), reason);
        db.execute("UPDATE src.listing SET price = price - 1 WHERE listing_id = 5");
    }

    @Test
    void incrementalCallRefreshesAndCertifiesInTheSessionWithoutAnAgent() throws SQLException {
        StorePipeline.createCertifiable(db);
        db.execute("UPDATE src.listing SET price = price + 1000 WHERE anchor_day = date '2024-03-04'");
        db.execute("CALL audit.refresh_and_certify('ml.store_v')");
        assertTrue(db.queryValue(Long.class, "SELECT count(*) FROM ml.base_mv WHERE price >= 1000") > 0);
        assertEquals("incremental certified pljava", db.queryValue(String.class, """
                SELECT mode || ' ' || status || ' ' || executor FROM audit.run WHERE run_id = (SELECT max(run_id) FROM audit.run)"""));
        assertEquals("CERTIFIED", db.queryValue(String.class, """
                SELECT status FROM audit.registry WHERE target = 'ml.store_v'
                   AND last_run_id = (SELECT max(run_id) FROM audit.run)"""));
        assertEquals(0, db.queryValue(Integer.class, "SELECT count(*)::int FROM audit.run_request"));
    }

    @Test
    void undeployDropsEveryJavaFunctionAndRedeployingRestoresThem() {
        db.execute("SELECT sqlj.remove_jar('mvcert', true)");
        assertEquals(List.of(), PljavaDeployment.javaFunctionsInAudit(db));
        assertEquals("agent", db.queryValue(String.class, "SELECT audit.execution_path()"));
        PljavaDeployment.ScriptResult installed = PljavaDeployment.runInstallScript(db);
        assertEquals(0, installed.exitCode(), installed.output());
        assertTrue(installed.output().contains("(install_jar)"), installed.output());
        PljavaDeployment.ScriptResult replaced = PljavaDeployment.runInstallScript(db);
        assertEquals(0, replaced.exitCode(), replaced.output());
        assertTrue(replaced.output().contains("(replace_jar)"), replaced.output());
        assertEquals(4, PljavaDeployment.javaFunctionsInAudit(db).size());
        assertEquals("pljava", db.queryValue(String.class, "SELECT audit.execution_path()"));
    }

    /** What a certification left for users: the registry row (less times and ids) and every check result. */
    private List<String> outcome(long certificationId) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("""
                    SELECT concat_ws(' | ', status, failing_checks::text, failure_detail, closure_hash, dataset_hash)
                      FROM audit.registry WHERE target = 'ml.store_v'""")) {
                while (rs.next()) {
                    rows.add("registry: " + rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT concat_ws(' | ', object, kind, definition_hash) FROM audit.certified_object
                     WHERE target = 'ml.store_v' ORDER BY object""")) {
                while (rs.next()) {
                    rows.add("certified object: " + rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT concat_ws(' | ', ordinal, check_name, object, passed, detail) "
                    + "FROM audit.check_result WHERE certification_id = " + certificationId + " ORDER BY ordinal")) {
                while (rs.next()) {
                    rows.add("check: " + rs.getString(1));
                }
            }
        }
        assertFalse(rows.isEmpty());
        return rows;
    }
}
