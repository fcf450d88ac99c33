-- The statistics counters of a relation that the strict gate compares, each as PostgreSQL
-- will hold it once this session's statistics are flushed (the shared statistics plus what
-- this backend has not flushed yet, its own open transaction included):
--   written    rows ever inserted, updated or deleted, rolled-back work included; only grows
--              (a concurrent refresh keeps the relfilenode but moves it)
--   committed  inserts, updates and deletes of committed transactions since the last ANALYZE;
--              rolled-back work never counts, an ANALYZE (or autovacuum's) sets it back to 0
--   analyzed   how many times the relation was analyzed, by ANALYZE or autovacuum; only grows
-- PostgreSQL cannot tell this backend's pending committed work from its pending rolled-back
-- work, so both count as committed here until they are flushed: that can only make the
-- strict gate refuse (for about a second after a rollback in the same session), never pass.
-- An ANALYZE reports at once, even in a transaction that later rolls back.
CREATE FUNCTION audit._matview_counters(p_relid oid, OUT written bigint, OUT committed bigint, OUT analyzed bigint)
RETURNS record
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_stat_get_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_deleted(p_relid) OPERATOR(pg_catalog.+) p.pending,
           pg_catalog.pg_stat_get_mod_since_analyze(p_relid) OPERATOR(pg_catalog.+) p.pending,
           pg_catalog.pg_stat_get_analyze_count(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_autoanalyze_count(p_relid)
      FROM (SELECT pg_catalog.pg_stat_get_xact_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
                   pg_catalog.pg_stat_get_xact_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
                   pg_catalog.pg_stat_get_xact_tuples_deleted(p_relid) AS pending) p
$$;
COMMENT ON FUNCTION audit._matview_counters(oid) IS
  'Internal: rows written (rolled-back work included), committed modifications since the last ANALYZE, and ANALYZE count of a relation, as the strict gate compares them.';
