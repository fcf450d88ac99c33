-- How many rows of a relation were ever inserted, updated or deleted, as far as this
-- session can tell: the shared statistics plus what this backend has not flushed yet
-- (its own transaction, and committed work waiting for the next statistics flush). A
-- concurrent refresh keeps the relfilenode but moves this counter, so the strict gate
-- compares it. Counters only grow; a smaller value means the statistics were reset.
CREATE FUNCTION audit._matview_modifications(p_relid oid)
RETURNS bigint
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_stat_get_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_deleted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_deleted(p_relid)
$$;
COMMENT ON FUNCTION audit._matview_modifications(oid) IS
  'Internal: rows ever inserted+updated+deleted in a relation (shared statistics plus this backend''s unflushed counts).';
