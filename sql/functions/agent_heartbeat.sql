-- An agent announces itself and proves it is alive: upserts its row in audit.agent and
-- moves last_seen_at. Called at start-up and every few seconds while the agent runs; a
-- restarted agent with the same name gets a fresh started_at.
CREATE FUNCTION audit.agent_heartbeat(
    p_agent    text,
    p_host     text DEFAULT NULL,
    p_pid      integer DEFAULT NULL,
    p_version  text DEFAULT NULL)
RETURNS audit.agent
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row audit.agent;
BEGIN
    IF p_agent IS NULL OR pg_catalog.btrim(p_agent) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: agent name must not be empty, got %', pg_catalog.quote_nullable(p_agent)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the agent''s name, e.g. ''host-1:4242''.';
    END IF;
    INSERT INTO audit.agent AS a (name, host, pid, version)
    VALUES (p_agent, p_host, p_pid, p_version)
    ON CONFLICT (name) DO UPDATE SET
        host         = EXCLUDED.host,
        pid          = EXCLUDED.pid,
        version      = EXCLUDED.version,
        -- a stopped agent coming back, or another process under the same name: a new life
        started_at   = CASE WHEN a.stopped_at IS NOT NULL OR a.pid IS DISTINCT FROM EXCLUDED.pid
                            THEN pg_catalog.clock_timestamp() ELSE a.started_at END,
        last_seen_at = pg_catalog.clock_timestamp(),
        stopped_at   = NULL
    RETURNING a.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.agent_heartbeat(text, text, integer, text) IS
  'Agent: registers the agent or refreshes its liveness (audit.agent.last_seen_at).';
