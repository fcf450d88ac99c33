-- The legacy refresh script of runbook 001, section 4, verbatim and in its order (every
-- object name exists in sql/examples/survival/03_legacy_pipeline.sql, so nothing needed
-- adapting). bench/run.sh runs it with psql as the baseline of measurement 1. It expects
-- the pipeline to be populated already: CONCURRENTLY refuses an unpopulated view.
-- A/B/C: core base + labels + training base
REFRESH MATERIALIZED VIEW ml.tom_features_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_labels_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_train_base_v1_mv;

-- D1/D2/D3: anchor/history layers
REFRESH MATERIALIZED VIEW ml.sold_durations_v1_mv;
REFRESH MATERIALIZED VIEW ml.ask_daily_median_v1;
REFRESH MATERIALIZED VIEW ml.sold_prices_v1_mv;

-- E: enriched
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v1_enriched_mv;

-- E-clean: spam-clean enriched
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v1_enriched_clean_mv;

-- D4: speed anchors (depends on D1 + E)
REFRESH MATERIALIZED VIEW ml.tom_speed_anchor_v1_mv;

-- E+speed: enriched + speed_* (depends on clean + D4)
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v1_enriched_speed_mv;

-- E-clean+AI: AI-augmented read layer (depends on E+speed)
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v1_enriched_ai_clean_mv;

-- === OB pipeline (depends on v1 base + geo + labels; and v1 enriched AI clean) ===
REFRESH MATERIALIZED VIEW ml.tom_ob_pool_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_ob_features_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_mv;

-- Stats for the planner
ANALYZE ml.tom_features_v1_enriched_mv;
ANALYZE ml.tom_features_v1_enriched_speed_mv;
ANALYZE ml.tom_features_v1_enriched_clean_mv;
ANALYZE ml.tom_features_v1_enriched_ai_clean_mv;

ANALYZE ml.sold_durations_v1_mv;
ANALYZE ml.sold_prices_v1_mv;
ANALYZE ml.tom_speed_anchor_v1_mv;

ANALYZE ml.tom_ob_pool_v1_mv;
ANALYZE ml.tom_ob_features_v1_mv;
ANALYZE ml.tom_features_v2_enriched_ai_ob_clean_mv;

ANALYZE ref.postal_code_to_super_metro;
ANALYZE ref.city_to_super_metro;
ANALYZE ref.geo_mapping_release;


-- 1) refresh socio MV first (dependency)
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v2_enriched_ai_ob_clean_socio_mv;
ANALYZE ml.tom_features_v2_enriched_ai_ob_clean_socio_mv;

-- 2) refresh socio+market MV next (depends on socio MV)
REFRESH MATERIALIZED VIEW CONCURRENTLY ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv;
ANALYZE ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv;
