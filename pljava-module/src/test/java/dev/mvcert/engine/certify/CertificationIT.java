package dev.mvcert.engine.certify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mvcert.testing.PostgresExtension;
import dev.mvcert.testing.TestDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One test per failure class of runbook 001 section 3.1: it fails with an actionable message, and passes after the fix. */
@ExtendWith(PostgresExtension.class)
class CertificationIT {

    private final TestDatabase db;

    CertificationIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void certifiablePipeline() throws SQLException {
        StorePipeline.createCertifiable(db);
    }

    @Test
    void cleanPipelineIsCertifiedWithoutFalseTimeTokenAlarms() throws SQLException {
        CertificationResult result = StorePipeline.certify(db);
        assertTrue(result.certified(), result.failureSummary());
        // the decoys were scanned: 'now()' string and now_price in the views, now() in a comment of ml.cutoff()
        List<String> scanned = objects(result, "time_of_query_token");
        assertTrue(scanned.containsAll(List.of("ml.store_v", "ml.features_v", "ml.as_of_day()", "ml.cutoff()")), scanned.toString());
        assertEquals("CERTIFIED", db.queryValue(String.class, "SELECT status FROM audit.registry WHERE target = 'ml.store_v'"));
        assertEquals(result.results().size(), db.queryValue(Integer.class,
                "SELECT count(*)::int FROM audit.check_result WHERE certification_id = ?", result.certificationId()));
    }

    @Test
    void forbiddenDependencyFailsNamingThePathAndPassesOnceRemoved() throws SQLException {
        db.execute(StorePipeline.FEATURES_V.replace("WHERE", "WHERE NOT EXISTS (SELECT FROM legacy.labels_mv l "
                + "WHERE l.listing_id = b.listing_id AND l.sold) AND"));
        CertificationResult failed = StorePipeline.certify(db);
        assertFalse(failed.certified());
        CheckResult forbidden = failure(failed, "forbidden_dependency", "legacy.labels_mv");
        assertTrue(forbidden.detail().contains("ml.store_v -> ml.features_v -> legacy.labels_mv"), forbidden.detail());
        assertTrue(forbidden.detail().contains("labels leak the outcome"), forbidden.detail());
        db.execute("DROP VIEW ml.store_v; DROP VIEW ml.features_v;" + StorePipeline.FEATURES_V + ";" + StorePipeline.STORE_V);
        assertCertified();
    }

    @Test
    void timeOfQueryTokenInAViewFailsAndPassesOnceAnchored() throws SQLException {
        db.execute(StorePipeline.FEATURES_V.replace("ml.as_of_day()", "ml.as_of_day() AND b.anchor_day < CURRENT_DATE + 1 AND now() IS NOT NULL"));
        CheckResult token = failure(StorePipeline.certify(db), "time_of_query_token", "ml.features_v");
        assertTrue(token.detail().contains("now()") && token.detail().contains("CURRENT_DATE"), token.detail());
        assertTrue(token.detail().contains("ml.store_v -> ml.features_v"), token.detail());
        db.execute(StorePipeline.FEATURES_V);
        assertCertified();
    }

    @Test
    void timeOfQueryTokenInAFunctionCalledByAFunctionIsFound() throws SQLException {
        db.execute(StorePipeline.CUTOFF.replace("RETURN date '2100-01-01';", "RETURN 'today'::date + 36500;"));
        CheckResult token = failure(StorePipeline.certify(db), "time_of_query_token", "ml.cutoff()");
        assertTrue(token.detail().contains("'today' as a date/time value"), token.detail());
        assertTrue(token.detail().contains("called by ml.as_of_day()"), token.detail());
        db.execute(StorePipeline.CUTOFF);
        assertCertified();
    }

    @Test
    void gatedColumnLeakageFailsNamingColumnsAndPassesOnceGated() throws SQLException {
        db.execute(StorePipeline.STORE_V.replace("CASE WHEN f.img_within_sla THEN f.img_raw END", "f.img_raw"));
        CheckResult leak = failure(StorePipeline.certify(db), "gated_column_leakage", null);
        assertTrue(leak.detail().contains("img__score"), leak.detail());
        assertFalse(leak.detail().contains("img__double"), leak.detail());
        db.execute(StorePipeline.STORE_V);
        assertCertified();
    }

    @Test
    void likeWildcardPitfallIsAvoided() throws SQLException {
        // LIKE 'img__%' takes the gate itself and imgXY_count for gated columns, populated where the gate is false ...
        assertEquals(List.of("img_within_sla", "img__score", "img__double", "imgXY_count"), db.queryColumn("""
                SELECT attname FROM pg_attribute WHERE attrelid = 'ml.store_v'::regclass AND attname LIKE 'img__%' ORDER BY attnum"""));
        assertTrue(db.queryValue(Long.class, "SELECT count(*) FROM ml.store_v WHERE NOT img_within_sla AND \"imgXY_count\" IS NOT NULL") > 0);
        // ... the regex rule does not, so the pipeline certifies
        CertificationResult result = StorePipeline.certify(db);
        assertTrue(result.certified(), result.failureSummary());
        assertTrue(result.results().stream().anyMatch(r -> r.check().equals("gated_column_leakage")
                && r.detail().startsWith("2 gated columns")), result.results().toString());
    }

