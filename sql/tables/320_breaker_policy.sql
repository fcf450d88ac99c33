-- Circuit-breaker settings. scope is '*' (the default for every view), a target (applies to
-- the views refreshed for it) or a materialized view (that view only); the most specific row
-- wins. With no row at all the built-in default is 3 consecutive failed runs, 15 minutes.
CREATE TABLE audit.breaker_policy (
    scope               text PRIMARY KEY,
    failure_threshold   integer NOT NULL,
    cool_down           interval NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_by          text NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT breaker_policy_threshold_positive CHECK (failure_threshold >= 1),
    CONSTRAINT breaker_policy_cool_down_positive CHECK (cool_down > interval '0')
);
COMMENT ON TABLE audit.breaker_policy IS
  'Circuit-breaker policy: failures that open a breaker and cool-down before a trial; scope ''*'', a target or a materialized view.';
