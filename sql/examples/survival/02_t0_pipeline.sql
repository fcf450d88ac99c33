-- Survival example: the T0-safe feature pipeline of runbook 001 (section 1.2).
--
-- Every feature of a listing is computed as of its anchor day (the day it was
-- first seen), from data that existed by the end of that day: listing attributes,
-- asks and market stats of earlier days, the geo release in effect, device meta
-- reported by then, images captured by then. Sales (the labels) enter only as
-- speed anchors aggregated over sales strictly before the anchor day. Nothing
-- here reads the clock, and nothing reads the legacy pipeline.
--
-- Refresh order (runbook 001, 1.2):
--   ml.tom_speed_anchor_asof_v1_mv
--   -> ml.tom_features_v1_enriched_speed_t0_v1_mv
--   -> ml.tom_features_v1_enriched_ai_clean_t0_v1_mv
--   ml.iphone_image_features_unified_t0_v1_mv
--   -> ml.v_damage_fusion_features_v2_scored_t0_v1_mv
--   ml.iphone_device_meta_encoded_t0_v1_mv
-- Entry view: ml.survival_feature_store_t0_v1_v (one row per listing, day column
-- anchor_day, image features img__* gated by img_within_sla).
-- Each materialized view has the unique index of runbook 001, section 2.1.

-- ---------------------------------------------------------------------------
-- Speed anchors as of each anchor day: how fast comparable phones sold in the
-- 60 days strictly before the day. One row per (anchor_day, generation, storage
-- bucket, price-to-value bucket), plus one generation-level fallback row per
-- (anchor_day, generation) with sbucket 'all' and ptv_bucket -1.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_speed_anchor_asof_v1_mv AS
WITH anchor_days AS (
    SELECT DISTINCT l.first_seen_day AS anchor_day
    FROM src.listings l
), past_sales AS MATERIALIZED (
    -- one row per sale, priced once (not once per anchor day it is used for)
    SELECT s.sold_day,
           l.generation,
           ml.storage_bucket(l.storage_gb) AS sbucket,
           ml.ptv_bucket(l.ask_price / ml.depreciated_value(m.msrp, m.release_day, l.first_seen_day)) AS ptv_bucket,
           s.sold_day - l.first_seen_day AS days_to_sell,
           s.sold_price / l.ask_price AS sold_to_ask
    FROM src.sales s
    JOIN src.listings l ON l.listing_id = s.listing_id
    JOIN src.device_models m ON m.model = l.model AND m.storage_gb = l.storage_gb
), windowed AS (
    SELECT a.anchor_day, p.generation, p.sbucket, p.ptv_bucket, p.days_to_sell, p.sold_to_ask
    FROM anchor_days a
    JOIN past_sales p ON p.sold_day < a.anchor_day
                     AND p.sold_day >= a.anchor_day - 60
)
SELECT w.anchor_day,
       w.generation,
       COALESCE(w.sbucket, 'all') AS sbucket,
       COALESCE(w.ptv_bucket, -1) AS ptv_bucket,
       count(*)::integer AS n_sales,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY w.days_to_sell) AS p25_days_to_sell,
       percentile_cont(0.50) WITHIN GROUP (ORDER BY w.days_to_sell) AS median_days_to_sell,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY w.days_to_sell) AS p75_days_to_sell,
       round(avg(w.sold_to_ask), 4) AS avg_sold_to_ask,
       round(avg(CASE WHEN w.days_to_sell <= 7 THEN 1 ELSE 0 END), 4) AS share_sold_within_7d
FROM windowed w
GROUP BY GROUPING SETS ((w.anchor_day, w.generation, w.sbucket, w.ptv_bucket),
                        (w.anchor_day, w.generation))
WITH NO DATA;

CREATE UNIQUE INDEX tom_speed_anchor_asof_v1_mv_key
    ON ml.tom_speed_anchor_asof_v1_mv (anchor_day, generation, sbucket, ptv_bucket);