    @Test
    void datasetHashDriftListsTheDaysAndPassesOnceRestored() throws SQLException {
        db.execute("""
                UPDATE src.listing SET price = price + 1 WHERE listing_id = 5;
                INSERT INTO src.listing VALUES (1000, date '2024-03-03', 1, 1, true, 1, 1);
                REFRESH MATERIALIZED VIEW ml.base_mv""");
        CertificationResult failed = StorePipeline.certify(db);
        CheckResult day2 = failure(failed, "dataset_hash", "ml.store_v day 2024-03-02");
        assertTrue(day2.detail().contains("rows 100 -> 100, row hash differs"), day2.detail());
        CheckResult day3 = failure(failed, "dataset_hash", "ml.store_v day 2024-03-03");
        assertTrue(day3.detail().contains("rows 100 -> 101"), day3.detail());
        assertEquals(2, failed.failures().size(), failed.failureSummary());
        db.execute("""
                UPDATE src.listing SET price = price - 1 WHERE listing_id = 5;
                DELETE FROM src.listing WHERE listing_id = 1000;
                REFRESH MATERIALIZED VIEW ml.base_mv""");
        assertCertified();
    }

    @Test
    void definitionDriftNamesTheChangedObjectAndPassesOnceReverted() throws SQLException {
        db.execute(StorePipeline.FEATURES_V.replace("WHERE", "WHERE b.price > -1 AND"));
        CertificationResult failed = StorePipeline.certify(db);
        CheckResult drift = failure(failed, "definition_drift", "ml.features_v");
        assertTrue(drift.detail().contains("definition changed since baseline capture"), drift.detail());
        assertEquals(List.of("definition_drift"), failed.failures().stream().map(CheckResult::check).distinct().toList());
        db.execute(StorePipeline.FEATURES_V);
        assertCertified();
    }

    @Test
    void sqlAssertionShowsTheFirstRowsAndPassesOnceFixed() throws SQLException {
        db.execute("""
                SELECT audit.add_sql_assertion('ml.store_v', 'no_negative_price',
                       'SELECT listing_id, price FROM ml.store_v WHERE price < 0 ORDER BY listing_id');
                UPDATE src.listing SET price = -price WHERE anchor_day = date '2024-03-04' AND listing_id IN (3, 7);
                REFRESH MATERIALIZED VIEW ml.base_mv""");
        CheckResult assertion = failure(StorePipeline.certify(db), "sql_assertion", "no_negative_price");
        assertTrue(assertion.detail().contains("{\"listing_id\":3,\"price\":-103}"), assertion.detail());
        db.execute("UPDATE src.listing SET price = -price WHERE price < 0; REFRESH MATERIALIZED VIEW ml.base_mv");
        assertCertified();
    }

    @Test
    void unpopulatedViewAndInvalidUniqueIndexFailAndPassOnceRepaired() throws SQLException {
        db.execute("REFRESH MATERIALIZED VIEW ml.base_mv WITH NO DATA");
        CheckResult populated = failure(StorePipeline.certify(db), "populated", "ml.base_mv");
        assertTrue(populated.detail().contains("REFRESH MATERIALIZED VIEW ml.base_mv"), populated.detail());
        db.execute("REFRESH MATERIALIZED VIEW ml.base_mv");
        assertCertified();

        // what a failed CREATE UNIQUE INDEX CONCURRENTLY leaves behind
        db.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ml.base_mv_listing_id'::regclass");
        CheckResult index = failure(StorePipeline.certify(db), "unique_index_valid", "ml.base_mv");
        assertTrue(index.detail().contains("ml.base_mv_listing_id") && index.detail().contains("REINDEX"), index.detail());
        db.execute("REINDEX INDEX ml.base_mv_listing_id");
        assertCertified();
    }

    @Test
    void certificationWithoutAcceptedBaselineFailsClosed() throws SQLException {
        StorePipeline.create(db);
        CertificationResult result = StorePipeline.certify(db);
        CheckResult drift = failure(result, "definition_drift", "ml.store_v");
        assertTrue(drift.detail().contains("no accepted definition baseline"), drift.detail());
    }

    private void assertCertified() throws SQLException {
        CertificationResult result = StorePipeline.certify(db);
        assertTrue(result.certified(), result.failureSummary());
    }

    private static List<String> objects(CertificationResult result, String check) {
        return result.results().stream().filter(r -> r.check().equals(check)).map(CheckResult::object).collect(Collectors.toList());
    }

    private static CheckResult failure(CertificationResult result, String check, String object) {
        assertFalse(result.certified());
        return result.failures().stream()
                .filter(r -> r.check().equals(check) && (object == null || r.object().equals(object)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure of " + check + " " + object + " in:\n" + result.failureSummary()));
    }
}
