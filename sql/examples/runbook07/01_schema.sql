-- Runbook 07 example: the three casework materialized views, their base tables
-- and a synthetic data generator.
--
-- Schema casework holds what ingestion and normalization write: entities
-- (people and organizations), program registrations, documents, required
-- document types per program, encounters at service sites and entity-match
-- candidates from the resolution job. The three views of runbook 07 live in
-- schema public under the names the runbook uses, each with a unique index so
-- REFRESH ... CONCURRENTLY applies; they are independent of one another.
-- public.casework_export_v is the export job's entry view over all three.
--
-- Load once into a fresh database, then fill with SELECT casework.generate_data(10000).
-- Plain SQL, no psql meta-commands, no dependency on the mvcert extension.

CREATE SCHEMA casework;
COMMENT ON SCHEMA casework IS 'Ingested and normalized casework data (runbook 07 example).';

-- One row per feed and batch day; refreshes are skipped when a required feed failed.
CREATE TABLE casework.ingestion_batch (
    feed        text      NOT NULL,
    batch_day   date      NOT NULL,
    status      text      NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    finished_at timestamp,
    PRIMARY KEY (feed, batch_day)
);

CREATE TABLE casework.entities (
    entity_id       bigint  PRIMARY KEY,
    entity_kind     text    NOT NULL CHECK (entity_kind IN ('person', 'organization')),
    full_name       text    NOT NULL,
    normalized_name text    NOT NULL,
    birth_year      integer,
    country         text    NOT NULL,
    created_day     date    NOT NULL
);
CREATE INDEX entities_normalized_name_idx ON casework.entities (normalized_name);

CREATE TABLE casework.document_types (
    doc_type      text    PRIMARY KEY,
    description   text    NOT NULL,
    validity_days integer
);

CREATE TABLE casework.required_document_types (
    program     text NOT NULL,
    entity_kind text NOT NULL CHECK (entity_kind IN ('person', 'organization')),
    doc_type    text NOT NULL REFERENCES casework.document_types,
    PRIMARY KEY (program, entity_kind, doc_type)
);

CREATE TABLE casework.registrations (
    registration_id bigint PRIMARY KEY,
    entity_id       bigint NOT NULL REFERENCES casework.entities,
    program         text   NOT NULL,
    registered_day  date   NOT NULL,
    expires_day     date   NOT NULL,
    status          text   NOT NULL CHECK (status IN ('active', 'expired', 'withdrawn'))
);
CREATE INDEX registrations_entity_idx ON casework.registrations (entity_id);

CREATE TABLE casework.documents (
    document_id  bigint PRIMARY KEY,
    entity_id    bigint NOT NULL REFERENCES casework.entities,
    doc_type     text   NOT NULL REFERENCES casework.document_types,
    received_day date   NOT NULL,
    status       text   NOT NULL CHECK (status IN ('accepted', 'rejected', 'pending')),
    valid_until  date
);
CREATE INDEX documents_entity_idx ON casework.documents (entity_id, doc_type);

CREATE TABLE casework.encounters (
    encounter_id  bigint PRIMARY KEY,
    entity_id     bigint NOT NULL REFERENCES casework.entities,
    site          text   NOT NULL,
    encounter_day date   NOT NULL
);
CREATE INDEX encounters_entity_idx ON casework.encounters (entity_id);

-- Pairs the resolution job thinks may be the same entity; decision is NULL until reviewed.
CREATE TABLE casework.entity_match_candidates (
    candidate_id    bigint       PRIMARY KEY,
    left_entity_id  bigint       NOT NULL REFERENCES casework.entities,
    right_entity_id bigint       NOT NULL REFERENCES casework.entities,
    score           numeric(5,4) NOT NULL,
    method          text         NOT NULL,
    proposed_day    date         NOT NULL,
    decision        text         CHECK (decision IN ('merge', 'reject')),
    CHECK (left_entity_id < right_entity_id)
);

-- ---------------------------------------------------------------------------
-- The three views of runbook 07, cheapest first.
-- ---------------------------------------------------------------------------