COMMENT ON MATERIALIZED VIEW ml.tom_speed_anchor_asof_v1_mv IS
  'Speed anchors as of each anchor day from sales in the 60 days strictly before it; sbucket ''all'' / ptv_bucket -1 = generation level.';

-- ---------------------------------------------------------------------------
-- Listing features at the anchor day, enriched with the speed anchors.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_speed_t0_v1_mv AS
WITH listing AS (
    SELECT l.listing_id, l.seller_id, l.generation, l.model, m.model_tier, l.storage_gb, l.condition,
           l.city, l.postal_code, l.spam_score,
           l.first_seen_day AS anchor_day,
           l.ask_price AS ask_price_t0,
           l.first_seen_day - m.release_day AS model_age_days,
           ml.depreciated_value(m.msrp, m.release_day, l.first_seen_day) AS value_t0,
           ml.storage_bucket(l.storage_gb) AS sbucket,
           -- seller history up to the anchor day
           count(*) OVER (PARTITION BY l.seller_id ORDER BY l.first_seen_day
                          RANGE BETWEEN UNBOUNDED PRECEDING AND '1 day' PRECEDING) AS seller_prior_listings,
           count(*) OVER (PARTITION BY l.seller_id ORDER BY l.first_seen_day
                          RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW) AS seller_listings_7d,
           l.first_seen_day - lag(l.first_seen_day) OVER (PARTITION BY l.seller_id ORDER BY l.first_seen_day, l.listing_id)
               AS seller_days_since_prev_listing
    FROM src.listings l
    JOIN src.device_models m ON m.model = l.model AND m.storage_gb = l.storage_gb
), priced AS (
    SELECT b.*,
           round(b.ask_price_t0 / b.value_t0, 4) AS ptv_ratio,
           ml.ptv_bucket(b.ask_price_t0 / b.value_t0) AS ptv_bucket
    FROM listing b
), peer_asks AS (
    -- asks of comparable listings on the day before the anchor day
    SELECT a.day + 1 AS anchor_day, l.generation, l.storage_gb,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ask_price) AS median_ask,
           count(*) AS n_active
    FROM src.ask_snapshots a
    JOIN src.listings l ON l.listing_id = a.listing_id
    GROUP BY a.day, l.generation, l.storage_gb
), market AS (
    -- market stats are published at the end of their day: use the day before
    SELECT ms.day + 1 AS anchor_day, ms.generation, ms.active_listings, ms.new_listings, ms.search_volume,
           ms.median_ask,
           lag(ms.median_ask, 7) OVER (PARTITION BY ms.generation ORDER BY ms.day) AS median_ask_week_before
    FROM src.market_stats ms
)
SELECT p.listing_id,
       p.generation,
       p.anchor_day,
       p.seller_id,
       p.model,
       p.model_tier,
       p.storage_gb,
       p.sbucket,
       p.condition,
       p.spam_score,
       COALESCE(pc.super_metro, ci.super_metro, 'unknown') AS super_metro,
       CASE WHEN pc.super_metro IS NOT NULL THEN 'postal_code'
            WHEN ci.super_metro IS NOT NULL THEN 'city'
            ELSE 'none' END AS geo_match,
       r.release_id AS geo_release_id,
       p.ask_price_t0,
       p.value_t0,
       p.ptv_ratio,
       p.ptv_bucket,
       p.model_age_days,
       round(pa.median_ask::numeric, 2) AS peer_median_ask_prev_day,
       COALESCE(pa.n_active, 0) AS peer_active_prev_day,
       round(p.ask_price_t0 / NULLIF(pa.median_ask, 0)::numeric, 4) AS ask_to_peer_median,
       mk.active_listings AS market_active_prev_day,
       mk.new_listings AS market_new_prev_day,
       mk.search_volume AS market_searches_prev_day,
       round(mk.median_ask / NULLIF(mk.median_ask_week_before, 0), 4) AS market_ask_trend_7d,
       p.seller_prior_listings,
       p.seller_listings_7d,
       p.seller_days_since_prev_listing,
       percent_rank() OVER (PARTITION BY p.anchor_day, p.generation ORDER BY p.ptv_ratio) AS cohort_ptv_pct_rank,
       CASE WHEN fine.n_sales >= 5 THEN 'fine'
            WHEN coarse.n_sales IS NOT NULL THEN 'generation'
            ELSE 'none' END AS speed_level,
       CASE WHEN fine.n_sales >= 5 THEN fine.n_sales ELSE COALESCE(coarse.n_sales, 0) END AS speed_n_sales,
       CASE WHEN fine.n_sales >= 5 THEN fine.median_days_to_sell ELSE coarse.median_days_to_sell END AS speed_median_days,
       CASE WHEN fine.n_sales >= 5 THEN fine.p25_days_to_sell ELSE coarse.p25_days_to_sell END AS speed_p25_days,
       CASE WHEN fine.n_sales >= 5 THEN fine.p75_days_to_sell ELSE coarse.p75_days_to_sell END AS speed_p75_days,
       CASE WHEN fine.n_sales >= 5 THEN fine.avg_sold_to_ask ELSE coarse.avg_sold_to_ask END AS speed_sold_to_ask,
       CASE WHEN fine.n_sales >= 5 THEN fine.share_sold_within_7d ELSE coarse.share_sold_within_7d END AS speed_share_7d
