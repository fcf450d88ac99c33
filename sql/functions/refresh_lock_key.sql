-- The advisory lock key that serializes refreshes of one materialized view. Every executor
-- (the engine, the agent, psql scripts, pg_cron jobs) takes this key with
-- pg_try_advisory_xact_lock before refreshing, so two refreshes of one view never run at
-- once. The key is the view's oid in the low 32 bits and the constant 0x6d766372 ('mvcr')
-- in the high 32 bits: unique per view within a database (advisory locks are per database),
-- and unlikely to collide with other applications' bigint keys. It changes when the view
-- is dropped and recreated, which is harmless: the old view no longer exists.
CREATE FUNCTION audit.refresh_lock_key(p_matview regclass)
RETURNS bigint
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT (x'6d766372'::bigint OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) p_matview::oid::bigint
$$;
COMMENT ON FUNCTION audit.refresh_lock_key(regclass) IS
  'Advisory lock key serializing refreshes of a materialized view: (0x6d766372 << 32) | oid. Shared by all executors.';