-- Open match candidates in the grey zone (0.6 <= score < 0.95), with the
-- evidence a reviewer looks at, in review order.
CREATE MATERIALIZED VIEW public.mv_entity_resolution_review_queue AS
SELECT c.candidate_id,
       c.left_entity_id,
       c.right_entity_id,
       c.score,
       c.method,
       c.proposed_day,
       l.full_name AS left_name,
       r.full_name AS right_name,
       l.birth_year IS NOT DISTINCT FROM r.birth_year AS same_birth_year,
       l.country = r.country AS same_country,
       left(l.normalized_name, 4) = left(r.normalized_name, 4) AS same_name_prefix,
       count(*) OVER (PARTITION BY c.left_entity_id) AS open_candidates_left,
       rank() OVER (ORDER BY c.score DESC, c.candidate_id) AS review_rank
FROM casework.entity_match_candidates c
JOIN casework.entities l ON l.entity_id = c.left_entity_id
JOIN casework.entities r ON r.entity_id = c.right_entity_id
WHERE c.decision IS NULL
  AND c.score >= 0.6
  AND c.score < 0.95
WITH NO DATA;

CREATE UNIQUE INDEX mv_entity_resolution_review_queue_key
    ON public.mv_entity_resolution_review_queue (candidate_id);

COMMENT ON MATERIALIZED VIEW public.mv_entity_resolution_review_queue IS
  'Open entity-match candidates with 0.6 <= score < 0.95, with review evidence and rank.';

-- Entities (resolved across merged or near-certain duplicates) seen at least
-- twice at a site while no registration of theirs covered the day.
CREATE MATERIALIZED VIEW public.mv_probable_unregistered_returners AS
WITH resolved AS (
    SELECT c.right_entity_id AS entity_id, min(c.left_entity_id) AS cluster_id
    FROM casework.entity_match_candidates c
    WHERE c.decision = 'merge' OR (c.decision IS NULL AND c.score >= 0.95)
    GROUP BY c.right_entity_id
), cluster_registrations AS (
    SELECT COALESCE(m.cluster_id, r.entity_id) AS cluster_id, r.registered_day, r.expires_day
    FROM casework.registrations r
    LEFT JOIN resolved m ON m.entity_id = r.entity_id
    WHERE r.status <> 'withdrawn'
), cluster_encounters AS (
    SELECT COALESCE(m.cluster_id, e.entity_id) AS cluster_id, e.entity_id, e.encounter_id, e.site, e.encounter_day
    FROM casework.encounters e
    LEFT JOIN resolved m ON m.entity_id = e.entity_id
), checked AS (
    -- an encounter is registered if any registration of its cluster covers the day
    SELECT ce.cluster_id, ce.entity_id, ce.encounter_id, ce.site, ce.encounter_day,
           bool_or(cr.cluster_id IS NOT NULL) AS registered
    FROM cluster_encounters ce
    LEFT JOIN cluster_registrations cr
           ON cr.cluster_id = ce.cluster_id
          AND ce.encounter_day BETWEEN cr.registered_day AND cr.expires_day
    GROUP BY ce.cluster_id, ce.entity_id, ce.encounter_id, ce.site, ce.encounter_day
)
SELECT ch.cluster_id AS entity_id,
       count(DISTINCT ch.entity_id) AS n_entity_records,
       count(*) AS n_encounters,
       count(*) FILTER (WHERE NOT ch.registered) AS n_unregistered_encounters,
       count(DISTINCT ch.site) AS n_sites,
       min(ch.encounter_day) FILTER (WHERE NOT ch.registered) AS first_unregistered_day,
       max(ch.encounter_day) FILTER (WHERE NOT ch.registered) AS last_unregistered_day
FROM checked ch
GROUP BY ch.cluster_id
HAVING count(*) FILTER (WHERE NOT ch.registered) >= 2
WITH NO DATA;

CREATE UNIQUE INDEX mv_probable_unregistered_returners_key
    ON public.mv_probable_unregistered_returners (entity_id);

COMMENT ON MATERIALIZED VIEW public.mv_probable_unregistered_returners IS
  'Resolved entities seen at least twice while no registration covered the day.';