FROM priced p
-- the geo release in effect on the anchor day; postal code first, then city
LEFT JOIN LATERAL (
    SELECT g.release_id
    FROM ref.geo_mapping_release g
    WHERE g.released_day <= p.anchor_day
    ORDER BY g.released_day DESC
    LIMIT 1
) r ON true
LEFT JOIN ref.postal_code_to_super_metro pc ON pc.release_id = r.release_id AND pc.postal_code = p.postal_code
LEFT JOIN ref.city_to_super_metro ci ON ci.release_id = r.release_id AND ci.city = p.city
LEFT JOIN peer_asks pa ON pa.anchor_day = p.anchor_day AND pa.generation = p.generation AND pa.storage_gb = p.storage_gb
LEFT JOIN market mk ON mk.anchor_day = p.anchor_day AND mk.generation = p.generation
LEFT JOIN ml.tom_speed_anchor_asof_v1_mv fine
       ON fine.anchor_day = p.anchor_day AND fine.generation = p.generation
      AND fine.sbucket = p.sbucket AND fine.ptv_bucket = p.ptv_bucket
LEFT JOIN ml.tom_speed_anchor_asof_v1_mv coarse
       ON coarse.anchor_day = p.anchor_day AND coarse.generation = p.generation
      AND coarse.sbucket = 'all' AND coarse.ptv_bucket = -1
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_speed_t0_v1_mv_key
    ON ml.tom_features_v1_enriched_speed_t0_v1_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_speed_t0_v1_mv IS
  'Listing features as of the anchor day (first seen day) with speed anchors from earlier sales.';

