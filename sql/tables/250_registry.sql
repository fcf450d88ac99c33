-- The certification registry: the current status of each certified target, read by the
-- gates (audit.require_certified, audit.require_certified_strict) and audit.health.
-- Written only by audit._publish_certification and audit.mark_stale (SECURITY DEFINER).
CREATE TABLE audit.registry (
    target                      text PRIMARY KEY,
    status                      text NOT NULL,
    status_since                timestamptz NOT NULL,
    -- The last certification that passed (NULL: never certified).
    certified_at                timestamptz,
    certified_certification_id  bigint,
    certified_run_id            bigint,
    -- The latest certification, whatever its outcome.
    last_certification_id       bigint NOT NULL,
    last_certification_at       timestamptz NOT NULL,
    last_run_id                 bigint,
    failing_checks              text[] NOT NULL DEFAULT '{}',
    failure_detail              text,
    stale_reason                text,
    -- md5 over the definition hashes of the closure at the last passing certification.
    closure_hash                text,
    -- md5 over the dataset hashes of the configured days at the last passing certification.
    dataset_hash                text,
    -- Statistics reset time of the database when certified: a later reset fails the strict gate.
    stats_reset                 timestamptz,
    -- The oid of the target relation when its latest certification was published. The name
    -- stays the key (a dump and restore changes oids); guarded views match both, so their
    -- fast path never takes another relation's row for theirs.
    target_oid                  oid,
    -- The change-detection triggers at the last passing certification (audit._change_detection_state,
    -- NULL when change detection was off): while they are unchanged, every REFRESH of a closure
    -- view since then moved the target out of CERTIFIED, and the strict gate relies on that.
    change_detection            text,
    CONSTRAINT registry_status_known CHECK (status IN ('CERTIFIED', 'FAILED', 'STALE'))
);
-- Each object of the closure as certified: what the strict gate compares (definition hash
-- of views, materialized views and functions; storage and modification counters of
-- materialized views: modifications counts every row written, rolled-back work included) and what a change to any of them (tables and indexes included)
-- invalidates.
CREATE TABLE audit.certified_object (
    target              text NOT NULL REFERENCES audit.registry (target) ON DELETE CASCADE,
    object              text NOT NULL,
    kind                text NOT NULL,
    objid               oid NOT NULL,
    definition_hash     text,
    relfilenode         oid,
    modifications       bigint,
    -- the catalog of objid (pg_class or pg_proc): what the change-detection triggers look up
    classid             oid NOT NULL DEFAULT 'pg_catalog.pg_class'::pg_catalog.regclass,
    -- materialized views (audit._matview_counters at certification): committed inserts, updates
    -- and deletes since the last ANALYZE, and how often the view had been analyzed. Rows
    -- written since certification (modifications) count as changed only when they committed.
    committed_modifications bigint,
    analyze_count       bigint,
    PRIMARY KEY (target, object)
);
-- The change-detection triggers ask, for every DDL statement and REFRESH in the database,
-- whether the object belongs to a certified closure: an index lookup, nothing more.
CREATE INDEX certified_object_objid_idx ON audit.certified_object (objid, classid);
COMMENT ON TABLE audit.registry IS
  'Certification registry: current status (CERTIFIED/FAILED/STALE) per target; written by certification only.';
COMMENT ON TABLE audit.certified_object IS
  'State of each closure object at the last passing certification, compared by audit.require_certified_strict.';
