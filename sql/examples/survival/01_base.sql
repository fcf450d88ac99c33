-- Survival / time-on-market example: base tables and synthetic data generator.
--
-- A marketplace of used iPhone listings. Schema src holds what ingestion and
-- normalization write (listings, daily ask snapshots, sales = the labels, image
-- features, damage detections, device meta, socio-economic and market stats, and
-- the per-feed ingestion batch log). Schema ref holds the released geo mappings.
-- Schema ml holds the feature pipelines (02_t0_pipeline.sql, 03_legacy_pipeline.sql)
-- and two small pricing functions both pipelines share.
--
-- Load once into a fresh database, then fill with SELECT src.generate_data(10000).
-- Plain SQL, no psql meta-commands, no dependency on the mvcert extension.

CREATE SCHEMA src;
CREATE SCHEMA ref;
CREATE SCHEMA ml;

COMMENT ON SCHEMA src IS 'Ingested and normalized marketplace data (survival example).';
COMMENT ON SCHEMA ref IS 'Reference data released by the geo team (survival example).';
COMMENT ON SCHEMA ml IS 'Feature pipelines built on src and ref (survival example).';

-- ---------------------------------------------------------------------------
-- Ingestion bookkeeping: one row per feed and batch day. A refresh scheduler
-- skips the run when a required feed of the batch did not succeed.
-- ---------------------------------------------------------------------------
CREATE TABLE src.ingestion_batch (
    feed        text      NOT NULL,
    batch_day   date      NOT NULL,
    status      text      NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    finished_at timestamp,
    PRIMARY KEY (feed, batch_day)
);

-- ---------------------------------------------------------------------------
-- Device catalog: one row per model and storage size.
-- ---------------------------------------------------------------------------
CREATE TABLE src.device_models (
    model       text         NOT NULL,
    storage_gb  integer      NOT NULL,
    generation  integer      NOT NULL,
    model_tier  text         NOT NULL CHECK (model_tier IN ('mini', 'base', 'plus', 'pro', 'pro_max')),
    release_day date         NOT NULL,
    msrp        numeric(8,2) NOT NULL,
    PRIMARY KEY (model, storage_gb)
);

-- ---------------------------------------------------------------------------
-- Listings as normalized by ingestion. first_seen_day and ask_price are known
-- when the listing appears; last_seen_day and status are current state that
-- ingestion keeps updating (not usable as features at listing time).
-- ---------------------------------------------------------------------------
CREATE TABLE src.listings (
    listing_id     bigint        PRIMARY KEY,
    seller_id      bigint        NOT NULL,
    generation     integer       NOT NULL,
    model          text          NOT NULL,
    storage_gb     integer       NOT NULL,
    condition      text          NOT NULL CHECK (condition IN ('new', 'like_new', 'good', 'fair', 'poor')),
    city           text,
    postal_code    text,
    first_seen_day date          NOT NULL,
    ask_price      numeric(10,2) NOT NULL,
    spam_score     numeric(5,4)  NOT NULL,
    last_seen_day  date          NOT NULL,
    status         text          NOT NULL CHECK (status IN ('active', 'sold', 'withdrawn'))
);
CREATE INDEX listings_first_seen_day_idx ON src.listings (first_seen_day);
CREATE INDEX listings_seller_idx ON src.listings (seller_id, first_seen_day);

-- One row per listing and day it was seen listed, with the ask of that day.
CREATE TABLE src.ask_snapshots (
    listing_id bigint        NOT NULL,
    day        date          NOT NULL,
    ask_price  numeric(10,2) NOT NULL,
    PRIMARY KEY (listing_id, day)
);

-- Sales: the survival labels (event = sold, time = sold_day - first_seen_day).
CREATE TABLE src.sales (
    listing_id bigint        PRIMARY KEY,
    sold_day   date          NOT NULL,
    sold_price numeric(10,2) NOT NULL
);
CREATE INDEX sales_sold_day_idx ON src.sales (sold_day);

