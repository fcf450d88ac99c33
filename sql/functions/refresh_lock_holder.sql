-- The backend pid holding the refresh lock of a materialized view, or NULL. Lets a step
-- that lost the lock say who has it.
CREATE FUNCTION audit.refresh_lock_holder(p_matview regclass)
RETURNS integer
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT l.pid
      FROM pg_catalog.pg_locks l
     WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
       AND l.granted
       AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                               WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
       AND l.objsubid OPERATOR(pg_catalog.=) 1
       AND l.classid::bigint OPERATOR(pg_catalog.=) (audit.refresh_lock_key(p_matview) OPERATOR(pg_catalog.>>) 32)
       AND l.objid::bigint OPERATOR(pg_catalog.=) (audit.refresh_lock_key(p_matview) OPERATOR(pg_catalog.&) x'ffffffff'::bigint)
     LIMIT 1
$$;
COMMENT ON FUNCTION audit.refresh_lock_holder(regclass) IS
  'Pid of the session holding the refresh lock of a materialized view, or NULL.';
