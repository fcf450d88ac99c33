package dev.mvcert.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.local.ExamplePipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The refresh plans of the runbooks' own pipelines, checked against what the catalog says each
 * materialized view reads (computed here independently of audit.closure/refresh_plan).
 */
@ExtendWith(PostgresExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplePipelinePlanIT {

    /** Materialized view -> materialized views it reads, directly or through plain views. */
    private static final String READS = """
            WITH RECURSIVE edges AS (
                SELECT DISTINCT r.ev_class AS dependent, d.refobjid AS dep
                  FROM pg_rewrite r
                  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class),
            reach (mv, dep) AS (
                SELECT e.dependent, e.dep FROM edges e JOIN pg_class c ON c.oid = e.dependent AND c.relkind = 'm'
                UNION
                SELECT reach.mv, e.dep FROM reach
                  JOIN pg_class c ON c.oid = reach.dep AND c.relkind = 'v'
                  JOIN edges e ON e.dependent = reach.dep)
            SELECT format('%I.%I', mn.nspname, m.relname), format('%I.%I', dn.nspname, d.relname)
              FROM reach
              JOIN pg_class m ON m.oid = reach.mv JOIN pg_namespace mn ON mn.oid = m.relnamespace
              JOIN pg_class d ON d.oid = reach.dep AND d.relkind = 'm' JOIN pg_namespace dn ON dn.oid = d.relnamespace
            """;

    private TestDatabase db;

    @BeforeAll
    void loadBothExamples(TestDatabase db) {
        this.db = db;
        db.loadExample(ExamplePipeline.SURVIVAL, 500);
        db.loadExample(ExamplePipeline.RUNBOOK07, 500);
    }

    @Test
    void legacyPlanRefreshesEveryViewAfterEverythingItReads() throws SQLException {
        Map<String, Integer> step = steps("ml.tom_train_legacy_v");
        // the entry view reads fifteen of the sixteen views of runbook 001 section 4; the
        // sixteenth, the training base, is a target of its own
        assertEquals(15, step.size(), step.keySet().toString());
        assertTrue(!step.containsKey("ml.tom_train_base_v1_mv"));
        Map<String, Integer> trainBase = steps("ml.tom_train_base_v1_mv");
        assertTrue(trainBase.get("ml.tom_features_v1_mv") < trainBase.get("ml.tom_train_base_v1_mv"));
        assertTrue(trainBase.get("ml.tom_labels_v1_mv") < trainBase.get("ml.tom_train_base_v1_mv"));
        int checked = 0;
        for (String[] edge : reads()) {
            if (step.containsKey(edge[0])) {
                assertTrue(step.containsKey(edge[1]), edge[0] + " reads " + edge[1] + ", which the plan lacks");
                assertTrue(step.get(edge[1]) < step.get(edge[0]), edge[0] + " must come after " + edge[1]);
                checked++;
            }
        }
        assertTrue(checked >= 20, "the legacy pipeline has many edges, checked " + checked);
    }

    @Test
    void speedAnchorComesAfterSoldDurationsAndTheEnrichedFeatures() throws SQLException {
        Map<String, Integer> step = steps("ml.tom_train_legacy_v");
        Map<String, Integer> level = levels("ml.tom_train_legacy_v");
        String anchor = "ml.tom_speed_anchor_v1_mv";
        for (String input : List.of("ml.sold_durations_v1_mv", "ml.tom_features_v1_enriched_mv")) {
            assertTrue(step.get(input) < step.get(anchor), anchor + " after " + input);
            assertTrue(level.get(input) < level.get(anchor), anchor + " on a later level than " + input);
        }
    }

    @Test
    void t0PlanHoldsTheSixT0ViewsAndNoLegacyOnes() throws SQLException {
        Map<String, Integer> step = steps("ml.survival_feature_store_t0_v1_v");
        assertEquals(List.of("ml.iphone_device_meta_encoded_t0_v1_mv", "ml.iphone_image_features_unified_t0_v1_mv",
                        "ml.tom_features_v1_enriched_ai_clean_t0_v1_mv", "ml.tom_features_v1_enriched_speed_t0_v1_mv",
                        "ml.tom_speed_anchor_asof_v1_mv", "ml.v_damage_fusion_features_v2_scored_t0_v1_mv"),
                step.keySet().stream().sorted().toList());
        for (String[] edge : reads()) {
            if (step.containsKey(edge[0])) {
                assertTrue(step.get(edge[1]) < step.get(edge[0]), edge[0] + " must come after " + edge[1]);
            }
        }
    }

    @Test
    void runbook07ViewsAreIndependentAndConcurrentOncePopulated() throws SQLException {
        assertEquals(List.of("plain:unpopulated", "plain:unpopulated", "plain:unpopulated"),
                db.queryColumn("SELECT reason FROM audit.refresh_plan('public.casework_export_v')"));
        db.execute("""
                REFRESH MATERIALIZED VIEW mv_entity_resolution_review_queue;
                REFRESH MATERIALIZED VIEW mv_probable_unregistered_returners;
                REFRESH MATERIALIZED VIEW mv_missing_required_documents;
                """);
        assertEquals(List.of("0 concurrently", "0 concurrently", "0 concurrently"),
                db.queryColumn("SELECT level || ' ' || reason FROM audit.refresh_plan('public.casework_export_v')"));
        // the runbook's own example commands succeed as planned
        db.execute("""
                REFRESH MATERIALIZED VIEW CONCURRENTLY mv_entity_resolution_review_queue;
                REFRESH MATERIALIZED VIEW CONCURRENTLY mv_probable_unregistered_returners;
                REFRESH MATERIALIZED VIEW CONCURRENTLY mv_missing_required_documents;
                """);
    }

    private List<String[]> reads() throws SQLException {
        List<String[]> edges = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(READS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                edges.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        return edges;
    }

    private Map<String, Integer> steps(String target) throws SQLException {
        return column(target, "step");
    }

    private Map<String, Integer> levels(String target) throws SQLException {
        return column(target, "level");
    }

    private Map<String, Integer> column(String target, String column) throws SQLException {
        Map<String, Integer> values = new HashMap<>();
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT matview, " + column + " FROM audit.refresh_plan(?::regclass)")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        return values;
    }
}
