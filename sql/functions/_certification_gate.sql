-- The fail-closed gate behind audit.require_certified (its slow path: whatever is not a
-- fresh CERTIFIED row) and audit.require_certified_strict: true, or an error whose SQLSTATE
-- says why (class MV, see audit.require_certified). Reads the registry row of one target (a
-- primary-key lookup) and, when strict, the recorded state of its closure; it writes
-- nothing, so it runs on a hot standby, and it is STABLE. Only the two gates call it; they
-- are SECURITY DEFINER, so it runs with their owner's rights and nobody else may execute it.
CREATE FUNCTION audit._certification_gate(p_target regclass, p_max_age interval, p_strict boolean)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text;
    v_reg       audit.registry;
    v_age       interval;
    v_changed   text;
    v_reset     timestamptz;
    v_detected  boolean;
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. audit.require_certified(''ml.features_v'', interval ''24 hours'')';
    END IF;
    IF p_max_age IS NULL THEN
        RAISE EXCEPTION 'mvcert: max_age must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass how old a certification may be, e.g. interval ''24 hours''.';
    END IF;
    IF p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    v_target := audit._qualified_name(p_target);
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % does not exist', p_target::oid USING ERRCODE = 'undefined_table';
    END IF;

    SELECT * INTO v_reg FROM audit.registry r WHERE r.target OPERATOR(pg_catalog.=) v_target;
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
            RAISE EXCEPTION 'mvcert: % has never been certified', v_target
                USING ERRCODE = 'MVC02',
                      HINT = 'Refresh and certify it (mvcert certify, or CALL audit.refresh_and_certify) before reading it.';
        END IF;
        RAISE EXCEPTION 'mvcert: % is not a registered target, so it is not certified', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L); then certify it.', v_target);
    END IF;

    IF v_reg.status OPERATOR(pg_catalog.=) 'FAILED' THEN
        RAISE EXCEPTION 'mvcert: % is not certified: certification % at % FAILED (failing checks: %)',
                v_target, v_reg.last_certification_id, v_reg.last_certification_at,
                pg_catalog.array_to_string(v_reg.failing_checks, ', ')
            USING ERRCODE = 'MVC03',
                  DETAIL = COALESCE(v_reg.failure_detail, ''),
                  HINT = pg_catalog.format('SELECT * FROM audit.check_result WHERE certification_id = %s AND NOT passed; fix the cause, refresh and certify again.',
                                           v_reg.last_certification_id);
    END IF;
    IF v_reg.certified_at IS NULL THEN
        RAISE EXCEPTION 'mvcert: % has never been certified', v_target
            USING ERRCODE = 'MVC02', HINT = 'Refresh and certify it before reading it.';
    END IF;
    IF v_reg.status OPERATOR(pg_catalog.=) 'STALE' THEN
        RAISE EXCEPTION 'mvcert: % is stale since %: %', v_target, v_reg.status_since, v_reg.stale_reason
            USING ERRCODE = 'MVC04', DETAIL = pg_catalog.format('Last certified at %s.', v_reg.certified_at),
                  HINT = 'Certify it again.';
    END IF;
    v_age := pg_catalog.now() OPERATOR(pg_catalog.-) v_reg.certified_at;
    IF v_age OPERATOR(pg_catalog.>) p_max_age THEN
        RAISE EXCEPTION 'mvcert: % is stale: certified at %, % ago, which is % more than max_age %',
                v_target, v_reg.certified_at, pg_catalog.date_trunc('second', v_age),
                pg_catalog.date_trunc('second', v_age OPERATOR(pg_catalog.-) p_max_age), p_max_age
            USING ERRCODE = 'MVC04', HINT = 'Refresh and certify it again, or check the schedule in cron.job and audit.health.';
    END IF;

    IF p_strict THEN
        -- Change detection on throughout since certification (the triggers recorded then are
        -- still there, unaltered): every REFRESH of a closure view moved the target out of
        -- CERTIFIED in its own transaction, and a rolled-back one left no trace, so the status
        -- read above already covers rows. Otherwise only statistics counters can tell.
        v_detected := COALESCE(v_reg.change_detection OPERATOR(pg_catalog.=) audit._change_detection_state(), false);
        IF NOT v_detected THEN
            -- Statistics (reset time, modification counters) are kept per server, so a standby
            -- cannot compare them with what the primary recorded: fail closed, and say so.
            IF pg_catalog.pg_is_in_recovery() THEN
                RAISE EXCEPTION 'mvcert: the strict gate cannot prove % unchanged on a hot standby: change detection was not on throughout since certification, and modification counters are kept per server',
                        v_target
                    USING ERRCODE = 'MVC05',
                          HINT = 'Enable change detection on the primary (audit.enable_change_detection) and certify again, or use audit.require_certified on the standby.';
            END IF;
            v_reset := pg_catalog.pg_stat_get_db_stat_reset_time(
                (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()));
            IF v_reset IS DISTINCT FROM v_reg.stats_reset THEN
                RAISE EXCEPTION 'mvcert: % cannot be proven unchanged since certification at %: statistics were reset at %',
                        v_target, v_reg.certified_at, COALESCE(v_reset::text, 'an unknown time')
                    USING ERRCODE = 'MVC05', HINT = 'Certify it again (strict mode fails closed when modification counters are unknown).';
            END IF;
        END IF;
        -- Definitions and storage are compared either way: a second line behind change detection.
        -- Rows written since certification count only when they committed (a rolled-back run
        -- writes rows too); once the view was analyzed since, the counters cannot tell.
        SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', x.object, x.why), ', ' ORDER BY x.object)
          INTO v_changed
          FROM (SELECT o.object,
                       CASE WHEN o.definition_hash IS NOT NULL
                                 AND audit._definition_hash(o.kind, o.objid) IS DISTINCT FROM o.definition_hash
                            THEN 'definition changed or dropped'
                            WHEN o.relfilenode IS NOT NULL
                                 AND (SELECT c.relfilenode FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) o.objid)
                                     IS DISTINCT FROM o.relfilenode
                            THEN 'rewritten (plain refresh) or dropped'
                            WHEN v_detected OR o.modifications IS NULL
                                 OR m.written OPERATOR(pg_catalog.=) o.modifications
                            THEN NULL
                            WHEN m.written OPERATOR(pg_catalog.<) o.modifications
                            THEN 'statistics behind certification: reset, or not yet published by the certifying session'
                            WHEN o.analyze_count IS NULL
                            THEN 'rows written since certification'
                            WHEN m.analyzed OPERATOR(pg_catalog.<>) o.analyze_count
                            THEN 'rows written and analyzed since certification: the counters cannot prove them unchanged'
                            WHEN m.committed OPERATOR(pg_catalog.<>) o.committed_modifications
                            THEN 'rows changed'
                       END AS why
                  FROM audit.certified_object o
                  -- counters only where they are compared (materialized views, no change detection)
                  LEFT JOIN LATERAL (SELECT * FROM audit._matview_counters(o.objid)
                                      WHERE o.modifications IS NOT NULL AND NOT v_detected) m ON true
                 WHERE o.target OPERATOR(pg_catalog.=) v_target) x
         WHERE x.why IS NOT NULL;
        IF v_changed IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: % changed since certification at %: %', v_target, v_reg.certified_at, v_changed
                USING ERRCODE = 'MVC05',
                      HINT = CASE WHEN v_detected THEN 'Certify it again; until then the strict gate refuses it.'
                                  ELSE 'Certify it again; until then the strict gate refuses it. With change detection on (audit.enable_change_detection) the strict gate relies on it for rows and never needs the counters.' END;
        END IF;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit._certification_gate(regclass, interval, boolean) IS
  'Internal: the fail-closed certification gate behind require_certified and require_certified_strict (registry lookup; strict also compares the closure with what certification recorded).';