-- For every active registration, each document its program requires from
-- this kind of entity that has no accepted document valid during the
-- registration; with the submission history for the caseworker.
CREATE MATERIALIZED VIEW public.mv_missing_required_documents AS
SELECT r.registration_id,
       rd.doc_type,
       r.entity_id,
       e.entity_kind,
       r.program,
       r.registered_day,
       r.expires_day,
       count(d.document_id) AS n_submissions,
       count(d.document_id) FILTER (WHERE d.status = 'rejected') AS n_rejected,
       count(d.document_id) FILTER (WHERE d.status = 'pending') AS n_pending,
       count(d.document_id) FILTER (WHERE d.status = 'accepted') AS n_accepted_outside_validity,
       max(d.received_day) AS last_submission_day
FROM casework.registrations r
JOIN casework.entities e ON e.entity_id = r.entity_id
JOIN casework.required_document_types rd ON rd.program = r.program AND rd.entity_kind = e.entity_kind
LEFT JOIN casework.documents d ON d.entity_id = r.entity_id AND d.doc_type = rd.doc_type
WHERE r.status = 'active'
GROUP BY r.registration_id, rd.doc_type, r.entity_id, e.entity_kind, r.program, r.registered_day, r.expires_day
HAVING count(d.document_id) FILTER (WHERE d.status = 'accepted'
                                      AND d.received_day <= r.expires_day
                                      AND (d.valid_until IS NULL OR d.valid_until >= r.registered_day)) = 0
WITH NO DATA;

CREATE UNIQUE INDEX mv_missing_required_documents_key
    ON public.mv_missing_required_documents (registration_id, doc_type);

COMMENT ON MATERIALIZED VIEW public.mv_missing_required_documents IS
  'Required documents without an accepted, valid document, per active registration.';

-- Entry view of the export job: one work item per row of the three views.
CREATE VIEW public.casework_export_v AS
SELECT 'missing_document'::text AS item_kind,
       m.entity_id,
       m.registration_id AS item_id,
       m.program || ': ' || m.doc_type AS detail,
       m.registered_day AS item_day
FROM public.mv_missing_required_documents m
UNION ALL
SELECT 'unregistered_returner'::text,
       u.entity_id,
       u.entity_id,
       u.n_unregistered_encounters || ' unregistered encounters at ' || u.n_sites || ' sites',
       u.last_unregistered_day
FROM public.mv_probable_unregistered_returners u
UNION ALL
SELECT 'match_review'::text,
       q.left_entity_id,
       q.candidate_id,
       'candidate ' || q.right_entity_id || ' score ' || q.score,
       q.proposed_day
FROM public.mv_entity_resolution_review_queue q;

COMMENT ON VIEW public.casework_export_v IS
  'Export entry view: missing documents, unregistered returners and match reviews as work items.';

-- ---------------------------------------------------------------------------
-- Synthetic data
-- ---------------------------------------------------------------------------