-- ---------------------------------------------------------------------------
-- AI-augmented read layer, spam-cleaned: price anomaly against the previous
-- 28 days of comparable listings, demand index, expected days on market.
-- Spam listings and implausible prices are dropped.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_ai_clean_t0_v1_mv AS
WITH scored AS (
    SELECT f.*,
           avg(f.ptv_ratio) OVER w28 AS ptv_mean_28d,
           stddev_samp(f.ptv_ratio) OVER w28 AS ptv_sd_28d,
           count(*) OVER w28 AS peers_28d
    FROM ml.tom_features_v1_enriched_speed_t0_v1_mv f
    WINDOW w28 AS (PARTITION BY f.generation, f.sbucket ORDER BY f.anchor_day
                   RANGE BETWEEN '28 days' PRECEDING AND '1 day' PRECEDING)
), flagged AS (
    SELECT s.*,
           (s.spam_score >= 0.8 OR s.seller_listings_7d >= 8) AS ai_spam_flag,
           round((s.ptv_ratio - s.ptv_mean_28d) / NULLIF(s.ptv_sd_28d, 0), 4) AS ai_price_z
    FROM scored s
)
SELECT f.listing_id,
       f.generation,
       f.anchor_day,
       f.seller_id,
       f.model,
       f.model_tier,
       f.storage_gb,
       f.sbucket,
       f.condition,
       f.super_metro,
       f.geo_match,
       f.geo_release_id,
       f.ask_price_t0,
       f.value_t0,
       f.ptv_ratio,
       f.ptv_bucket,
       f.model_age_days,
       f.peer_median_ask_prev_day,
       f.peer_active_prev_day,
       f.ask_to_peer_median,
       f.market_active_prev_day,
       f.market_new_prev_day,
       f.market_searches_prev_day,
       f.market_ask_trend_7d,
       f.seller_prior_listings,
       f.seller_listings_7d,
       f.seller_days_since_prev_listing,
       f.cohort_ptv_pct_rank,
       f.speed_level,
       f.speed_n_sales,
       f.speed_median_days,
       f.speed_p25_days,
       f.speed_p75_days,
       f.speed_sold_to_ask,
       f.speed_share_7d,
       f.peers_28d AS ai_peers_28d,
       f.ai_price_z,
       round(f.market_searches_prev_day::numeric / NULLIF(f.market_active_prev_day, 0), 4) AS ai_demand_index,
       round((f.speed_median_days * power(f.ptv_ratio::double precision, 1.5))::numeric, 2) AS ai_expected_days
FROM flagged f
WHERE NOT f.ai_spam_flag
  AND f.ptv_ratio BETWEEN 0.2 AND 3.0
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_ai_clean_t0_v1_mv_key
    ON ml.tom_features_v1_enriched_ai_clean_t0_v1_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_ai_clean_t0_v1_mv IS
  'Spam-cleaned, AI-augmented T0 listing features (price anomaly vs the previous 28 days, demand, expected days).';

-- ---------------------------------------------------------------------------
-- Image features per listing from the images captured by the end of the anchor
-- day, duplicates (same image hash) counted once. within_sla: every one of them
-- was processed by the day after the anchor day.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.iphone_image_features_unified_t0_v1_mv AS
WITH captured AS (
    SELECT l.generation, l.listing_id, l.first_seen_day AS anchor_day,
           i.image_id, i.source_kind, i.processed_day, i.quality_score, i.sharpness, i.brightness,
           row_number() OVER (PARTITION BY i.listing_id, i.image_hash ORDER BY i.processed_day, i.image_id) AS copy_no
    FROM src.listing_images i
    JOIN src.listings l ON l.listing_id = i.listing_id
    WHERE i.captured_at < l.first_seen_day + 1
)
SELECT c.generation,
       c.listing_id,
       c.anchor_day,
       count(*)::integer AS n_images,
       round(avg(c.quality_score), 4) AS avg_quality,
       max(c.quality_score) AS max_quality,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY c.sharpness)::numeric, 4) AS median_sharpness,
       round(avg(c.brightness), 4) AS avg_brightness,
       min(c.processed_day) AS first_processed_day,
       max(c.processed_day) AS last_processed_day,
       max(c.processed_day) - c.anchor_day AS processing_lag_days,
       (max(c.processed_day) - c.anchor_day) <= 1 AS within_sla,
       CASE WHEN bool_and(c.source_kind = 'seller_upload') THEN 'seller'
            WHEN bool_and(c.source_kind = 'crawler') THEN 'crawler'
            ELSE 'mixed' END AS source_mix
FROM captured c
WHERE c.copy_no = 1
GROUP BY c.generation, c.listing_id, c.anchor_day
WITH NO DATA;

CREATE UNIQUE INDEX iphone_image_features_unified_t0_v1_mv_key
    ON ml.iphone_image_features_unified_t0_v1_mv (generation, listing_id);

