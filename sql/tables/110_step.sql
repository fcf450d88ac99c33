-- One row per attempt to refresh one materialized view within a run: what runbook 07 asks
-- to observe (start/end, duration, rows after refresh, run id, query id, error class,
-- retry count) plus the mode used and why a step was skipped.
CREATE TABLE audit.step (
    step_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES audit.run (run_id) ON DELETE CASCADE,
    matview         text NOT NULL,
    plan_step       integer,
    plan_level      integer,
    -- 'concurrently' | 'plain' | 'rebuild' as planned and as actually used.
    planned_mode    text,
    mode_used       text,
    attempt         integer NOT NULL DEFAULT 1,
    retry_count     integer GENERATED ALWAYS AS (attempt - 1) STORED,
    status          text NOT NULL DEFAULT 'running',
    skip_reason     text,
    -- Why the engine refreshed or skipped, in words (e.g. which input changed).
    decision        text,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    duration        interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    rows_after      bigint,
    -- pg_stat_activity.query_id of the REFRESH statement (compute_query_id = on).
    query_id        bigint,
    -- audit.refresh_lock_key(matview): the advisory lock the step held (or lost).
    lock_key        bigint,
    backend_pid     integer,
    error_class     text,
    retryable       boolean,
    sqlstate        text,
    error_message   text,
    CONSTRAINT step_status_known CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'cancelled')),
    CONSTRAINT step_attempt_positive CHECK (attempt >= 1)
);
CREATE INDEX step_run_idx ON audit.step (run_id);
CREATE INDEX step_matview_started_idx ON audit.step (matview, started_at DESC);
COMMENT ON TABLE audit.step IS 'Refresh step history: one row per attempt to refresh one materialized view in a run.';
