-- A target is a view or materialized view whose closure mvcert refreshes and certifies,
-- and the policy that governs it. Keyed by the schema-qualified, quoted name
-- (format('%I.%I')), so rows survive pg_dump/restore where OIDs do not.
CREATE TABLE audit.target (
    target                      text PRIMARY KEY,
    description                 text,
    -- Freshness the gate and health use when the caller gives none.
    max_age                     interval NOT NULL DEFAULT interval '24 hours',
    -- Exports are allowed while the target is certified and younger than this.
    export_max_age              interval NOT NULL DEFAULT interval '24 hours',
    -- Per-step limits applied with SET LOCAL around each refresh.
    statement_timeout           interval NOT NULL DEFAULT interval '30 minutes',
    lock_timeout                interval NOT NULL DEFAULT interval '10 seconds',
    -- Daily maintenance window (server time zone) in which plain refreshes and
    -- index rebuilds are allowed. NULL start: no window.
    maintenance_window_start    time,
    maintenance_window_length   interval,
    -- Policy override: refresh with plain REFRESH even when CONCURRENTLY is possible.
    prefer_plain                boolean NOT NULL DEFAULT false,
    -- Historical-day column of the target, used by dataset hashing.
    day_column                  text,
    registered_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by               text NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT target_max_age_positive CHECK (max_age > interval '0'),
    CONSTRAINT target_export_max_age_positive CHECK (export_max_age > interval '0'),
    CONSTRAINT target_statement_timeout_nonneg CHECK (statement_timeout >= interval '0'),
    CONSTRAINT target_lock_timeout_nonneg CHECK (lock_timeout >= interval '0'),
    CONSTRAINT target_window_complete CHECK ((maintenance_window_start IS NULL) = (maintenance_window_length IS NULL)),
    CONSTRAINT target_window_length CHECK (maintenance_window_length > interval '0' AND maintenance_window_length <= interval '24 hours')
);
COMMENT ON TABLE audit.target IS 'Registered targets of mvcert and their refresh and freshness policy.';
