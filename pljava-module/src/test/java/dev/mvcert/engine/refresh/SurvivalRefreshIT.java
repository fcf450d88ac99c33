package dev.mvcert.engine.refresh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.engine.run.RunMode;
import dev.mvcert.engine.run.RunRequest;
import dev.mvcert.engine.run.RunResult;
import dev.mvcert.testing.CommitPerStep;
import dev.mvcert.local.ExamplePipeline;
import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class SurvivalRefreshIT {

    private static final List<String> T0_VIEWS = List.of(
            "ml.tom_speed_anchor_asof_v1_mv", "ml.tom_features_v1_enriched_speed_t0_v1_mv",
            "ml.tom_features_v1_enriched_ai_clean_t0_v1_mv", "ml.iphone_image_features_unified_t0_v1_mv",
            "ml.v_damage_fusion_features_v2_scored_t0_v1_mv", "ml.iphone_device_meta_encoded_t0_v1_mv");

    @Test
    void aRunOfTheFeatureStoreRefreshesAllSixT0ViewsAndHistoryShowsEveryStep(TestDatabase db) throws Exception {
        db.loadExample(ExamplePipeline.SURVIVAL, 300);
        try (Connection work = db.connect(); Connection history = db.connect()) {
            work.setAutoCommit(false);
            RunResult run = Mvcert.runs(new CommitPerStep(work, history))
                    .run(RunRequest.of("ml.survival_feature_store_t0_v1_v").withMode(RunMode.INCREMENTAL));
            assertTrue(run.steps().stream().noneMatch(StepResult::failed), run.reason());
            assertEquals(T0_VIEWS.stream().sorted().toList(),
                    run.steps().stream().map(StepResult::matview).sorted().toList());
            run.steps().forEach(r -> assertTrue(r.succeeded() && r.rowsAfter() != null && r.rowsAfter() > 0, r.toString()));
        }
        assertEquals(6L, db.queryValue(Long.class, """
                SELECT count(*) FROM audit.step s JOIN audit.run r USING (run_id)
                 WHERE r.target = 'ml.survival_feature_store_t0_v1_v' AND s.status = 'succeeded'
                   AND s.rows_after > 0 AND s.query_id IS NOT NULL AND s.finished_at IS NOT NULL"""));
        for (String view : T0_VIEWS) {
            assertTrue(db.queryValue(Boolean.class, "SELECT relispopulated FROM pg_class WHERE oid = ?::regclass", view), view);
        }
    }
}
