-- What each materialized view's inputs looked like when mvcert last refreshed it
-- successfully: one jsonb object per input relation of its closure (statistics counters,
-- relfilenode, size, definition hash, ...) plus database-wide facts (stats reset time,
-- server start). Written in the refresh's own transaction, so a refresh that rolls back
-- leaves the previous fingerprint. Compared by the engine to skip views whose inputs are
-- unchanged; audit._inputs_fingerprint computes it.
CREATE TABLE audit.input_fingerprint (
    matview         text PRIMARY KEY,
    matview_oid     oid NOT NULL,
    fingerprint     jsonb NOT NULL,
    run_id          bigint,
    step_id         bigint,
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- Rows after the last successful refresh, exact, and what makes the next count cheap: the
    -- relfilenode and the cumulative inserted+deleted counter the view will have once that
    -- refresh's statistics are flushed. If both still match, no one changed the view since, and
    -- a CONCURRENTLY refresh's rows are these plus its own inserts minus its own deletes.
    rows_after      bigint,
    rows_relfilenode oid,
    rows_changes    bigint
);
-- by oid: refresh steps and the change-detection trigger find a view's row without its name
CREATE INDEX input_fingerprint_matview_oid_idx ON audit.input_fingerprint (matview_oid);
COMMENT ON TABLE audit.input_fingerprint IS
  'Per materialized view: the fingerprint of its inputs at its last successful mvcert refresh (skip-unchanged).';
