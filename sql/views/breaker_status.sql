-- Circuit breakers as health checks and dashboards want them: one row per materialized view
-- that has a breaker row, with the policy in force (the view's own, else '*', else the
-- built-in default) and when an open breaker will allow its trial. Views without a row are
-- closed. audit.health joins this on matview.
CREATE VIEW audit.breaker_status AS
SELECT b.matview,
       b.state,
       b.state OPERATOR(pg_catalog.<>) 'closed'          AS is_open,
       b.consecutive_failures,
       coalesce(p.failure_threshold, 3)                 AS failure_threshold,
       coalesce(p.cool_down, interval '15 minutes')     AS cool_down,
       b.opened_at,
       CASE WHEN b.state OPERATOR(pg_catalog.=) 'open'
            THEN b.opened_at OPERATOR(pg_catalog.+) coalesce(p.cool_down, interval '15 minutes') END AS trial_after,
       b.trial_started_at,
       b.last_failure_at,
       b.last_error,
       b.last_success_at,
       b.reset_at,
       b.reset_by,
       b.updated_at
  FROM audit.breaker b
  LEFT JOIN LATERAL (
        SELECT bp.failure_threshold, bp.cool_down
          FROM audit.breaker_policy bp
         WHERE bp.scope OPERATOR(pg_catalog.=) b.matview OR bp.scope OPERATOR(pg_catalog.=) '*'
         ORDER BY bp.scope OPERATOR(pg_catalog.=) '*'
         LIMIT 1) p ON true;
COMMENT ON VIEW audit.breaker_status IS
  'Circuit breaker per materialized view with its policy: state, is_open, failures, threshold, cool-down, trial_after, last error.';
