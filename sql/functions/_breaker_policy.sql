-- The breaker settings that apply to a view: its own row in audit.breaker_policy, else the
-- row of the target being refreshed, else the '*' default, else 3 failures / 15 minutes.
CREATE FUNCTION audit._breaker_policy(p_matview text, p_target text DEFAULT NULL,
                                      OUT failure_threshold integer, OUT cool_down interval)
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT coalesce(p.failure_threshold, 3), coalesce(p.cool_down, interval '15 minutes')
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
            SELECT bp.failure_threshold, bp.cool_down
              FROM audit.breaker_policy bp
             WHERE bp.scope OPERATOR(pg_catalog.=) ANY (ARRAY[p_matview, p_target, '*'])
             ORDER BY CASE bp.scope WHEN p_matview THEN 1 WHEN p_target THEN 2 ELSE 3 END
             LIMIT 1) p ON true
$$;
COMMENT ON FUNCTION audit._breaker_policy(text, text) IS
  'Internal: failure threshold and cool-down for a view (its own policy, the target''s, ''*'', or 3 / 15 minutes).';
