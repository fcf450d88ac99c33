-- The first statement of a refresh step, in the step's own transaction, before its REFRESH:
--   * takes the view's refresh lock (transaction-scoped, tried, never waited for); a step that
--     cannot get it is skipped as locked_elsewhere, naming the holder;
--   * sets the step's statement_timeout and lock_timeout (SET LOCAL: the REFRESH and what follows
--     run under them; reading the inputs takes locks too);
--   * asks whether any input changed (one fingerprint walk, audit._input_changes) and skips the
--     view as inputs_unchanged when none did and p_skip_unchanged (never for a rebuild);
--   * otherwise records the fingerprint (taken before the refresh, so a change committed while
--     it runs differs next time; audit._step_done adds the step id, so the step's history row
--     may still be being written when this runs) and marks the view as this transaction's mvcert refresh
--     (mvcert.step_matview), so the change-detection trigger leaves its invalidation to
--     audit._step_done, which names the run;
--   * returns what the REFRESH statement's pg_stat_activity.query_id will be, and the view's
--     tuple counters of this transaction so far, from which audit._step_done counts the rows
--     after the refresh without scanning the view.
-- Everything it does belongs to the step's transaction and goes with it when the step fails.
CREATE FUNCTION audit._step_prepare(
    p_run_id             bigint,
    p_matview            regclass,
    p_mode               text,
    p_skip_unchanged     boolean,
    p_statement_timeout  text,
    p_lock_timeout       text)
RETURNS TABLE (refresh boolean, skip_reason text, decision text, query_id bigint,
               inserted_before bigint, deleted_before bigint,
               previous_statement_timeout text, previous_lock_timeout text)
LANGUAGE plpgsql
VOLATILE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_changes  record;
    v_sql      text;
BEGIN
    IF p_mode IS NULL OR p_mode OPERATOR(pg_catalog.<>) ALL (ARRAY['concurrently', 'plain', 'rebuild']) THEN
        RAISE EXCEPTION 'mvcert: unknown refresh mode %', pg_catalog.quote_nullable(p_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use concurrently, plain or rebuild.';
    END IF;
    previous_statement_timeout := pg_catalog.current_setting('statement_timeout');
    previous_lock_timeout := pg_catalog.current_setting('lock_timeout');
    IF NOT pg_catalog.pg_try_advisory_xact_lock(audit.refresh_lock_key(p_matview)) THEN
        refresh := false;
        skip_reason := 'locked_elsewhere';
        decision := pg_catalog.format('refresh lock %s held by %s', audit.refresh_lock_key(p_matview),
                                      COALESCE('pid ' OPERATOR(pg_catalog.||) audit.refresh_lock_holder(p_matview), 'another session'));
        RETURN NEXT;
        RETURN;
    END IF;
    PERFORM pg_catalog.set_config('statement_timeout', p_statement_timeout, true),
            pg_catalog.set_config('lock_timeout', p_lock_timeout, true);
    SELECT * INTO v_changes FROM audit._input_changes(p_matview);
    IF v_changes.reason IS NULL AND p_skip_unchanged AND p_mode OPERATOR(pg_catalog.<>) 'rebuild' THEN
        PERFORM pg_catalog.set_config('statement_timeout', previous_statement_timeout, true),
                pg_catalog.set_config('lock_timeout', previous_lock_timeout, true);
        refresh := false;
        skip_reason := 'inputs_unchanged';
        decision := 'no input changed since the last refresh';
        RETURN NEXT;
        RETURN;
    END IF;
    decision := CASE WHEN NOT p_skip_unchanged THEN 'forced or skip_unchanged off'
                     ELSE COALESCE(v_changes.reason, 'rebuild') END;
    PERFORM audit._record_input_fingerprint(p_matview, v_changes.fingerprint, p_run_id);
    PERFORM pg_catalog.set_config('mvcert.step_matview', p_matview::oid::text, true);
    -- PostgreSQL 15 reports a utility statement's query_id as the hash of its text (seed 0,
    -- 0 replaced by 2) when compute_query_id is on.
    IF pg_catalog.current_setting('compute_query_id') OPERATOR(pg_catalog.<>) 'off' THEN
        v_sql := 'REFRESH MATERIALIZED VIEW ' OPERATOR(pg_catalog.||)
                 CASE WHEN p_mode OPERATOR(pg_catalog.=) 'concurrently' THEN 'CONCURRENTLY ' ELSE '' END
                 OPERATOR(pg_catalog.||) audit._qualified_name(p_matview);
        query_id := pg_catalog.hashtextextended(v_sql, 0);
        IF query_id OPERATOR(pg_catalog.=) 0 THEN
            query_id := 2;
        END IF;
    END IF;
    inserted_before := pg_catalog.pg_stat_get_xact_tuples_inserted(p_matview::oid);
    deleted_before := pg_catalog.pg_stat_get_xact_tuples_deleted(p_matview::oid);
    refresh := true;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._step_prepare(bigint, regclass, text, boolean, text, text) IS
  'Internal (refresh step): refresh lock, step timeouts, skip-unchanged decision, fingerprint; before the REFRESH.';
