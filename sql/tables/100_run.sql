-- One row per run: a refresh of one target's closure and its certification (mode incremental
-- or atomic), or a certification alone (mode certify). Written by the engine through audit
-- functions; SQL clients and dashboards read it. status is how the run ended, in the one
-- vocabulary mvcert uses everywhere (the engine's RunOutcome, the queue's request status):
--   running         not ended yet
--   certified       refreshed (or nothing needed it) and certified
--   not_certified   refreshed, but certification failed (or the closure changed while it ran)
--   refresh_failed  a refresh step failed (an atomic run then published nothing)
--   skipped         not run: a required feed failed, a circuit breaker is open
--   cancelled       stopped by a shutdown or a signal
--   abandoned       its executor died (no heartbeat within the lease)
CREATE TABLE audit.run (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    mode            text NOT NULL,
    status          text NOT NULL DEFAULT 'running',
    requested_by    text NOT NULL DEFAULT SESSION_USER,
    -- The queue request this run serves, if it came through audit.request_run (the only link
    -- between the two: a request's outcome is its run's status).
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
    CONSTRAINT run_mode_known CHECK (mode IN ('incremental', 'atomic', 'certify')),
    CONSTRAINT run_status_known
        CHECK (status IN ('running', 'certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled', 'abandoned')),
    CONSTRAINT run_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX run_target_started_idx ON audit.run (target, started_at DESC);
CREATE INDEX run_running_idx ON audit.run (target) WHERE status = 'running';
CREATE INDEX run_request_idx ON audit.run (request_id) WHERE request_id IS NOT NULL;
COMMENT ON TABLE audit.run IS 'Run history: one row per refresh run of a target (start, end, status, executor, heartbeat).';