COMMENT ON MATERIALIZED VIEW ml.iphone_image_features_unified_t0_v1_mv IS
  'Per-listing image features from images captured by the end of the anchor day; within_sla = all processed by the next day.';

-- ---------------------------------------------------------------------------
-- Damage fusion: per damage type, the probability that at least one detection
-- on the listing images is right; fused into one image damage score and blended
-- with the seller-stated condition.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.v_damage_fusion_features_v2_scored_t0_v1_mv AS
WITH per_type AS (
    SELECT u.generation, u.listing_id, d.damage_type,
           count(*) AS n_detections,
           1 - exp(sum(ln(1 - least(d.confidence, 0.999)))) AS p_damage
    FROM ml.iphone_image_features_unified_t0_v1_mv u
    JOIN src.listing_images i ON i.listing_id = u.listing_id AND i.captured_at < u.anchor_day + 1
    JOIN src.damage_detections d ON d.image_id = i.image_id
    GROUP BY u.generation, u.listing_id, d.damage_type
), pivoted AS (
    SELECT t.generation, t.listing_id,
           sum(t.n_detections)::integer AS n_detections,
           COALESCE(max(t.p_damage) FILTER (WHERE t.damage_type = 'screen_crack'), 0) AS p_screen_crack,
           COALESCE(max(t.p_damage) FILTER (WHERE t.damage_type = 'back_crack'), 0) AS p_back_crack,
           COALESCE(max(t.p_damage) FILTER (WHERE t.damage_type = 'scratch'), 0) AS p_scratch,
           COALESCE(max(t.p_damage) FILTER (WHERE t.damage_type = 'dent'), 0) AS p_dent,
           COALESCE(max(t.p_damage) FILTER (WHERE t.damage_type = 'camera_damage'), 0) AS p_camera_damage
    FROM per_type t
    GROUP BY t.generation, t.listing_id
), fused AS (
    SELECT u.generation, u.listing_id, u.anchor_day,
           COALESCE(p.n_detections, 0) AS n_detections,
           COALESCE(p.p_screen_crack, 0) AS p_screen_crack,
           COALESCE(p.p_back_crack, 0) AS p_back_crack,
           COALESCE(p.p_scratch, 0) AS p_scratch,
           COALESCE(p.p_dent, 0) AS p_dent,
           COALESCE(p.p_camera_damage, 0) AS p_camera_damage,
           1 - (1 - 0.9 * COALESCE(p.p_screen_crack, 0)) * (1 - 0.7 * COALESCE(p.p_back_crack, 0))
             * (1 - 0.3 * COALESCE(p.p_scratch, 0)) * (1 - 0.5 * COALESCE(p.p_dent, 0))
             * (1 - 0.6 * COALESCE(p.p_camera_damage, 0)) AS image_damage,
           CASE l.condition WHEN 'new' THEN 0.02 WHEN 'like_new' THEN 0.05 WHEN 'good' THEN 0.15
                            WHEN 'fair' THEN 0.35 ELSE 0.60 END AS condition_prior
    FROM ml.iphone_image_features_unified_t0_v1_mv u
    JOIN src.listings l ON l.listing_id = u.listing_id
    LEFT JOIN pivoted p ON p.generation = u.generation AND p.listing_id = u.listing_id
)
SELECT f.generation,
       f.listing_id,
       f.anchor_day,
       f.n_detections,
       round(f.p_screen_crack, 4) AS p_screen_crack,
       round(f.p_back_crack, 4) AS p_back_crack,
       round(f.p_scratch, 4) AS p_scratch,
       round(f.p_dent, 4) AS p_dent,
       round(f.p_camera_damage, 4) AS p_camera_damage,
       round(f.image_damage, 4) AS image_damage_score,
       round(0.7 * f.image_damage + 0.3 * f.condition_prior, 4) AS damage_score,
       CASE WHEN 0.7 * f.image_damage + 0.3 * f.condition_prior < 0.10 THEN 'A'
            WHEN 0.7 * f.image_damage + 0.3 * f.condition_prior < 0.25 THEN 'B'
            WHEN 0.7 * f.image_damage + 0.3 * f.condition_prior < 0.50 THEN 'C'
            ELSE 'D' END AS damage_grade,
       percent_rank() OVER (PARTITION BY f.generation, f.anchor_day
                            ORDER BY 0.7 * f.image_damage + 0.3 * f.condition_prior) AS damage_pct_rank_day
