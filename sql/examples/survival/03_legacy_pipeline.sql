-- Survival example: the legacy (deprecated) pipeline of runbook 001, section 4.
--
-- Kept because it is what the team ran before the T0 pipeline, and because it
-- is NOT T0-safe, on purpose, in the ways such pipelines usually are:
--   * ml.tom_features_v1_mv measures days on market against CURRENT_DATE and
--     takes the latest ask (current state) as a feature;
--   * ml.tom_features_v1_enriched_mv calls ml.days_since(), whose body reads now();
--   * labels (ml.tom_labels_v1_mv) flow into features (OB pipeline, v2 views);
--   * speed anchors, medians and market stats use all history, future included,
--     and the geo mapping flagged current instead of the one in effect.
--
-- Dependencies, as the legacy refresh script describes them:
--   A  ml.tom_features_v1_mv                    <- src
--   B  ml.tom_labels_v1_mv                      <- src (sales: the labels)
--   C  ml.tom_train_base_v1_mv                  <- A, B
--   D1 ml.sold_durations_v1_mv                  <- A, B
--   D2 ml.ask_daily_median_v1                   <- src
--   D3 ml.sold_prices_v1_mv                     <- src
--   E  ml.tom_features_v1_enriched_mv           <- A, D2, D3, ref geo, ml.days_since()
--   E-clean ml.tom_features_v1_enriched_clean_mv <- E
--   D4 ml.tom_speed_anchor_v1_mv                <- D1, E
--   E+speed ml.tom_features_v1_enriched_speed_mv <- E-clean, D4
--   E-clean+AI ml.tom_features_v1_enriched_ai_clean_mv <- E+speed
--   ml.tom_ob_pool_v1_mv                        <- A, ref geo, B
--   ml.tom_ob_features_v1_mv                    <- ob_pool
--   ml.tom_features_v2_enriched_ai_ob_clean_mv  <- A, ref geo, B, E-clean+AI, ob_features
--   ml.tom_features_v2_enriched_ai_ob_clean_socio_mv <- v2 (+ src.socio_economic)
--   ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv <- socio (+ src.market_stats)
-- Entry view: ml.tom_train_legacy_v.
-- The views the legacy script refreshes CONCURRENTLY have a unique index on
-- listing_id; the others have none.

-- Days from a day to today. Reads the clock: results change every day.
CREATE FUNCTION ml.days_since(p_day date)
RETURNS integer
LANGUAGE sql STABLE
AS $$
  SELECT (now()::date - p_day)
$$;
COMMENT ON FUNCTION ml.days_since(date) IS
  'Days from p_day to today (legacy; depends on the time of the query).';

-- ---------------------------------------------------------------------------
-- A: core listing features (current state of every listing).
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_features_v1_mv AS
WITH asks AS (
    SELECT a.listing_id, a.day, a.ask_price,
           lag(a.ask_price) OVER (PARTITION BY a.listing_id ORDER BY a.day) AS prev_ask
    FROM src.ask_snapshots a
), ask_history AS (
    SELECT h.listing_id,
           count(*) AS n_snapshots,
           count(*) FILTER (WHERE h.prev_ask IS NOT NULL AND h.ask_price <> h.prev_ask) AS n_price_changes,
           (array_agg(h.ask_price ORDER BY h.day DESC))[1] AS latest_ask,
           min(h.ask_price) AS min_ask
    FROM asks h
    GROUP BY h.listing_id
)
SELECT l.listing_id,
       l.seller_id,
       l.generation,
       l.model,
       m.model_tier,
       l.storage_gb,
       l.condition,
       l.city,
       l.postal_code,
       l.spam_score,
       l.first_seen_day,
       l.last_seen_day,
       l.status,
       l.ask_price AS initial_ask,
       ah.latest_ask AS current_ask,
       ah.min_ask,
       ah.n_snapshots,
       ah.n_price_changes,
       m.msrp,
       m.release_day,
       CURRENT_DATE - l.first_seen_day AS days_on_market
FROM src.listings l
JOIN src.device_models m ON m.model = l.model AND m.storage_gb = l.storage_gb
LEFT JOIN ask_history ah ON ah.listing_id = l.listing_id
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_mv IS
  'Legacy A: listing features from current state (latest ask, days on market to today).';

-- ---------------------------------------------------------------------------
-- B: survival labels. Event = sold; duration to the sale or to the last day seen.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_labels_v1_mv AS
SELECT l.listing_id,
       s.listing_id IS NOT NULL AS sold,
       s.sold_day,
       s.sold_price,
       COALESCE(s.sold_day, l.last_seen_day) - l.first_seen_day AS duration_days,
       l.status = 'active' AS censored_active,
       l.status = 'withdrawn' AS withdrawn
