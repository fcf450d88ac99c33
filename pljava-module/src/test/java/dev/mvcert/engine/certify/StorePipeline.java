package dev.mvcert.engine.certify;

import dev.mvcert.engine.Mvcert;
import dev.mvcert.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A hand-made pipeline small enough to break one way at a time: table src.listing ->
 * materialized view ml.base_mv -> view ml.features_v (calls ml.as_of_day(), which calls
 * ml.cutoff() from PL/pgSQL) -> entry view ml.store_v with CASE-gated img__ columns, a
 * column imgXY_count that LIKE 'img__%' would wrongly take for a gated one, and a decoy
 * string 'now()' and column now_price. Registered, with deny rules, a gate rule, three
 * hash days and an accepted baseline; certifies as CERTIFIED.
 */
public final class StorePipeline {

    public static final String TARGET = "ml.store_v";

    public static final String FEATURES_V = """
            CREATE OR REPLACE VIEW ml.features_v AS
            SELECT b.listing_id, b.anchor_day, b.price, b.now_price, b.img_within_sla, b.img_raw, b.img_count
              FROM ml.base_mv b
             WHERE b.anchor_day <= ml.as_of_day()""";

    public static final String STORE_V = """
            CREATE OR REPLACE VIEW ml.store_v AS
            SELECT f.listing_id, f.anchor_day, f.price, f.now_price, f.img_within_sla,
                   CASE WHEN f.img_within_sla THEN f.img_raw END AS img__score,
                   CASE WHEN f.img_within_sla THEN f.img_raw * 2 END AS img__double,
                   f.img_count AS "imgXY_count",
                   'now()'::text AS note
              FROM ml.features_v f""";

    public static final String CUTOFF = """
            CREATE OR REPLACE FUNCTION ml.cutoff() RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN
              -- not now(): the cut-off is fixed; 'today' would be wrong here
              RETURN date '2100-01-01';
            END $$""";

    private StorePipeline() {}

    public static void create(TestDatabase db) {
        db.execute("""
                DROP SCHEMA IF EXISTS ml, src, legacy CASCADE;
                DELETE FROM audit.target; DELETE FROM audit.certified_object; DELETE FROM audit.registry;
                CREATE SCHEMA src; CREATE SCHEMA ml; CREATE SCHEMA legacy;
                CREATE TABLE src.listing (listing_id int PRIMARY KEY, anchor_day date NOT NULL, price numeric,
                                          now_price numeric, img_within_sla boolean, img_raw numeric, img_count int);
                INSERT INTO src.listing
                SELECT i, date '2024-03-01' + (i % 4), 100 + i, 90 + i, i % 3 <> 0, i * 1.5, i % 7
                  FROM generate_series(1, 400) i;
                CREATE TABLE legacy.labels (listing_id int PRIMARY KEY, sold boolean);
                CREATE MATERIALIZED VIEW legacy.labels_mv AS SELECT * FROM legacy.labels;
                CREATE MATERIALIZED VIEW ml.base_mv AS SELECT * FROM src.listing;
                CREATE UNIQUE INDEX base_mv_listing_id ON ml.base_mv (listing_id);
                """ + CUTOFF + ";\n" + """
                CREATE FUNCTION ml.as_of_day() RETURNS date LANGUAGE plpgsql STABLE AS $$
                BEGIN RETURN ml.cutoff(); END $$;
                """ + FEATURES_V + ";\n" + STORE_V + ";\n" + """
                SELECT audit.register_target('ml.store_v', p_day_column => 'anchor_day');
                SELECT audit.add_deny_rule('ml.store_v', 'name', 'legacy.labels_mv', 'labels leak the outcome');
                SELECT audit.add_deny_rule('ml.store_v', 'regex', '^legacy\\.', 'legacy pipeline');
                SELECT audit.add_gate_rule('ml.store_v', '^img__', 'img_within_sla', 'image features only within SLA');
                SELECT audit.set_hash_days('ml.store_v', ARRAY[date '2024-03-01', date '2024-03-02', date '2024-03-03']);
                """);
    }

    /** Creates the pipeline, captures and accepts its baseline. */
    public static void createCertifiable(TestDatabase db) throws SQLException {
        create(db);
        try (Connection c = db.connect()) {
            Mvcert mvcert = new Mvcert(c);
            long capture = mvcert.captureBaselines(TARGET, "initial").captureId();
            mvcert.acceptBaseline(capture, "reviewed: initial pipeline");
        }
    }

    public static CertificationResult certify(TestDatabase db) throws SQLException {
        try (Connection c = db.connect()) {
            return new Mvcert(c).certify(TARGET, null);
        }
    }
}
