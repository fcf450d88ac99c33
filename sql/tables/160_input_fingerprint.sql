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
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE audit.input_fingerprint IS
  'Per materialized view: the fingerprint of its inputs at its last successful mvcert refresh (skip-unchanged).';