-- Image features from the vision pipeline. captured_at is when the photo was
-- uploaded or crawled; processed_day is when its features became available.
CREATE TABLE src.listing_images (
    image_id      bigint       PRIMARY KEY,
    listing_id    bigint       NOT NULL,
    image_no      integer      NOT NULL,
    image_hash    text         NOT NULL,
    source_kind   text         NOT NULL CHECK (source_kind IN ('seller_upload', 'crawler')),
    captured_at   timestamp    NOT NULL,
    processed_day date         NOT NULL,
    quality_score numeric(5,4) NOT NULL,
    sharpness     numeric(5,4) NOT NULL,
    brightness    numeric(5,4) NOT NULL
);
CREATE INDEX listing_images_listing_idx ON src.listing_images (listing_id);

-- Damage detections per image (zero or more per image).
CREATE TABLE src.damage_detections (
    detection_id bigint       PRIMARY KEY,
    image_id     bigint       NOT NULL,
    listing_id   bigint       NOT NULL,
    damage_type  text         NOT NULL,
    confidence   numeric(5,4) NOT NULL,
    detected_day date         NOT NULL
);
CREATE INDEX damage_detections_image_idx ON src.damage_detections (image_id);

-- Device meta reported by the seller app (may arrive after the listing appears).
CREATE TABLE src.device_meta (
    listing_id     bigint  PRIMARY KEY,
    battery_health integer NOT NULL,
    color          text    NOT NULL,
    carrier_locked boolean NOT NULL,
    imei_checked   boolean NOT NULL,
    reported_day   date    NOT NULL
);

-- Socio-economic indicators per super metro, in vintages valid from a day on.
CREATE TABLE src.socio_economic (
    super_metro            text          NOT NULL,
    valid_from             date          NOT NULL,
    median_income          numeric(10,2) NOT NULL,
    population             integer       NOT NULL,
    unemployment_rate      numeric(5,4)  NOT NULL,
    smartphone_penetration numeric(5,4)  NOT NULL,
    PRIMARY KEY (super_metro, valid_from)
);

-- Market statistics per day and generation, published at the end of the day.
CREATE TABLE src.market_stats (
    day             date          NOT NULL,
    generation      integer       NOT NULL,
    active_listings integer       NOT NULL,
    new_listings    integer       NOT NULL,
    median_ask      numeric(10,2),
    search_volume   integer       NOT NULL,
    PRIMARY KEY (day, generation)
);

-- ---------------------------------------------------------------------------
-- Geo reference data: each release is a full mapping; the newest one that was
-- released on or before a day is the one in effect on that day.
-- ---------------------------------------------------------------------------
CREATE TABLE ref.geo_mapping_release (
    release_id   integer PRIMARY KEY,
    released_day date    NOT NULL UNIQUE,
    is_current   boolean NOT NULL,
    note         text
);

CREATE TABLE ref.postal_code_to_super_metro (
    release_id  integer NOT NULL REFERENCES ref.geo_mapping_release,
    postal_code text    NOT NULL,
    super_metro text    NOT NULL,
    PRIMARY KEY (release_id, postal_code)
);

CREATE TABLE ref.city_to_super_metro (
    release_id  integer NOT NULL REFERENCES ref.geo_mapping_release,
    city        text    NOT NULL,
    super_metro text    NOT NULL,
    PRIMARY KEY (release_id, city)
);

-- ---------------------------------------------------------------------------
-- Pricing functions shared by both pipelines (pure: no clock, no tables).
-- ---------------------------------------------------------------------------

-- Expected resale value of a device on a day: MSRP depreciated by 28% a year
-- since release. The "value" in price-to-value (ptv).
CREATE FUNCTION ml.depreciated_value(p_msrp numeric, p_release_day date, p_day date)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.round((p_msrp::double precision
         * pg_catalog.power(0.72::double precision, (p_day - p_release_day)::double precision / 365.25))::numeric, 2)
$$;
COMMENT ON FUNCTION ml.depreciated_value(numeric, date, date) IS
  'Expected resale value: MSRP depreciated by 28% a year since release, as of the given day.';