FROM fused f
WITH NO DATA;

CREATE UNIQUE INDEX v_damage_fusion_features_v2_scored_t0_v1_mv_key
    ON ml.v_damage_fusion_features_v2_scored_t0_v1_mv (generation, listing_id);

COMMENT ON MATERIALIZED VIEW ml.v_damage_fusion_features_v2_scored_t0_v1_mv IS
  'Damage detections on the anchor-day images fused per type and with the stated condition; scored A-D.';

-- ---------------------------------------------------------------------------
-- Device meta encoded for the model: ordinal and one-hot encodings, device age
-- at the anchor day, battery and lock state only if reported by the anchor day.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.iphone_device_meta_encoded_t0_v1_mv AS
SELECT l.generation,
       l.listing_id,
       l.first_seen_day AS anchor_day,
       CASE m.model_tier WHEN 'mini' THEN 0 WHEN 'base' THEN 1 WHEN 'plus' THEN 2
                         WHEN 'pro' THEN 3 ELSE 4 END AS tier_ord,
       CASE WHEN m.model_tier IN ('pro', 'pro_max') THEN 1 ELSE 0 END AS is_pro,
       round(log(2, l.storage_gb::numeric), 4) AS storage_log2,
       CASE WHEN l.storage_gb <= 64 THEN 1 ELSE 0 END AS storage_064,
       CASE WHEN l.storage_gb = 128 THEN 1 ELSE 0 END AS storage_128,
       CASE WHEN l.storage_gb = 256 THEN 1 ELSE 0 END AS storage_256,
       CASE WHEN l.storage_gb >= 512 THEN 1 ELSE 0 END AS storage_512_plus,
       CASE l.condition WHEN 'new' THEN 4 WHEN 'like_new' THEN 3 WHEN 'good' THEN 2
                        WHEN 'fair' THEN 1 ELSE 0 END AS condition_ord,
       l.first_seen_day - m.release_day AS device_age_days,
       round((l.first_seen_day - m.release_day) / 365.25, 3) AS device_age_years,
       dm.battery_health,
       CASE WHEN dm.battery_health IS NULL THEN 'unknown'
            WHEN dm.battery_health >= 90 THEN 'high'
            WHEN dm.battery_health >= 80 THEN 'medium'
            ELSE 'low' END AS battery_bucket,
       CASE dm.color WHEN 'black' THEN 1 WHEN 'white' THEN 2 WHEN 'blue' THEN 3 WHEN 'red' THEN 4
                     WHEN 'green' THEN 5 WHEN 'purple' THEN 6 WHEN 'gold' THEN 7 WHEN 'silver' THEN 8
                     ELSE 0 END AS color_code,
       CASE WHEN dm.carrier_locked THEN 1 WHEN dm.carrier_locked IS NULL THEN NULL ELSE 0 END AS carrier_locked,
       CASE WHEN dm.imei_checked THEN 1 WHEN dm.imei_checked IS NULL THEN NULL ELSE 0 END AS imei_checked,
       dm.listing_id IS NOT NULL AS meta_reported,
       count(*) OVER (PARTITION BY l.model ORDER BY l.first_seen_day
                      RANGE BETWEEN '28 days' PRECEDING AND '1 day' PRECEDING) AS model_listings_28d
FROM src.listings l
JOIN src.device_models m ON m.model = l.model AND m.storage_gb = l.storage_gb
LEFT JOIN src.device_meta dm ON dm.listing_id = l.listing_id AND dm.reported_day <= l.first_seen_day
WITH NO DATA;

