-- An agent records a graceful shutdown, so callers waiting in the SQL entry points learn at
-- once that it is gone instead of after its heartbeat expires.
CREATE FUNCTION audit.agent_stopped(p_agent text)
RETURNS boolean
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    UPDATE audit.agent a
       SET stopped_at = pg_catalog.clock_timestamp(), last_seen_at = pg_catalog.clock_timestamp()
     WHERE a.name OPERATOR(pg_catalog.=) p_agent
    RETURNING true
$$;
COMMENT ON FUNCTION audit.agent_stopped(text) IS
  'Agent: records a graceful shutdown (stopped_at); returns true, or NULL for an unknown agent.';
