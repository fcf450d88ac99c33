-- The run queue: one row per request to refresh (or certify) a target, from pg_cron, psql or
-- the CLI. Agents claim queued rows with FOR UPDATE SKIP LOCKED. Every request stays here and
-- says how it ended, so nothing asked for is ever silently lost: a request that arrives while
-- an equal one (same target and mode) is still queued is recorded as 'coalesced', pointing at
-- the request that will serve it. The run that served a request points at it
-- (audit.run.request_id); a finished request's status is that run's status (the run outcome
-- vocabulary: certified, not_certified, refresh_failed, skipped, cancelled, abandoned), or
-- 'error' when no run could start.
CREATE TABLE audit.run_request (
    request_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    mode            text NOT NULL DEFAULT 'incremental',
    requested_by    text NOT NULL DEFAULT SESSION_USER,
    reason          text,
    requested_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    status          text NOT NULL DEFAULT 'queued',
    -- For status 'coalesced': the queued request that serves this one.
    coalesced_into  bigint REFERENCES audit.run_request (request_id) ON DELETE SET NULL,
    claimed_by      text,
    claimed_at      timestamptz,
    finished_at     timestamptz,
    -- How it ended, in words (the run's reason, an error, abandonment, coalescing).
    outcome         text,
    CONSTRAINT run_request_mode_known CHECK (mode IN ('incremental', 'atomic', 'certify')),
    CONSTRAINT run_request_status_known
        CHECK (status IN ('queued', 'claimed', 'coalesced', 'error',
                          'certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled', 'abandoned')),
    -- (coalesced_into may become NULL when history purge removes the serving request)
    CONSTRAINT run_request_coalesced_points CHECK (status = 'coalesced' OR coalesced_into IS NULL),
    CONSTRAINT run_request_claimed_has_agent CHECK (status <> 'claimed' OR claimed_by IS NOT NULL),
    CONSTRAINT run_request_finished_when_done
        CHECK ((status IN ('queued', 'claimed')) = (finished_at IS NULL))
);
-- At most one queued request per target and mode: the queue never stacks up (coalescing
-- relies on this index to be safe under concurrent request_run calls).
CREATE UNIQUE INDEX run_request_one_queued_idx ON audit.run_request (target, mode) WHERE status = 'queued';
CREATE INDEX run_request_open_idx ON audit.run_request (requested_at, request_id) WHERE status IN ('queued', 'claimed');
CREATE INDEX run_request_target_idx ON audit.run_request (target, requested_at DESC);
COMMENT ON TABLE audit.run_request IS
  'Run queue: one row per requested run (queued, claimed, coalesced, then its run''s outcome, or error); agents claim with SKIP LOCKED.';