CREATE UNIQUE INDEX iphone_device_meta_encoded_t0_v1_mv_key
    ON ml.iphone_device_meta_encoded_t0_v1_mv (generation, listing_id);

COMMENT ON MATERIALIZED VIEW ml.iphone_device_meta_encoded_t0_v1_mv IS
  'Encoded device meta as of the anchor day (meta reported later is treated as unknown).';

-- ---------------------------------------------------------------------------
-- Entry view of the feature store: one row per clean listing. Image features
-- (img__*) are CASE-gated: NULL unless img_within_sla. Two columns match the
-- pattern LIKE 'img__%' without being gated image features: img_within_sla
-- itself and imgsrc_kind (where the anchor-day images came from, 'none' if
-- there were none); both are legitimately non-null outside the SLA.
-- ---------------------------------------------------------------------------
CREATE VIEW ml.survival_feature_store_t0_v1_v AS
SELECT f.listing_id,
       f.generation,
       f.anchor_day,
       f.model,
       f.model_tier,
       f.storage_gb,
       f.condition,
       f.super_metro,
       f.geo_match,
       f.ask_price_t0,
       f.ptv_ratio,
       f.ptv_bucket,
       f.model_age_days,
       f.peer_median_ask_prev_day,
       f.ask_to_peer_median,
       f.market_active_prev_day,
       f.market_searches_prev_day,
       f.market_ask_trend_7d,
       f.seller_prior_listings,
       f.seller_days_since_prev_listing,
       f.cohort_ptv_pct_rank,
       f.speed_level,
       f.speed_n_sales,
       f.speed_median_days,
       f.speed_p25_days,
       f.speed_p75_days,
       f.speed_sold_to_ask,
       f.speed_share_7d,
       f.ai_price_z,
       f.ai_demand_index,
       f.ai_expected_days,
       d.tier_ord,
       d.is_pro,
       d.storage_log2,
       d.condition_ord,
       d.device_age_years,
       d.battery_health,
       d.battery_bucket,
       d.color_code,
       d.carrier_locked,
       d.imei_checked,
       d.model_listings_28d,
       COALESCE(u.within_sla, false) AS img_within_sla,
       COALESCE(u.source_mix, 'none') AS imgsrc_kind,
       CASE WHEN u.within_sla THEN u.n_images END AS img__count,
       CASE WHEN u.within_sla THEN u.avg_quality END AS img__quality,
       CASE WHEN u.within_sla THEN u.max_quality END AS img__quality_max,
       CASE WHEN u.within_sla THEN u.median_sharpness END AS img__sharpness,
       CASE WHEN u.within_sla THEN u.avg_brightness END AS img__brightness,
       CASE WHEN u.within_sla THEN u.processing_lag_days END AS img__processing_lag_days,
       CASE WHEN u.within_sla THEN dm.n_detections END AS img__damage_detections,
       CASE WHEN u.within_sla THEN dm.p_screen_crack END AS img__screen_crack,
       CASE WHEN u.within_sla THEN dm.damage_score END AS img__damage_score,
       CASE WHEN u.within_sla THEN dm.damage_grade END AS img__damage_grade
FROM ml.tom_features_v1_enriched_ai_clean_t0_v1_mv f
JOIN ml.iphone_device_meta_encoded_t0_v1_mv d
  ON d.generation = f.generation AND d.listing_id = f.listing_id
LEFT JOIN ml.iphone_image_features_unified_t0_v1_mv u
  ON u.generation = f.generation AND u.listing_id = f.listing_id
LEFT JOIN ml.v_damage_fusion_features_v2_scored_t0_v1_mv dm
  ON dm.generation = f.generation AND dm.listing_id = f.listing_id;

COMMENT ON VIEW ml.survival_feature_store_t0_v1_v IS
  'T0 survival feature store, one row per clean listing at its anchor_day; img__* are NULL unless img_within_sla.';
