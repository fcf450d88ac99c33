-- Agents that serve this database's queue. Each agent upserts its row every few seconds
-- (audit.agent_heartbeat); the SQL entry points use last_seen_at to tell a caller at once
-- when no agent is running, instead of waiting out a timeout.
CREATE TABLE audit.agent (
    name            text PRIMARY KEY,
    host            text,
    pid             integer,
    version         text,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    last_seen_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- Set by a graceful shutdown (audit.agent_stopped); NULL while running.
    stopped_at      timestamptz,
    CONSTRAINT agent_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);
COMMENT ON TABLE audit.agent IS 'mvcert agents serving this database: identity and liveness (last_seen_at).';
