-- Makes a recorded certification the current status of its target in the registry. Run in
-- the work transaction of the certification: in an atomic run the new status is published
-- together with the refreshed data, or not at all. A CERTIFIED outcome also records what
-- the strict gate compares later: the definition hash of every view, materialized view
-- and function of the closure, and the relfilenode and modification counter of every
-- materialized view, plus the database's statistics reset time. A FAILED outcome keeps the
-- time of the last passing certification (history) but the gates refuse the target.
-- SECURITY DEFINER: the registry has no INSERT/UPDATE grants for anybody.
CREATE FUNCTION audit._publish_certification(p_certification_id bigint, p_dataset_hash text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cert          audit.certification;
    v_target        regclass;
    v_detail        text;
    v_closure_hash  text;
BEGIN
    SELECT * INTO v_cert FROM audit.certification c
     WHERE c.certification_id OPERATOR(pg_catalog.=) p_certification_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: certification % does not exist', p_certification_id
            USING ERRCODE = 'no_data_found';
    END IF;
    v_target := pg_catalog.to_regclass(v_cert.target);
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % of certification % no longer exists', v_cert.target, p_certification_id
            USING ERRCODE = 'undefined_table';
    END IF;

    IF v_cert.status OPERATOR(pg_catalog.=) 'CERTIFIED' THEN
        INSERT INTO audit.registry AS r (target, status, status_since, certified_at, certified_certification_id,
                                         certified_run_id, last_certification_id, last_certification_at, last_run_id,
                                         failing_checks, failure_detail, stale_reason, dataset_hash, stats_reset)
        VALUES (v_cert.target, 'CERTIFIED', v_cert.finished_at, v_cert.finished_at, v_cert.certification_id,
                v_cert.run_id, v_cert.certification_id, v_cert.finished_at, v_cert.run_id,
                '{}', NULL, NULL, p_dataset_hash,
                pg_catalog.pg_stat_get_db_stat_reset_time(
                    (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())))
        ON CONFLICT (target) DO UPDATE SET
            status = 'CERTIFIED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'CERTIFIED' THEN r.status_since ELSE EXCLUDED.status_since END,
            certified_at = EXCLUDED.certified_at,
            certified_certification_id = EXCLUDED.certified_certification_id,
            certified_run_id = EXCLUDED.certified_run_id,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = '{}', failure_detail = NULL, stale_reason = NULL,
            dataset_hash = EXCLUDED.dataset_hash,
            stats_reset = EXCLUDED.stats_reset;

        DELETE FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        INSERT INTO audit.certified_object (target, object, kind, objid, definition_hash, relfilenode, modifications)
        SELECT v_cert.target, c.relation, c.kind, c.relid,
               audit._definition_hash(c.kind, c.relid),
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN (SELECT pc.relfilenode FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) c.relid) END,
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN audit._matview_modifications(c.relid) END
          FROM audit.closure(v_target) c
         WHERE c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'materialized view', 'function', 'procedure', 'aggregate']);

        SELECT pg_catalog.md5(pg_catalog.string_agg(o.object OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||)
                                                    COALESCE(o.definition_hash, ''), ',' ORDER BY o.object))
          INTO v_closure_hash
          FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        UPDATE audit.registry r SET closure_hash = v_closure_hash WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;
    ELSE
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s: %s', cr.check_name, cr.object, cr.detail), E'\n' ORDER BY cr.ordinal)
          INTO v_detail
          FROM (SELECT * FROM audit.check_result x
                 WHERE x.certification_id OPERATOR(pg_catalog.=) p_certification_id AND NOT x.passed
                 ORDER BY x.ordinal LIMIT 5) cr;
        INSERT INTO audit.registry AS r (target, status, status_since, last_certification_id, last_certification_at,
                                         last_run_id, failing_checks, failure_detail)
        VALUES (v_cert.target, 'FAILED', v_cert.finished_at, v_cert.certification_id, v_cert.finished_at,
                v_cert.run_id, v_cert.failing_checks, v_detail)
        ON CONFLICT (target) DO UPDATE SET
            status = 'FAILED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'FAILED' THEN r.status_since ELSE EXCLUDED.status_since END,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = EXCLUDED.failing_checks,
            failure_detail = EXCLUDED.failure_detail,
            stale_reason = NULL;
    END IF;
    RETURN v_cert.status;
END
$$;
COMMENT ON FUNCTION audit._publish_certification(bigint, text) IS
  'Internal (certification engine): makes a recorded certification the registry status of its target; returns the status.';
