-- How many agents are alive: not stopped and seen within p_within. The SQL entry points
-- refuse to wait for a result nobody will produce.
CREATE FUNCTION audit._live_agent_count(p_within interval DEFAULT interval '30 seconds')
RETURNS integer
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*)::integer
      FROM audit.agent a
     WHERE a.stopped_at IS NULL
       AND a.last_seen_at OPERATOR(pg_catalog.>) (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p_within)
$$;
COMMENT ON FUNCTION audit._live_agent_count(interval) IS
  'Internal: number of agents not stopped and seen within the interval.';
