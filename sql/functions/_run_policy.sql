-- What a run needs to know about its target, read once when the run starts: the canonical
-- name (bad input gets audit._require_view's error naming it), the per-step timeouts as
-- setting values, prefer_plain, skip_unchanged, whether its maintenance window is open now,
-- fail_fast, the target's defaults for run mode and step order, whether it is registered
-- (a view that is not runs with the defaults of audit.target, and cannot be certified), and
-- whether a certification of it ever passed (an atomic run of a target never certified has no
-- certified snapshot to keep readers on, so it publishes what it refreshed), and what keeps
-- its required feeds from being ready (audit.feed_problems, one line; NULL when they are).
CREATE FUNCTION audit._run_policy(p_target regclass)
RETURNS TABLE (target text, statement_timeout text, lock_timeout text, prefer_plain boolean, skip_unchanged boolean,
               in_maintenance_window boolean, fail_fast boolean, run_mode text, step_order text, registered boolean,
               ever_certified boolean, feed_problem text)
LANGUAGE sql
STABLE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT v.name,
           (EXTRACT(epoch FROM COALESCE(t.statement_timeout, interval '30 minutes')) OPERATOR(pg_catalog.*) 1000)::bigint::text
               OPERATOR(pg_catalog.||) 'ms',
           (EXTRACT(epoch FROM COALESCE(t.lock_timeout, interval '10 seconds')) OPERATOR(pg_catalog.*) 1000)::bigint::text
               OPERATOR(pg_catalog.||) 'ms',
           COALESCE(t.prefer_plain, false),
           COALESCE(t.skip_unchanged, true),
           audit.in_maintenance_window(p_target),
           COALESCE(t.fail_fast, false),
           COALESCE(t.run_mode, 'incremental'),
           COALESCE(t.step_order, 'cheapest_first'),
           t.target IS NOT NULL,
           r.certified_at IS NOT NULL,
           (SELECT pg_catalog.string_agg(f.problem, '; ' ORDER BY f.feed) FROM audit.feed_problems(p_target) f)
      FROM (SELECT audit._require_view(p_target) AS name) v
      LEFT JOIN audit.target t ON t.target OPERATOR(pg_catalog.=) v.name
      LEFT JOIN audit.registry r ON r.target OPERATOR(pg_catalog.=) v.name
$$;
COMMENT ON FUNCTION audit._run_policy(regclass) IS
  'Internal: a target''s canonical name and the policy its runs follow (timeouts, prefer_plain, skip_unchanged, window, fail_fast, default mode and step order, registered, ever certified, feed problems).';