-- Price-to-value bucket: 0 below 0.6, 1..4 in steps of 0.2, 5 at or above 1.4.
CREATE FUNCTION ml.ptv_bucket(p_ptv_ratio numeric)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT pg_catalog.width_bucket(p_ptv_ratio, 0.6, 1.4, 4)
$$;
COMMENT ON FUNCTION ml.ptv_bucket(numeric) IS
  'Price-to-value bucket of an ask/value ratio: 0 below 0.6, 1..4 in steps of 0.2, 5 at or above 1.4.';

-- Storage bucket used to pool speed statistics.
CREATE FUNCTION ml.storage_bucket(p_storage_gb integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN p_storage_gb <= 64 THEN 's064'
              WHEN p_storage_gb <= 128 THEN 's128'
              WHEN p_storage_gb <= 256 THEN 's256'
              ELSE 's512' END
$$;
COMMENT ON FUNCTION ml.storage_bucket(integer) IS
  'Storage bucket (s064, s128, s256, s512) used to pool speed statistics.';

-- ---------------------------------------------------------------------------
-- Synthetic data
-- ---------------------------------------------------------------------------

-- Deterministic uniform number in [0, 1) for a key, a stream and a seed. The
-- generator draws every random attribute from this instead of random(), so the
-- data depend only on (p_listings, p_seed), never on plan or evaluation order.
CREATE FUNCTION src.unit_hash(p_key bigint, p_stream integer, p_seed double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (pg_catalog.hashint8extended(p_key, p_stream::bigint * 1000003 + (p_seed * 1000000000)::bigint)
          & 9007199254740991)::double precision / 9007199254740992.0
$$;
COMMENT ON FUNCTION src.unit_hash(bigint, integer, double precision) IS
  'Deterministic uniform number in [0, 1) for (key, stream, seed); the generator''s source of randomness.';

-- Replaces the contents of every src and ref table with a synthetic marketplace
-- of p_listings listings first seen over the 180 days ending 2026-06-30:
-- about 25 ask snapshots per listing, about 60% sold, images for about 80% of
-- listings (some processed too late for the image SLA), damage detections, device
-- meta, two geo mapping releases (the second on 2026-03-15), two socio-economic
-- vintages and daily market stats. The same arguments always give the same data.
CREATE FUNCTION src.generate_data(p_listings integer, p_seed double precision DEFAULT 0.42)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_end_day   constant date := date '2026-06-30';
    v_start_day constant date := date '2026-06-30' - 179;
    v_metros    constant text[] := ARRAY[
        'Bay Area', 'Los Angeles', 'New York', 'Chicago', 'Dallas-Fort Worth', 'Houston',
        'Washington DC', 'Miami', 'Atlanta', 'Boston', 'Seattle', 'Phoenix'];
    -- three cities per super metro, in the order of v_metros
    v_cities    constant text[] := ARRAY[
        'San Francisco', 'Oakland', 'San Jose',
        'Los Angeles', 'Long Beach', 'Pasadena',
        'New York', 'Newark', 'Yonkers',
        'Chicago', 'Evanston', 'Naperville',
        'Dallas', 'Fort Worth', 'Arlington',
        'Houston', 'Sugar Land', 'The Woodlands',
        'Washington', 'Alexandria', 'Bethesda',
        'Miami', 'Fort Lauderdale', 'Hialeah',
        'Atlanta', 'Marietta', 'Decatur',
        'Boston', 'Cambridge', 'Quincy',
        'Seattle', 'Bellevue', 'Tacoma',
        'Phoenix', 'Mesa', 'Scottsdale'];
    v_colors    constant text[] := ARRAY['black', 'white', 'blue', 'red', 'green', 'purple', 'gold', 'silver'];
    v_sellers   integer;
    v_models    integer;
BEGIN
    IF p_listings IS NULL OR p_listings < 1 THEN
        RAISE EXCEPTION 'p_listings must be a positive number of listings, got %', p_listings
            USING HINT = 'Call for example SELECT src.generate_data(10000).';
    END IF;
    IF p_seed IS NULL OR p_seed < -1 OR p_seed > 1 THEN
        RAISE EXCEPTION 'p_seed must be between -1 and 1, got %', p_seed
            USING HINT = 'Use the default 0.42 or any other value in [-1, 1], as for setseed().';
    END IF;
    v_sellers := greatest(10, p_listings / 3);

    TRUNCATE src.ingestion_batch, src.device_models, src.listings, src.ask_snapshots, src.sales,
             src.listing_images, src.damage_detections, src.device_meta, src.socio_economic,
             src.market_stats, ref.postal_code_to_super_metro, ref.city_to_super_metro,
             ref.geo_mapping_release;

    -- Geo: release 2 adds the third city of every metro and postal codes ending
    -- in 8, and moves postal codes ending in 9 to the neighbouring metro.
    INSERT INTO ref.geo_mapping_release (release_id, released_day, is_current, note)
    VALUES (1, date '2025-09-01', false, 'initial mapping'),
           (2, date '2026-03-15', true, 'new suburbs and postal codes; border postal codes remapped');

    INSERT INTO ref.city_to_super_metro (release_id, city, super_metro)
    SELECT r.release_id, c.city, v_metros[((c.ord - 1) / 3 + 1)::integer]
    FROM pg_catalog.unnest(v_cities) WITH ORDINALITY AS c (city, ord)
    CROSS JOIN (VALUES (1), (2)) AS r (release_id)
    WHERE r.release_id = 2 OR c.ord % 3 <> 0;

    INSERT INTO ref.postal_code_to_super_metro (release_id, postal_code, super_metro)
    SELECT r.release_id, (10000 + c.ord * 100 + k.k)::text,
           CASE WHEN r.release_id = 2 AND k.k = 9
                THEN v_metros[(((c.ord - 1) / 3 + 1) % 12 + 1)::integer]
                ELSE v_metros[((c.ord - 1) / 3 + 1)::integer] END
    FROM pg_catalog.unnest(v_cities) WITH ORDINALITY AS c (city, ord)
    CROSS JOIN pg_catalog.generate_series(0, 9) AS k (k)
    CROSS JOIN (VALUES (1), (2)) AS r (release_id)
    WHERE r.release_id = 2 OR k.k <> 8;

    -- Device catalog: MSRP grows by 100 per storage step.
    INSERT INTO src.device_models (model, storage_gb, generation, model_tier, release_day, msrp)
    SELECT m.model, s.storage_gb, m.generation, m.model_tier, m.release_day, m.base_msrp + 100 * (s.ord - 1)
    FROM (VALUES
        ('iPhone 11',          11, 'base',    date '2019-09-20',  699, ARRAY[64, 128, 256]),
        ('iPhone 11 Pro',      11, 'pro',     date '2019-09-20',  999, ARRAY[64, 256, 512]),
        ('iPhone 11 Pro Max',  11, 'pro_max', date '2019-09-20', 1099, ARRAY[64, 256, 512]),
        ('iPhone 12 mini',     12, 'mini',    date '2020-11-13',  699, ARRAY[64, 128, 256]),
        ('iPhone 12',          12, 'base',    date '2020-10-23',  799, ARRAY[64, 128, 256]),
        ('iPhone 12 Pro',      12, 'pro',     date '2020-10-23',  999, ARRAY[128, 256, 512]),
        ('iPhone 12 Pro Max',  12, 'pro_max', date '2020-11-13', 1099, ARRAY[128, 256, 512]),
        ('iPhone 13 mini',     13, 'mini',    date '2021-09-24',  699, ARRAY[128, 256, 512]),
        ('iPhone 13',          13, 'base',    date '2021-09-24',  799, ARRAY[128, 256, 512]),
        ('iPhone 13 Pro',      13, 'pro',     date '2021-09-24',  999, ARRAY[128, 256, 512, 1024]),
        ('iPhone 13 Pro Max',  13, 'pro_max', date '2021-09-24', 1099, ARRAY[128, 256, 512, 1024]),
        ('iPhone 14',          14, 'base',    date '2022-09-16',  799, ARRAY[128, 256, 512]),
        ('iPhone 14 Plus',     14, 'plus',    date '2022-10-07',  899, ARRAY[128, 256, 512]),
        ('iPhone 14 Pro',      14, 'pro',     date '2022-09-16',  999, ARRAY[128, 256, 512, 1024]),
        ('iPhone 14 Pro Max',  14, 'pro_max', date '2022-09-16', 1099, ARRAY[128, 256, 512, 1024]),
        ('iPhone 15',          15, 'base',    date '2023-09-22',  799, ARRAY[128, 256, 512]),
        ('iPhone 15 Plus',     15, 'plus',    date '2023-09-22',  899, ARRAY[128, 256, 512]),
        ('iPhone 15 Pro',      15, 'pro',     date '2023-09-22',  999, ARRAY[128, 256, 512, 1024]),
        ('iPhone 15 Pro Max',  15, 'pro_max', date '2023-09-22', 1199, ARRAY[256, 512, 1024]),
        ('iPhone 16',          16, 'base',    date '2024-09-20',  799, ARRAY[128, 256, 512]),
        ('iPhone 16 Plus',     16, 'plus',    date '2024-09-20',  899, ARRAY[128, 256, 512]),
        ('iPhone 16 Pro',      16, 'pro',     date '2024-09-20',  999, ARRAY[128, 256, 512, 1024]),
        ('iPhone 16 Pro Max',  16, 'pro_max', date '2024-09-20', 1199, ARRAY[256, 512, 1024])
    ) AS m (model, generation, model_tier, release_day, base_msrp, storages)
    CROSS JOIN LATERAL pg_catalog.unnest(m.storages) WITH ORDINALITY AS s (storage_gb, ord);
    SELECT pg_catalog.count(*) INTO v_models FROM src.device_models;

    -- Listings. Newer models are listed more often; overpriced listings take
    -- longer to sell; about 72% of listings would sell, the rest are withdrawn,
    -- and listings whose exit lies after the horizon are still active.
    INSERT INTO src.listings (listing_id, seller_id, generation, model, storage_gb, condition, city,
                              postal_code, first_seen_day, ask_price, spam_score, last_seen_day, status)
    WITH catalog AS (
        SELECT m.*, pg_catalog.row_number() OVER (ORDER BY m.generation, m.model, m.storage_gb)::integer AS idx
        FROM src.device_models m
    ), draw AS (
        SELECT g.i::bigint AS listing_id,
               src.unit_hash(g.i, 1, p_seed)  AS u_model,
               src.unit_hash(g.i, 2, p_seed)  AS u_day,
               src.unit_hash(g.i, 3, p_seed)  AS u_cond,
               src.unit_hash(g.i, 4, p_seed)  AS u_price,
               src.unit_hash(g.i, 5, p_seed)  AS u_geo,
               src.unit_hash(g.i, 6, p_seed)  AS u_geo_gap,
               src.unit_hash(g.i, 7, p_seed)  AS u_seller,
               src.unit_hash(g.i, 8, p_seed)  AS u_spam,
               src.unit_hash(g.i, 9, p_seed)  AS u_dur,
               src.unit_hash(g.i, 10, p_seed) AS u_sell
        FROM pg_catalog.generate_series(1, p_listings) AS g (i)
    ), shaped AS (
        SELECT d.*, c.model, c.storage_gb, c.generation, c.release_day, c.msrp,
               v_start_day + least(179, floor(d.u_day * 180)::integer) AS first_seen_day,
               CASE WHEN d.u_cond < 0.08 THEN 'new'
                    WHEN d.u_cond < 0.33 THEN 'like_new'
                    WHEN d.u_cond < 0.73 THEN 'good'
                    WHEN d.u_cond < 0.93 THEN 'fair'
                    ELSE 'poor' END AS condition,
               1 + least(35, floor(d.u_geo * 36)::integer) AS city_ord,
               floor(d.u_geo * 360)::integer % 10 AS postal_suffix,
               0.75 + 0.55 * d.u_price AS price_position,
               1 + floor(pg_catalog.power(d.u_seller, 2) * v_sellers)::bigint AS seller_id
        FROM draw d
        JOIN catalog c ON c.idx = 1 + least(v_models - 1, floor(pg_catalog.power(d.u_model, 0.7) * v_models)::integer)
    ), priced AS (
        SELECT s.*,
               pg_catalog.round(ml.depreciated_value(s.msrp, s.release_day, s.first_seen_day)
                   * CASE s.condition WHEN 'new' THEN 1.0 WHEN 'like_new' THEN 0.92 WHEN 'good' THEN 0.85
                                      WHEN 'fair' THEN 0.74 ELSE 0.6 END
                   * s.price_position::numeric, 0) AS ask_price,
               -- days until the listing leaves the market (sold or withdrawn)
               greatest(1, least(170, ceil(-ln(1 - s.u_dur)
                   * 20 * exp(2.5 * (s.price_position - 1.0)) * (1 + 0.1 * (16 - s.generation) / 5.0)
                   * CASE WHEN s.u_sell < 0.72 THEN 1.0 ELSE 1.4 END)))::integer AS exit_after
        FROM shaped s
    )
    SELECT p.listing_id, p.seller_id, p.generation, p.model, p.storage_gb, p.condition,
           CASE WHEN p.u_geo_gap < 0.01 THEN NULL ELSE v_cities[p.city_ord] END,
           CASE WHEN p.u_geo_gap < 0.08 THEN NULL ELSE (10000 + p.city_ord * 100 + p.postal_suffix)::text END,
           p.first_seen_day,
           greatest(20, p.ask_price),
           CASE WHEN p.seller_id % 53 = 0 THEN pg_catalog.round((0.85 + 0.15 * p.u_spam)::numeric, 4)
                ELSE pg_catalog.round(pg_catalog.power(p.u_spam, 6)::numeric, 4) END,
           least(p.first_seen_day + p.exit_after - 1, v_end_day),
           CASE WHEN p.first_seen_day + p.exit_after > v_end_day THEN 'active'
                WHEN p.u_sell < 0.72 THEN 'sold'
                ELSE 'withdrawn' END
    FROM priced p;
    ANALYZE src.listings;

    -- Daily asks from first to last seen day; some sellers cut the price weekly.
    INSERT INTO src.ask_snapshots (listing_id, day, ask_price)
    SELECT l.listing_id, l.first_seen_day + o.k,
           pg_catalog.round(l.ask_price * greatest(0.5, 1 - r.drop_rate * (o.k / 7)), 0)
    FROM src.listings l
    CROSS JOIN LATERAL (
        SELECT CASE WHEN u.u < 0.4 THEN 0 ELSE pg_catalog.round((0.01 + 0.04 * u.u)::numeric, 4) END AS drop_rate
        FROM (SELECT src.unit_hash(l.listing_id, 11, p_seed) AS u) AS u
    ) AS r
    CROSS JOIN LATERAL pg_catalog.generate_series(0, l.last_seen_day - l.first_seen_day) AS o (k);
    ANALYZE src.ask_snapshots;

    -- Sales at 90-98% of the last ask, the day after the listing was last seen.
    INSERT INTO src.sales (listing_id, sold_day, sold_price)
    SELECT l.listing_id, l.last_seen_day + 1,
           pg_catalog.round(a.ask_price * (0.90 + 0.08 * src.unit_hash(l.listing_id, 12, p_seed))::numeric, 0)
    FROM src.listings l
    JOIN src.ask_snapshots a ON a.listing_id = l.listing_id AND a.day = l.last_seen_day
    WHERE l.status = 'sold';

    -- Images for about 80% of listings, 1 to 5 each. Most are captured on the
    -- first day and processed the same day; some are added later, some wait in
    -- the processing queue, and on outage days the whole queue is 2 days late.
    INSERT INTO src.listing_images (image_id, listing_id, image_no, image_hash, source_kind, captured_at,
                                    processed_day, quality_score, sharpness, brightness)
    WITH img AS (
        SELECT l.listing_id, k.k AS image_no, l.listing_id * 10 + k.k AS image_id,
               l.first_seen_day
                 + CASE WHEN src.unit_hash(l.listing_id * 10 + k.k, 21, p_seed) < 0.1
                        THEN 1 + floor(src.unit_hash(l.listing_id * 10 + k.k, 22, p_seed) * 10)::integer
                        ELSE 0 END
                 + pg_catalog.make_interval(mins => floor(src.unit_hash(l.listing_id * 10 + k.k, 23, p_seed) * 1380)::integer)
                 AS captured_at,
               src.unit_hash(l.listing_id * 10 + k.k, 24, p_seed) AS u_lag,
               src.unit_hash(l.listing_id * 10 + k.k, 25, p_seed) AS u_quality,
               src.unit_hash(l.listing_id * 10 + k.k, 26, p_seed) AS u_sharp,
               src.unit_hash(l.listing_id * 10 + k.k, 27, p_seed) AS u_bright,
               src.unit_hash(l.listing_id * 10 + k.k, 28, p_seed) AS u_dup,
               src.unit_hash(l.listing_id * 10 + k.k, 29, p_seed) AS u_source
        FROM src.listings l
        CROSS JOIN LATERAL pg_catalog.generate_series(1, 1 + floor(src.unit_hash(l.listing_id, 20, p_seed) * 5)::integer) AS k (k)
        WHERE src.unit_hash(l.listing_id, 19, p_seed) < 0.8
    )
    SELECT i.image_id, i.listing_id, i.image_no,
           'img-' || i.listing_id || '-' || CASE WHEN i.image_no > 1 AND i.u_dup < 0.06 THEN i.image_no - 1 ELSE i.image_no END,
           CASE WHEN i.u_source < 0.85 THEN 'seller_upload' ELSE 'crawler' END,
           i.captured_at,
           i.captured_at::date
             + CASE WHEN i.u_lag < 0.84 THEN 0
                    WHEN i.u_lag < 0.93 THEN 1
                    ELSE 2 + floor((i.u_lag - 0.93) / 0.07 * 4)::integer END
             + CASE WHEN src.unit_hash(i.captured_at::date - date '2000-01-01', 30, p_seed) < 0.07 THEN 2 ELSE 0 END,
           pg_catalog.round((CASE WHEN i.u_source < 0.85 THEN 0.35 + 0.6 * i.u_quality ELSE 0.2 + 0.5 * i.u_quality END)::numeric, 4),
           pg_catalog.round((0.3 + 0.69 * i.u_sharp)::numeric, 4),
           pg_catalog.round((0.2 + 0.75 * i.u_bright)::numeric, 4)
    FROM img i;

    -- Damage detections: more for worse conditions.
    INSERT INTO src.damage_detections (detection_id, image_id, listing_id, damage_type, confidence, detected_day)
    SELECT i.image_id * 10 + j.j, i.image_id, i.listing_id,
           CASE WHEN t.u < 0.35 THEN 'scratch'
                WHEN t.u < 0.60 THEN 'screen_crack'
                WHEN t.u < 0.75 THEN 'back_crack'
                WHEN t.u < 0.90 THEN 'dent'
                ELSE 'camera_damage' END,
           pg_catalog.round((0.30 + 0.69 * src.unit_hash(i.image_id * 10 + j.j, 32, p_seed))::numeric, 4),
           i.processed_day
    FROM src.listing_images i
    JOIN src.listings l ON l.listing_id = i.listing_id
    CROSS JOIN LATERAL pg_catalog.generate_series(1, floor(2 * src.unit_hash(i.image_id, 31, p_seed)
        * CASE l.condition WHEN 'new' THEN 0.05 WHEN 'like_new' THEN 0.2 WHEN 'good' THEN 0.5
                           WHEN 'fair' THEN 1.1 ELSE 2.0 END)::integer) AS j (j)
    CROSS JOIN LATERAL (SELECT src.unit_hash(i.image_id * 10 + j.j, 33, p_seed) AS u) AS t;

    -- Device meta; about 12% is reported a few days after the listing appears.
    INSERT INTO src.device_meta (listing_id, battery_health, color, carrier_locked, imei_checked, reported_day)
    SELECT l.listing_id,
           least(100, greatest(60, pg_catalog.round(100 - (l.first_seen_day - m.release_day) / 365.25 * 5
                                      - 10 * src.unit_hash(l.listing_id, 40, p_seed))))::integer,
           v_colors[1 + least(7, floor(src.unit_hash(l.listing_id, 41, p_seed) * 8)::integer)],
           src.unit_hash(l.listing_id, 42, p_seed) < 0.15,
           src.unit_hash(l.listing_id, 43, p_seed) < 0.70,
           l.first_seen_day
             + CASE WHEN src.unit_hash(l.listing_id, 44, p_seed) < 0.88 THEN 0
                    ELSE 1 + floor(src.unit_hash(l.listing_id, 45, p_seed) * 7)::integer END
    FROM src.listings l
    JOIN src.device_models m ON m.model = l.model AND m.storage_gb = l.storage_gb;

    -- Socio-economic vintages per super metro.
    INSERT INTO src.socio_economic (super_metro, valid_from, median_income, population, unemployment_rate,
                                    smartphone_penetration)
    SELECT mt.super_metro, v.valid_from,
           pg_catalog.round((52000 + 48000 * src.unit_hash(mt.ord, 50, p_seed))::numeric * v.growth, 2),
           (1500000 + floor(7500000 * src.unit_hash(mt.ord, 51, p_seed)) * v.growth)::integer,
           pg_catalog.round((0.028 + 0.04 * src.unit_hash(mt.ord * 10 + v.vintage, 52, p_seed))::numeric, 4),
           pg_catalog.round((0.78 + 0.17 * src.unit_hash(mt.ord, 53, p_seed))::numeric * v.growth, 4)
    FROM pg_catalog.unnest(v_metros) WITH ORDINALITY AS mt (super_metro, ord)
    CROSS JOIN (VALUES (1, date '2025-01-01', 1.0), (2, date '2026-04-01', 1.03)) AS v (vintage, valid_from, growth);

    -- Market stats per day and generation, derived from what was listed that day.
    INSERT INTO src.market_stats (day, generation, active_listings, new_listings, median_ask, search_volume)
    WITH active AS (
        SELECT a.day, l.generation, pg_catalog.count(*) AS n,
               pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ask_price) AS median_ask
        FROM src.ask_snapshots a
        JOIN src.listings l ON l.listing_id = a.listing_id
        GROUP BY a.day, l.generation
    ), fresh AS (
        SELECT l.first_seen_day AS day, l.generation, pg_catalog.count(*) AS n
        FROM src.listings l
        GROUP BY l.first_seen_day, l.generation
    )
    SELECT d.day, g.generation, coalesce(a.n, 0), coalesce(f.n, 0),
           pg_catalog.round(a.median_ask::numeric, 2),
           floor(coalesce(a.n, 0) * (8 + 4 * src.unit_hash((d.day - v_start_day) * 100 + g.generation, 60, p_seed)))::integer
    FROM (SELECT v_start_day + k AS day FROM pg_catalog.generate_series(0, 179) AS k) AS d
    CROSS JOIN (SELECT DISTINCT generation FROM src.device_models) AS g
    LEFT JOIN active a ON a.day = d.day AND a.generation = g.generation
    LEFT JOIN fresh f ON f.day = d.day AND f.generation = g.generation;

    -- Every feed of every batch day committed.
    INSERT INTO src.ingestion_batch (feed, batch_day, status, finished_at)
    SELECT f.feed, v_start_day + k, 'succeeded', (v_start_day + k) + time '23:30'
    FROM pg_catalog.unnest(ARRAY['listings', 'ask_snapshots', 'sales', 'listing_images', 'damage_detections',
                                 'device_meta', 'market_stats']) AS f (feed)
    CROSS JOIN pg_catalog.generate_series(0, 179) AS k;

    ANALYZE src.ingestion_batch, src.device_models, src.sales, src.listing_images, src.damage_detections,
            src.device_meta, src.socio_economic, src.market_stats, ref.postal_code_to_super_metro,
            ref.city_to_super_metro, ref.geo_mapping_release;
END
$$;
COMMENT ON FUNCTION src.generate_data(integer, double precision) IS
  'Replaces all src and ref data with a deterministic synthetic marketplace of p_listings listings over the 180 days ending 2026-06-30.';