FROM src.listings l
LEFT JOIN src.sales s ON s.listing_id = l.listing_id
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_labels_v1_mv IS 'Legacy B: survival labels (sold, duration_days).';

-- ---------------------------------------------------------------------------
-- C: training base = features + labels.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_train_base_v1_mv AS
SELECT f.listing_id, f.generation, f.model, f.storage_gb, f.condition, f.first_seen_day,
       f.initial_ask, f.current_ask, f.n_price_changes, f.days_on_market,
       b.sold, b.sold_day, b.sold_price, b.duration_days, b.censored_active
FROM ml.tom_features_v1_mv f
JOIN ml.tom_labels_v1_mv b ON b.listing_id = f.listing_id
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_train_base_v1_mv IS 'Legacy C: features joined with labels.';

-- ---------------------------------------------------------------------------
-- D1/D2/D3: history layers.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.sold_durations_v1_mv AS
SELECT b.listing_id, f.generation, f.model, f.storage_gb, f.condition,
       b.sold_day, b.duration_days, b.sold_price, f.initial_ask,
       round(b.sold_price / f.initial_ask, 4) AS sold_to_ask
FROM ml.tom_labels_v1_mv b
JOIN ml.tom_features_v1_mv f ON f.listing_id = b.listing_id
WHERE b.sold
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.sold_durations_v1_mv IS 'Legacy D1: time to sell of every sold listing.';

CREATE MATERIALIZED VIEW ml.ask_daily_median_v1 AS
SELECT a.day, l.generation, l.storage_gb,
       count(*) AS n_listings,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ask_price) AS median_ask
FROM src.ask_snapshots a
JOIN src.listings l ON l.listing_id = a.listing_id
GROUP BY a.day, l.generation, l.storage_gb
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.ask_daily_median_v1 IS 'Legacy D2: median ask per day, generation and storage.';

CREATE MATERIALIZED VIEW ml.sold_prices_v1_mv AS
SELECT l.generation, l.model, l.storage_gb,
       count(*) AS n_sales,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.sold_price) AS median_sold_price,
       max(s.sold_day) AS last_sold_day
FROM src.sales s
JOIN src.listings l ON l.listing_id = s.listing_id
GROUP BY l.generation, l.model, l.storage_gb
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.sold_prices_v1_mv IS 'Legacy D3: median sold price per model and storage, all history.';

-- ---------------------------------------------------------------------------
-- E: enriched features (latest medians, all-history sold prices, current geo).
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_mv AS
WITH latest_median AS (
    SELECT d.generation, d.storage_gb, d.median_ask
    FROM ml.ask_daily_median_v1 d
    WHERE d.day = (SELECT max(x.day) FROM ml.ask_daily_median_v1 x)
), current_release AS (
    SELECT r.release_id
    FROM ref.geo_mapping_release r
    WHERE r.is_current
)
SELECT f.listing_id,
       f.seller_id,
       f.generation,
       f.model,
       f.model_tier,
       f.storage_gb,
       ml.storage_bucket(f.storage_gb) AS sbucket,
       f.condition,
       f.spam_score,
       f.first_seen_day,
       f.initial_ask,
       f.current_ask,
       f.n_price_changes,
       f.days_on_market,
       ml.days_since(f.first_seen_day) AS listing_age_days,
       round(f.initial_ask / ml.depreciated_value(f.msrp, f.release_day, f.first_seen_day), 4) AS ptv_ratio,
       ml.ptv_bucket(f.initial_ask / ml.depreciated_value(f.msrp, f.release_day, f.first_seen_day)) AS ptv_bucket,
       round(lm.median_ask::numeric, 2) AS median_ask_latest,
       round(f.current_ask / NULLIF(lm.median_ask, 0)::numeric, 4) AS ask_to_median_latest,
       round(sp.median_sold_price::numeric, 2) AS median_sold_price,
       COALESCE(pc.super_metro, ci.super_metro, 'unknown') AS super_metro
FROM ml.tom_features_v1_mv f
CROSS JOIN current_release cr
LEFT JOIN latest_median lm ON lm.generation = f.generation AND lm.storage_gb = f.storage_gb
LEFT JOIN ml.sold_prices_v1_mv sp ON sp.generation = f.generation AND sp.model = f.model AND sp.storage_gb = f.storage_gb
LEFT JOIN ref.postal_code_to_super_metro pc ON pc.release_id = cr.release_id AND pc.postal_code = f.postal_code
LEFT JOIN ref.city_to_super_metro ci ON ci.release_id = cr.release_id AND ci.city = f.city
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_mv_key ON ml.tom_features_v1_enriched_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_mv IS
  'Legacy E: enriched features (latest medians, all-history prices, current geo, age via ml.days_since).';

