-- Circuit-breaker state per materialized view, in the database so every agent and SQL client
-- sees the same thing. closed: refresh normally; open: skip until the cool-down has passed;
-- half_open: one trial refresh is running (trial_started_at), everyone else skips.
-- A view without a row is closed.
CREATE TABLE audit.breaker (
    matview                 text PRIMARY KEY,
    state                   text NOT NULL DEFAULT 'closed',
    consecutive_failures    integer NOT NULL DEFAULT 0,
    opened_at               timestamptz,
    trial_started_at        timestamptz,
    last_failure_at         timestamptz,
    last_error              text,
    last_success_at         timestamptz,
    reset_at                timestamptz,
    reset_by                text,
    updated_at              timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT breaker_state_known CHECK (state IN ('closed', 'open', 'half_open')),
    CONSTRAINT breaker_failures_nonneg CHECK (consecutive_failures >= 0),
    CONSTRAINT breaker_open_since CHECK (state = 'closed' OR opened_at IS NOT NULL),
    CONSTRAINT breaker_trial_when_half_open CHECK ((state = 'half_open') = (trial_started_at IS NOT NULL))
);
COMMENT ON TABLE audit.breaker IS
  'Circuit breaker per materialized view (closed / open / half_open), shared by all agents; see audit.breaker_status.';
