-- One row per run: a refresh (and, for atomic runs, certification) of one target's closure.
-- Written by the engine through audit functions; SQL clients and dashboards read it.
CREATE TABLE audit.run (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    mode            text NOT NULL,
    status          text NOT NULL DEFAULT 'running',
    requested_by    text NOT NULL DEFAULT SESSION_USER,
    -- The queue request this run serves, if it came through audit.request_run.
    request_id      bigint,
    -- Who executes it: 'agent:<name>' for an agent, 'backend' for PL/Java or psql.
    executor        text NOT NULL DEFAULT 'backend',
    backend_pid     integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    -- Liveness: the executor moves heartbeat_at forward; a running run whose heartbeat is
    -- older than lease is abandoned (its executor died) and its target may run again.
    heartbeat_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    lease           interval NOT NULL DEFAULT interval '5 minutes',
    -- Why the run ended the way it did (skip reason, failing view, abandonment).
    reason          text,
    -- Materialized views of the closure left stale by this run (failed or skipped steps).
    stale_views     text[] NOT NULL DEFAULT '{}',
    -- Materialized views skipped because they need a maintenance-window rebuild
    -- (an invalid unique index outside the target's maintenance window).
    needs_maintenance text[] NOT NULL DEFAULT '{}',
    CONSTRAINT run_mode_known CHECK (mode IN ('incremental', 'atomic')),
    CONSTRAINT run_status_known CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'cancelled')),
    CONSTRAINT run_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX run_target_started_idx ON audit.run (target, started_at DESC);
CREATE INDEX run_running_idx ON audit.run (target) WHERE status = 'running';
COMMENT ON TABLE audit.run IS 'Run history: one row per refresh run of a target (start, end, status, executor, heartbeat).';