-- E-clean: spam-clean enriched.
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_clean_mv AS
SELECT e.*
FROM ml.tom_features_v1_enriched_mv e
WHERE e.spam_score < 0.8
  AND e.ptv_ratio BETWEEN 0.2 AND 3.0
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_clean_mv_key ON ml.tom_features_v1_enriched_clean_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_clean_mv IS 'Legacy E-clean: spam-cleaned E.';

-- ---------------------------------------------------------------------------
-- D4: speed anchors over all sales (D1), bucketed with E's buckets.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_speed_anchor_v1_mv AS
SELECT e.generation, e.sbucket, e.ptv_bucket,
       count(*) AS n_sales,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY d.duration_days) AS p25_days_to_sell,
       percentile_cont(0.50) WITHIN GROUP (ORDER BY d.duration_days) AS median_days_to_sell,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY d.duration_days) AS p75_days_to_sell,
       round(avg(d.sold_to_ask), 4) AS avg_sold_to_ask
FROM ml.sold_durations_v1_mv d
JOIN ml.tom_features_v1_enriched_mv e ON e.listing_id = d.listing_id
GROUP BY e.generation, e.sbucket, e.ptv_bucket
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_speed_anchor_v1_mv IS 'Legacy D4: speed anchors from all sales (D1) in E buckets.';

-- E+speed: E-clean with speed_* columns from D4.
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_speed_mv AS
SELECT c.*,
       COALESCE(sa.n_sales, 0) AS speed_n_sales,
       sa.median_days_to_sell AS speed_median_days,
       sa.p25_days_to_sell AS speed_p25_days,
       sa.p75_days_to_sell AS speed_p75_days,
       sa.avg_sold_to_ask AS speed_sold_to_ask
FROM ml.tom_features_v1_enriched_clean_mv c
LEFT JOIN ml.tom_speed_anchor_v1_mv sa
       ON sa.generation = c.generation AND sa.sbucket = c.sbucket AND sa.ptv_bucket = c.ptv_bucket
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_speed_mv_key ON ml.tom_features_v1_enriched_speed_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_speed_mv IS 'Legacy E+speed: E-clean with D4 speed anchors.';

-- E-clean+AI: AI-augmented read layer (price anomaly against the whole history).
CREATE MATERIALIZED VIEW ml.tom_features_v1_enriched_ai_clean_mv AS
WITH scored AS (
    SELECT s.*,
           round((s.ptv_ratio - avg(s.ptv_ratio) OVER w) / NULLIF(stddev_samp(s.ptv_ratio) OVER w, 0), 4) AS ai_price_z,
           count(*) OVER (PARTITION BY s.seller_id) AS ai_seller_listings
    FROM ml.tom_features_v1_enriched_speed_mv s
    WINDOW w AS (PARTITION BY s.generation, s.sbucket)
)
SELECT sc.*,
       round((sc.speed_median_days * power(sc.ptv_ratio::double precision, 1.5))::numeric, 2) AS ai_expected_days
FROM scored sc
WHERE sc.ai_seller_listings < 200
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v1_enriched_ai_clean_mv_key ON ml.tom_features_v1_enriched_ai_clean_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v1_enriched_ai_clean_mv IS 'Legacy E-clean+AI: AI-augmented read layer on E+speed.';

-- ---------------------------------------------------------------------------
-- OB pipeline: the order book each listing competed in.
-- ---------------------------------------------------------------------------
CREATE MATERIALIZED VIEW ml.tom_ob_pool_v1_mv AS
SELECT f.listing_id,
       COALESCE(pc.super_metro, ci.super_metro, 'unknown') AS super_metro,
       f.generation,
       f.storage_gb,
       f.first_seen_day AS start_day,
       f.first_seen_day + b.duration_days AS end_day,
       f.initial_ask,
       b.sold
FROM ml.tom_features_v1_mv f
JOIN ml.tom_labels_v1_mv b ON b.listing_id = f.listing_id
CROSS JOIN (SELECT r.release_id FROM ref.geo_mapping_release r WHERE r.is_current) cr
LEFT JOIN ref.postal_code_to_super_metro pc ON pc.release_id = cr.release_id AND pc.postal_code = f.postal_code
LEFT JOIN ref.city_to_super_metro ci ON ci.release_id = cr.release_id AND ci.city = f.city
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_ob_pool_v1_mv IS 'Legacy OB pool: listings with their time on the market (from labels) per super metro.';

