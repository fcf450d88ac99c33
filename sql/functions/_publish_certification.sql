-- Makes a recorded certification the current status of its target in the registry. Run in
-- the work transaction of the certification: in an atomic run the new status is published
-- together with the refreshed data, or not at all. A CERTIFIED outcome also records what
-- the strict gate compares later: the definition hash of every view, materialized view
-- and function of the closure, the relfilenode and statistics counters of every
-- materialized view (audit._matview_counters: as they will be once this transaction
-- commits), the database's statistics reset time and the state of change detection. Both
-- outcomes record the target's oid, which guarded views match besides the name. A FAILED outcome keeps the
-- time of the last passing certification (history) but the gates refuse the target.
-- p_seen is the snapshot the certification started from: if an object of the target's
-- certified closure changed in a transaction that snapshot did not see (another session
-- refreshed or altered it while the checks ran), what passed is not what readers would get,
-- so the target is published STALE, naming the change, even though every check passed.
-- Every object of a passing closure (tables and the materialized views' indexes too) is
-- recorded in audit.certified_object, which the change-detection triggers look up.
-- SECURITY DEFINER: the registry has no INSERT/UPDATE grants for anybody.
-- p_body_functions: functions certification reached through function bodies (PostgreSQL
-- records no dependency for those calls); they are recorded like the closure's own.
CREATE FUNCTION audit._publish_certification(p_certification_id bigint, p_dataset_hash text DEFAULT NULL,
                                             p_seen pg_catalog.pg_snapshot DEFAULT NULL,
                                             p_body_functions pg_catalog.oid[] DEFAULT NULL)
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
    v_unseen        text;
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
                                         failing_checks, failure_detail, stale_reason, dataset_hash, stats_reset,
                                         target_oid, change_detection)
        VALUES (v_cert.target, 'CERTIFIED', v_cert.finished_at, v_cert.finished_at, v_cert.certification_id,
                v_cert.run_id, v_cert.certification_id, v_cert.finished_at, v_cert.run_id,
                '{}', NULL, NULL, p_dataset_hash,
                pg_catalog.pg_stat_get_db_stat_reset_time(
                    (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())),
                v_target, audit._change_detection_state())
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
            stats_reset = EXCLUDED.stats_reset,
            target_oid = EXCLUDED.target_oid,
            change_detection = EXCLUDED.change_detection;

        DELETE FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        WITH cl AS MATERIALIZED (SELECT c.relation, c.relid, c.kind FROM audit.closure(v_target) c)
        INSERT INTO audit.certified_object (target, object, kind, objid, definition_hash, relfilenode, modifications, classid,
                                            committed_modifications, analyze_count)
        SELECT v_cert.target, c.relation, c.kind, c.relid,
               audit._definition_hash(c.kind, c.relid),
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN (SELECT pc.relfilenode FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) c.relid) END,
               m.written,
               CASE WHEN c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate'])
                    THEN 'pg_catalog.pg_proc'::pg_catalog.regclass ELSE 'pg_catalog.pg_class'::pg_catalog.regclass END,
               m.committed, m.analyzed
          FROM cl c
          LEFT JOIN LATERAL (SELECT * FROM audit._matview_counters(c.relid)
                              WHERE c.kind OPERATOR(pg_catalog.=) 'materialized view') m ON true
        UNION ALL
        -- the unique indexes CONCURRENTLY relies on: dropping one is a change of the closure
        SELECT v_cert.target, audit._qualified_name(i.indexrelid::pg_catalog.regclass), 'index', i.indexrelid,
               NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass, NULL, NULL
          FROM cl c
          JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.relid
         WHERE c.kind OPERATOR(pg_catalog.=) 'materialized view'
        UNION ALL
        SELECT v_cert.target, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
               f.kind, p.oid, audit._definition_hash(f.kind, p.oid), NULL, NULL, 'pg_catalog.pg_proc'::pg_catalog.regclass,
               NULL, NULL
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
          CROSS JOIN LATERAL (SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind) f
         WHERE p.oid OPERATOR(pg_catalog.=) ANY (COALESCE(p_body_functions, '{}'))
           AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])
           AND NOT EXISTS (SELECT FROM cl c WHERE c.relid OPERATOR(pg_catalog.=) p.oid
                              AND c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate']));

        SELECT pg_catalog.md5(pg_catalog.string_agg(o.object OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||)
                                                    COALESCE(o.definition_hash, ''), ',' ORDER BY o.object))
          INTO v_closure_hash
          FROM audit.certified_object o
         WHERE o.target OPERATOR(pg_catalog.=) v_cert.target AND o.definition_hash IS NOT NULL;
        UPDATE audit.registry r SET closure_hash = v_closure_hash WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;

        IF p_seen IS NOT NULL THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s by %s%s)', c.object, c.command, c.changed_by,
                                                           COALESCE(' in run ' OPERATOR(pg_catalog.||) c.run_id, '')),
                                         ', ' ORDER BY c.change_id)
              INTO v_unseen
              FROM audit.closure_change c
             WHERE c.target OPERATOR(pg_catalog.=) v_cert.target
               AND c.xact OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmin(p_seen)
               AND c.xact OPERATOR(pg_catalog.<>) pg_catalog.pg_current_xact_id()
               AND NOT pg_catalog.pg_visible_in_snapshot(c.xact, p_seen);
            IF v_unseen IS NOT NULL THEN
                UPDATE audit.registry r
                   SET status = 'STALE', status_since = pg_catalog.clock_timestamp(),
                       stale_reason = pg_catalog.format('certification %s passed, but its closure changed while it ran: %s; certify again',
                                                        v_cert.certification_id, v_unseen)
                 WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;
                RETURN 'STALE';
            END IF;
        END IF;
    ELSE
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s: %s', cr.check_name, cr.object, cr.detail), E'\n' ORDER BY cr.ordinal)
          INTO v_detail
          FROM (SELECT * FROM audit.check_result x
                 WHERE x.certification_id OPERATOR(pg_catalog.=) p_certification_id AND NOT x.passed
                 ORDER BY x.ordinal LIMIT 5) cr;
        INSERT INTO audit.registry AS r (target, status, status_since, last_certification_id, last_certification_at,
                                         last_run_id, failing_checks, failure_detail, target_oid)
        VALUES (v_cert.target, 'FAILED', v_cert.finished_at, v_cert.certification_id, v_cert.finished_at,
                v_cert.run_id, v_cert.failing_checks, v_detail, v_target)
        ON CONFLICT (target) DO UPDATE SET
            status = 'FAILED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'FAILED' THEN r.status_since ELSE EXCLUDED.status_since END,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = EXCLUDED.failing_checks,
            failure_detail = EXCLUDED.failure_detail,
            stale_reason = NULL,
            target_oid = EXCLUDED.target_oid;
    END IF;
    RETURN v_cert.status;
END
$$;
COMMENT ON FUNCTION audit._publish_certification(bigint, text, pg_catalog.pg_snapshot, pg_catalog.oid[]) IS
  'Internal (certification engine): makes a recorded certification the registry status of its target; returns CERTIFIED, FAILED, or STALE when the closure changed while it ran.';
