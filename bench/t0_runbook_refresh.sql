-- Runbook 001 §1.2, the canonical procedure audit.refresh_and_certify_survival_v1 as the runbook
-- writes it: the six T0 refreshes in dependency order, plain, in one transaction (a procedure
-- body without COMMIT). The bench times this with psql, then the certification the procedure
-- calls next (audit.run_t0_cert_survival_v1) by mvcert's engine in the bench's own JVM.
BEGIN;
REFRESH MATERIALIZED VIEW ml.tom_speed_anchor_asof_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_features_v1_enriched_speed_t0_v1_mv;
REFRESH MATERIALIZED VIEW ml.tom_features_v1_enriched_ai_clean_t0_v1_mv;

REFRESH MATERIALIZED VIEW ml.iphone_image_features_unified_t0_v1_mv;
REFRESH MATERIALIZED VIEW ml.v_damage_fusion_features_v2_scored_t0_v1_mv;
REFRESH MATERIALIZED VIEW ml.iphone_device_meta_encoded_t0_v1_mv;
COMMIT;
