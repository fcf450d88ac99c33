-- (Named _inputs_fingerprint: audit._input_fingerprint would be the array type of table audit.input_fingerprint.)
-- The fingerprint of a materialized view's inputs now: for every relation it reads, down to
-- tables and upstream materialized views (tables, leaf partitions of partitioned tables,
-- views, upstream materialized views, not what those read)
-- its oid, relfilenode, size and tuple counters, for views the hash of their query tree,
-- for upstream materialized views the step that last refreshed them; for user functions
-- of the closure the hash of their body; and the database's statistics reset time and
-- the server start time (a restart or crash can lose counters). Tuple counters are the
-- shared statistics plus this backend's not yet flushed ones (pg_stat_get_xact_*), so
-- changes made earlier in the current transaction count; the statistics snapshot is
-- cleared first, since within a transaction it is otherwise cached.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE FUNCTION audit._inputs_fingerprint(p_matview regclass)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
DECLARE
    v_inputs jsonb;
BEGIN
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    WITH cl AS (
        -- what the view reads, through plain views and functions, down to tables and the
        -- materialized views it reads (not below them: an upstream view's own refresh step,
        -- relfilenode and counters say whether what it holds changed)
        SELECT g.name AS relation, g.objid AS relid, g.kind FROM audit._closure_graph(p_matview, false) g
    ), rel AS (
        SELECT cl.relation, cl.relid, cl.kind
          FROM cl
         WHERE cl.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['function', 'aggregate', 'procedure'])
           AND cl.relid OPERATOR(pg_catalog.<>) p_matview::oid
        UNION
        SELECT audit._qualified_name(pt.relid), pt.relid, 'partition'
          FROM cl, LATERAL pg_catalog.pg_partition_tree(cl.relid::pg_catalog.regclass) pt
         WHERE cl.kind OPERATOR(pg_catalog.=) 'partitioned table'
           AND pt.relid OPERATOR(pg_catalog.<>) cl.relid AND pt.isleaf
    ), item AS (
        SELECT r.relation AS name,
               pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                 'kind', r.kind,
                 'oid', r.relid,
                 'relfilenode', pg_catalog.pg_relation_filenode(r.relid::pg_catalog.regclass),
                 'size', CASE WHEN c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'm', 't']::"char"[])
                              THEN pg_catalog.pg_relation_size(r.relid::pg_catalog.regclass) END,
                 'ins', pg_catalog.pg_stat_get_tuples_inserted(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_inserted(r.relid),
                 'upd', pg_catalog.pg_stat_get_tuples_updated(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_updated(r.relid),
                 'del', pg_catalog.pg_stat_get_tuples_deleted(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(r.relid),
                 'populated', CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'm' THEN c.relispopulated END,
                 'query', (SELECT pg_catalog.md5(w.ev_action::text) FROM pg_catalog.pg_rewrite w
                            WHERE w.ev_class OPERATOR(pg_catalog.=) r.relid AND w.rulename OPERATOR(pg_catalog.=) '_RETURN'),
                 'refreshed_by_step', (SELECT f.step_id FROM audit.input_fingerprint f
                                        WHERE c.relkind OPERATOR(pg_catalog.=) 'm'
                                          AND f.matview OPERATOR(pg_catalog.=) r.relation))) AS value
          FROM rel r
          LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.relid
        UNION ALL
        SELECT cl.relation,
               pg_catalog.jsonb_build_object('kind', cl.kind, 'oid', cl.relid,
                 'body', pg_catalog.md5(p.prosrc OPERATOR(pg_catalog.||) COALESCE(p.prosqlbody::text, '')
                                        OPERATOR(pg_catalog.||) p.provolatile::text))
          FROM cl
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) cl.relid
         WHERE cl.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'aggregate', 'procedure'])
    )
    SELECT COALESCE(pg_catalog.jsonb_object_agg(i.name, i.value), '{}') INTO v_inputs FROM item i;

    -- Times as epoch numbers, not text: text would carry the session's TimeZone, and the same
    -- instant written under UTC and compared under UTC+14 must stay equal.
    RETURN pg_catalog.jsonb_build_object(
        'matview_oid', p_matview::oid,
        'stats_reset', (SELECT EXTRACT(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(d.oid))
                          FROM pg_catalog.pg_database d
                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()),
        'server_started', EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time()),
        'inputs', v_inputs);
END
$$;
COMMENT ON FUNCTION audit._inputs_fingerprint(regclass) IS
  'Internal: fingerprint of the inputs of a materialized view now (counters, relfilenodes, sizes, definition hashes, stats reset, server start).';