CREATE MATERIALIZED VIEW ml.tom_ob_features_v1_mv AS
WITH book AS (
    SELECT p.super_metro, p.generation, d.day,
           count(*) AS n_active,
           avg(p.initial_ask) AS avg_ask,
           sum(CASE WHEN p.sold THEN 1 ELSE 0 END) AS n_eventually_sold
    FROM ml.tom_ob_pool_v1_mv p
    CROSS JOIN LATERAL generate_series(0, p.end_day - p.start_day) AS o (k)
    CROSS JOIN LATERAL (SELECT p.start_day + o.k AS day) AS d
    GROUP BY p.super_metro, p.generation, d.day
)
SELECT p.listing_id,
       p.super_metro,
       p.generation,
       COALESCE(bk.n_active, 0) AS ob_active_at_start,
       round(bk.avg_ask, 2) AS ob_avg_ask_at_start,
       round(bk.n_eventually_sold::numeric / NULLIF(bk.n_active, 0), 4) AS ob_sell_through,
       rank() OVER (PARTITION BY p.super_metro, p.generation, p.start_day ORDER BY p.initial_ask) AS ob_price_rank
FROM ml.tom_ob_pool_v1_mv p
LEFT JOIN book bk ON bk.super_metro = p.super_metro AND bk.generation = p.generation AND bk.day = p.start_day
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_ob_features_v1_mv IS 'Legacy OB features: order book size, price and sell-through at listing start.';

-- v2: v1 base + geo + labels + v1 AI clean + OB features.
CREATE MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_mv AS
SELECT ai.listing_id,
       ai.generation,
       ai.model,
       ai.model_tier,
       ai.storage_gb,
       ai.sbucket,
       ai.condition,
       ai.first_seen_day,
       ai.initial_ask,
       ai.current_ask,
       ai.n_price_changes,
       ai.days_on_market,
       ai.listing_age_days,
       ai.ptv_ratio,
       ai.ptv_bucket,
       ai.median_ask_latest,
       ai.ask_to_median_latest,
       ai.median_sold_price,
       ai.speed_n_sales,
       ai.speed_median_days,
       ai.speed_p25_days,
       ai.speed_p75_days,
       ai.speed_sold_to_ask,
       ai.ai_price_z,
       ai.ai_expected_days,
       COALESCE(pc.super_metro, ci.super_metro, 'unknown') AS super_metro,
       f.n_snapshots,
       b.duration_days <= 7 AS sold_fast_hint,
       ob.ob_active_at_start,
       ob.ob_avg_ask_at_start,
       ob.ob_sell_through,
       ob.ob_price_rank
FROM ml.tom_features_v1_enriched_ai_clean_mv ai
JOIN ml.tom_features_v1_mv f ON f.listing_id = ai.listing_id
JOIN ml.tom_labels_v1_mv b ON b.listing_id = ai.listing_id
JOIN ml.tom_ob_features_v1_mv ob ON ob.listing_id = ai.listing_id
CROSS JOIN (SELECT r.release_id FROM ref.geo_mapping_release r WHERE r.is_current) cr
LEFT JOIN ref.postal_code_to_super_metro pc ON pc.release_id = cr.release_id AND pc.postal_code = f.postal_code
LEFT JOIN ref.city_to_super_metro ci ON ci.release_id = cr.release_id AND ci.city = f.city
WITH NO DATA;

COMMENT ON MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_mv IS 'Legacy v2: AI-clean features with order book features.';

-- socio: v2 + the latest socio-economic vintage of the super metro.
CREATE MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_socio_mv AS
SELECT v.*,
       se.median_income AS socio_median_income,
       se.population AS socio_population,
       se.unemployment_rate AS socio_unemployment_rate,
       se.smartphone_penetration AS socio_smartphone_penetration
FROM ml.tom_features_v2_enriched_ai_ob_clean_mv v
LEFT JOIN (
    SELECT DISTINCT ON (s.super_metro) s.*
    FROM src.socio_economic s
    ORDER BY s.super_metro, s.valid_from DESC
) se ON se.super_metro = v.super_metro
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v2_enriched_ai_ob_clean_socio_mv_key
    ON ml.tom_features_v2_enriched_ai_ob_clean_socio_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_socio_mv IS 'Legacy v2 + latest socio-economic vintage.';

-- socio+market: socio + the latest market stats of the generation.
CREATE MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv AS
SELECT so.*,
       ms.active_listings AS market_active_listings,
       ms.new_listings AS market_new_listings,
       ms.median_ask AS market_median_ask,
       ms.search_volume AS market_search_volume
FROM ml.tom_features_v2_enriched_ai_ob_clean_socio_mv so
LEFT JOIN src.market_stats ms
       ON ms.generation = so.generation
      AND ms.day = (SELECT max(x.day) FROM src.market_stats x)
WITH NO DATA;

CREATE UNIQUE INDEX tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv_key
    ON ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv (listing_id);

COMMENT ON MATERIALIZED VIEW ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv IS
  'Legacy v2 + socio + latest market stats.';

-- Entry view of the legacy training set.
CREATE VIEW ml.tom_train_legacy_v AS
SELECT t.*
FROM ml.tom_features_v2_enriched_ai_ob_clean_socio_market_v1_mv t;

COMMENT ON VIEW ml.tom_train_legacy_v IS 'Legacy training set (not T0-safe; kept for comparison).';
