-- How long a materialized view's refresh is expected to take: the median of its last ten
-- successful refresh steps (NULL without history). The engine orders the views ready to
-- start by it (cheapest first, or longest remaining chain first) and estimates a run's end.
CREATE FUNCTION audit.expected_duration(p_matview text)
RETURNS interval
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.make_interval(secs => pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(epoch FROM s.duration)))
      FROM (SELECT x.duration FROM audit.step x
             WHERE x.matview OPERATOR(pg_catalog.=) p_matview AND x.status OPERATOR(pg_catalog.=) 'succeeded'
             ORDER BY x.started_at DESC LIMIT 10) s
    HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION audit.expected_duration(text) IS
  'Expected refresh time of a materialized view: median of its last ten successful refresh steps (NULL without history).';