-- Deterministic uniform number in [0, 1) for a key, a stream and a seed; the
-- generator draws from this instead of random() so the data depend only on
-- the arguments, never on plan or evaluation order.
CREATE FUNCTION casework.unit_hash(p_key bigint, p_stream integer, p_seed double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT (pg_catalog.hashint8extended(p_key, p_stream::bigint * 1000003 + (p_seed * 1000000000)::bigint)
          & 9007199254740991)::double precision / 9007199254740992.0
$$;
COMMENT ON FUNCTION casework.unit_hash(bigint, integer, double precision) IS
  'Deterministic uniform number in [0, 1) for (key, stream, seed); the generator''s source of randomness.';

-- Replaces the contents of every casework table with p_entities entities
-- created over the two years ending 2026-06-30: about 8% duplicates of an
-- earlier entity (with match candidates, some reviewed), 0-2 registrations
-- each, most required documents submitted, and encounters at service sites.
-- The same arguments always give the same data.
CREATE FUNCTION casework.generate_data(p_entities integer, p_seed double precision DEFAULT 0.42)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_end_day   constant date := date '2026-06-30';
    v_days      constant integer := 730;
    v_first     constant text[] := ARRAY['Ana', 'Ben', 'Carla', 'David', 'Elena', 'Farid', 'Grace', 'Hugo',
                                         'Ines', 'Jonas', 'Kira', 'Luis', 'Maya', 'Nikolai', 'Olga', 'Pavel',
                                         'Quinn', 'Rosa', 'Samir', 'Tara', 'Umar', 'Vera', 'Wen', 'Yusuf'];
    v_last      constant text[] := ARRAY['Alvarez', 'Baker', 'Chen', 'Diallo', 'Evans', 'Fischer', 'Garcia',
                                         'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'Lopez', 'Moreau', 'Nguyen',
                                         'Okafor', 'Petrov', 'Rossi', 'Silva', 'Tanaka', 'Weber'];
    v_countries constant text[] := ARRAY['DE', 'FR', 'ES', 'IT', 'PL', 'UA', 'SY', 'NG'];
    v_sites     constant text[] := ARRAY['north_center', 'south_center', 'harbor_clinic', 'central_station',
                                         'east_library', 'west_shelter', 'mobile_unit_1', 'mobile_unit_2'];
    v_programs  constant text[] := ARRAY['housing', 'food_support', 'job_training', 'health'];
BEGIN
    IF p_entities IS NULL OR p_entities < 1 THEN
        RAISE EXCEPTION 'p_entities must be a positive number of entities, got %', p_entities
            USING HINT = 'Call for example SELECT casework.generate_data(10000).';
    END IF;
    IF p_seed IS NULL OR p_seed < -1 OR p_seed > 1 THEN
        RAISE EXCEPTION 'p_seed must be between -1 and 1, got %', p_seed
            USING HINT = 'Use the default 0.42 or any other value in [-1, 1], as for setseed().';
    END IF;

    TRUNCATE casework.ingestion_batch, casework.entity_match_candidates, casework.encounters,
             casework.documents, casework.registrations, casework.required_document_types,
             casework.document_types, casework.entities;

    INSERT INTO casework.document_types (doc_type, description, validity_days)
    VALUES ('id_card', 'Identity card or passport', 3650),
           ('residence_permit', 'Residence permit', 730),
           ('proof_of_address', 'Proof of address', 180),
           ('income_statement', 'Income statement', 365),
           ('medical_certificate', 'Medical certificate', 365),
           ('bank_statement', 'Bank statement', 90),
           ('registration_certificate', 'Company registration certificate', NULL),
           ('tax_id', 'Tax identification', NULL);

    INSERT INTO casework.required_document_types (program, entity_kind, doc_type)
    VALUES ('housing', 'person', 'id_card'), ('housing', 'person', 'proof_of_address'),
           ('housing', 'person', 'income_statement'), ('housing', 'person', 'residence_permit'),
           ('food_support', 'person', 'id_card'), ('food_support', 'person', 'income_statement'),
           ('job_training', 'person', 'id_card'), ('job_training', 'person', 'residence_permit'),
           ('health', 'person', 'id_card'), ('health', 'person', 'medical_certificate'),
           ('housing', 'organization', 'registration_certificate'), ('housing', 'organization', 'tax_id'),
           ('food_support', 'organization', 'registration_certificate'),
           ('food_support', 'organization', 'bank_statement'),
           ('job_training', 'organization', 'registration_certificate'), ('job_training', 'organization', 'tax_id'),
           ('health', 'organization', 'registration_certificate');

    -- Entities. A duplicate copies the identity (person_key) of an earlier
    -- entity, sometimes with a spelling variant or a birth year off by one.
    INSERT INTO casework.entities (entity_id, entity_kind, full_name, normalized_name, birth_year, country, created_day)
    WITH draw AS (
        SELECT g.i::bigint AS entity_id,
               CASE WHEN g.i > 1 AND casework.unit_hash(g.i, 1, p_seed) < 0.08
                    THEN 1 + floor(casework.unit_hash(g.i, 2, p_seed) * (g.i - 1))::bigint
                    ELSE g.i::bigint END AS person_key,
               casework.unit_hash(g.i, 3, p_seed) AS u_variant,
               casework.unit_hash(g.i, 4, p_seed) AS u_day
        FROM pg_catalog.generate_series(1, p_entities) AS g (i)
    ), identity AS (
        SELECT d.*,
               casework.unit_hash(d.person_key, 5, p_seed) < 0.1 AS is_org,
               v_first[1 + floor(casework.unit_hash(d.person_key, 6, p_seed) * 24)::integer] AS first_name,
               v_last[1 + floor(casework.unit_hash(d.person_key, 7, p_seed) * 20)::integer] AS last_name,
               1940 + floor(casework.unit_hash(d.person_key, 8, p_seed) * 66)::integer AS birth_year,
               v_countries[1 + floor(casework.unit_hash(d.person_key, 9, p_seed) * 8)::integer] AS country
        FROM draw d
    )
    SELECT i.entity_id,
           CASE WHEN i.is_org THEN 'organization' ELSE 'person' END,
           CASE WHEN i.is_org THEN i.last_name || ' & ' || i.first_name || ' Services'
                WHEN i.person_key <> i.entity_id AND i.u_variant < 0.3 THEN upper(i.first_name) || ' ' || i.last_name
                WHEN i.person_key <> i.entity_id AND i.u_variant < 0.6 THEN i.first_name || ' ' || i.last_name || 'e'
                ELSE i.first_name || ' ' || i.last_name END,
           lower(CASE WHEN i.is_org THEN i.last_name || ' ' || i.first_name || ' services'
                      WHEN i.person_key <> i.entity_id AND i.u_variant >= 0.3 AND i.u_variant < 0.6
                      THEN i.first_name || ' ' || i.last_name || 'e'
                      ELSE i.first_name || ' ' || i.last_name END),
           CASE WHEN i.is_org THEN NULL
                WHEN i.person_key <> i.entity_id AND i.u_variant >= 0.9 THEN i.birth_year + 1
                ELSE i.birth_year END,
           i.country,
           v_end_day - v_days + floor(i.u_day * v_days)::integer
    FROM identity i;

    -- Match candidates: every duplicate against its original, plus false
    -- positives between unrelated entities; about 40% already reviewed.
    INSERT INTO casework.entity_match_candidates (candidate_id, left_entity_id, right_entity_id, score, method,
                                                   proposed_day, decision)
    WITH pairs AS (
        SELECT least(t.entity_id, t.original_id) AS left_id, greatest(t.entity_id, t.original_id) AS right_id,
               t.is_true, t.u
        FROM (
            SELECT e.entity_id,
                   1 + floor(casework.unit_hash(e.entity_id, 2, p_seed) * (e.entity_id - 1))::bigint AS original_id,
                   true AS is_true,
                   casework.unit_hash(e.entity_id, 20, p_seed) AS u
            FROM casework.entities e
            WHERE e.entity_id > 1 AND casework.unit_hash(e.entity_id, 1, p_seed) < 0.08
            UNION ALL
            SELECT e.entity_id,
                   1 + floor(casework.unit_hash(e.entity_id, 21, p_seed) * (e.entity_id - 1))::bigint,
                   false,
                   casework.unit_hash(e.entity_id, 22, p_seed)
            FROM casework.entities e
            WHERE e.entity_id > 1 AND casework.unit_hash(e.entity_id, 23, p_seed) < 0.05
        ) AS t
        WHERE t.original_id <> t.entity_id
    ), distinct_pairs AS (
        SELECT DISTINCT ON (p.left_id, p.right_id) p.*
        FROM pairs p
        ORDER BY p.left_id, p.right_id, p.is_true DESC
    )
    SELECT pg_catalog.row_number() OVER (ORDER BY d.left_id, d.right_id),
           d.left_id, d.right_id,
           pg_catalog.round((CASE WHEN d.is_true THEN 0.70 + 0.29 * d.u ELSE 0.45 + 0.40 * d.u END)::numeric, 4),
           CASE WHEN d.u < 0.5 THEN 'name_birth_year' ELSE 'name_country' END,
           greatest(r.created_day, l.created_day) + 1 + floor(casework.unit_hash(d.right_id, 24, p_seed) * 14)::integer,
           CASE WHEN casework.unit_hash(d.right_id * 7 + d.left_id, 25, p_seed) >= 0.4 THEN NULL
                WHEN d.is_true THEN 'merge'
                ELSE 'reject' END
    FROM distinct_pairs d
    JOIN casework.entities l ON l.entity_id = d.left_id
    JOIN casework.entities r ON r.entity_id = d.right_id;

    -- Registrations: 0 to 2 per entity, one year each.
    INSERT INTO casework.registrations (registration_id, entity_id, program, registered_day, expires_day, status)
    SELECT e.entity_id * 10 + k.k,
           e.entity_id,
           v_programs[1 + floor(casework.unit_hash(e.entity_id * 10 + k.k, 30, p_seed) * 4)::integer],
           x.registered_day,
           x.registered_day + 365,
           CASE WHEN casework.unit_hash(e.entity_id * 10 + k.k, 32, p_seed) < 0.05 THEN 'withdrawn'
                WHEN x.registered_day + 365 >= v_end_day THEN 'active'
                ELSE 'expired' END
    FROM casework.entities e
    CROSS JOIN LATERAL pg_catalog.generate_series(1, floor(casework.unit_hash(e.entity_id, 29, p_seed) * 2.4)::integer) AS k (k)
    CROSS JOIN LATERAL (
        SELECT least(v_end_day, e.created_day
                     + floor(casework.unit_hash(e.entity_id * 10 + k.k, 31, p_seed) * 400)::integer) AS registered_day
    ) AS x;

    -- Documents for the required types of each registration: about 85%
    -- submitted; 80% accepted, 12% rejected, 8% pending; some rejected ones
    -- are submitted again and accepted.
    INSERT INTO casework.documents (document_id, entity_id, doc_type, received_day, status, valid_until)
    WITH required AS (
        SELECT r.registration_id, r.entity_id, r.registered_day, rd.doc_type, dt.validity_days,
               pg_catalog.row_number() OVER (PARTITION BY r.registration_id ORDER BY rd.doc_type) AS doc_no
        FROM casework.registrations r
        JOIN casework.entities e ON e.entity_id = r.entity_id
        JOIN casework.required_document_types rd ON rd.program = r.program AND rd.entity_kind = e.entity_kind
        JOIN casework.document_types dt ON dt.doc_type = rd.doc_type
    ), submitted AS (
        SELECT q.*, (q.registration_id * 10 + q.doc_no) * 10 AS base_id,
               casework.unit_hash(q.registration_id * 10 + q.doc_no, 41, p_seed) AS u_status,
               q.registered_day + floor(casework.unit_hash(q.registration_id * 10 + q.doc_no, 42, p_seed) * 30)::integer
                   AS received_day
        FROM required q
        WHERE casework.unit_hash(q.registration_id * 10 + q.doc_no, 40, p_seed) < 0.85
    )
    SELECT s.base_id + 1, s.entity_id, s.doc_type, s.received_day,
           CASE WHEN s.u_status < 0.80 THEN 'accepted' WHEN s.u_status < 0.92 THEN 'rejected' ELSE 'pending' END,
           s.received_day + s.validity_days
    FROM submitted s
    UNION ALL
    SELECT s.base_id + 2, s.entity_id, s.doc_type, s.received_day + 10, 'accepted', s.received_day + 10 + s.validity_days
    FROM submitted s
    WHERE s.u_status >= 0.80 AND s.u_status < 0.86;

    -- Encounters: 0 to 4 per entity at service sites.
    INSERT INTO casework.encounters (encounter_id, entity_id, site, encounter_day)
    SELECT e.entity_id * 10 + k.k,
           e.entity_id,
           v_sites[1 + floor(casework.unit_hash(e.entity_id * 10 + k.k, 51, p_seed) * 8)::integer],
           least(v_end_day, e.created_day + floor(casework.unit_hash(e.entity_id * 10 + k.k, 52, p_seed) * 500)::integer)
    FROM casework.entities e
    CROSS JOIN LATERAL pg_catalog.generate_series(1, floor(casework.unit_hash(e.entity_id, 50, p_seed) * 5)::integer) AS k (k);

    -- Every feed of the last 30 batch days committed.
    INSERT INTO casework.ingestion_batch (feed, batch_day, status, finished_at)
    SELECT f.feed, v_end_day - k, 'succeeded', (v_end_day - k) + time '23:30'
    FROM pg_catalog.unnest(ARRAY['entities', 'registrations', 'documents', 'encounters',
                                 'entity_match_candidates']) AS f (feed)
    CROSS JOIN pg_catalog.generate_series(0, 29) AS k;

    ANALYZE casework.ingestion_batch, casework.entities, casework.document_types,
            casework.required_document_types, casework.registrations, casework.documents,
            casework.encounters, casework.entity_match_candidates;
END
$$;
COMMENT ON FUNCTION casework.generate_data(integer, double precision) IS
  'Replaces all casework data with a deterministic synthetic set of p_entities entities over the two years ending 2026-06-30.';
