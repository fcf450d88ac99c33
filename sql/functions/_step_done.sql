-- The statement after a refresh step's REFRESH, in the same transaction: moves every target whose
-- certified closure holds the view out of CERTIFIED (audit._invalidate, naming the run), so
-- readers fail closed from the moment this refresh is published until a certification passes.
-- Done here, at the end of the step, and not before the REFRESH: the registry row's lock is then
-- held from here to the commit, not for the whole refresh, and parallel steps of one target do
-- not wait for each other. Then REINDEX what is still invalid (a maintenance-window rebuild),
-- ANALYZE the view when p_analyze (an atomic run analyzes its views only once certification
-- passed: PostgreSQL counts an ANALYZE even when its transaction rolls back, and the strict
-- gate without change detection would take that for a change), and count its rows exactly without
-- scanning it: a plain refresh counts the rows it inserted into the new heap (this
-- transaction's statistics); a concurrent one changes the previous rows by its own inserts and
-- deletes, and the previous count is known when audit.input_fingerprint holds it and nothing
-- else touched the view since (same relfilenode, the same cumulative change counter, no
-- refresh outside mvcert cleared it); otherwise the rows are counted. Records the count and
-- what the next step needs to trust it, asks PostgreSQL to publish this transaction's
-- statistics at commit. Returns the rows after the refresh, whether they had to be counted,
-- and the step's decision saying so (p_decision and how the rows were known). The view's
-- fingerprint row gets the step's id (p_step_id).
-- p_shared_transaction says whether the step shares its transaction with other steps (an
-- atomic run, the in-database procedures). Such a step gets the timeouts audit._step_prepare
-- set restored for what follows it, and its history is written beside the work, since the work
-- may still be rolled back. A step that commits on its own is recorded as succeeded here
-- (audit.finish_step), in its transaction: the record commits with the refresh or not at all,
-- and the step needs no history statement after its commit.
CREATE FUNCTION audit._step_done(
    p_run_id                      bigint,
    p_step_id                     bigint,
    p_matview                     regclass,
    p_mode                        text,
    p_analyze                     boolean,
    p_inserted_before             bigint,
    p_deleted_before              bigint,
    p_shared_transaction          boolean,
    p_previous_statement_timeout  text,
    p_previous_lock_timeout       text,
    p_decision                    text,
    p_query_id                    bigint)
RETURNS TABLE (rows_after bigint, rows_counted boolean, decision text)
LANGUAGE plpgsql
VOLATILE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_oid       oid := p_matview::oid;
    v_index     regclass;
    v_stored    audit.input_fingerprint;
    v_inserted  bigint;
    v_deleted   bigint;
    v_rows      bigint;
    v_shared    bigint;
    v_counted   boolean := false;
BEGIN
    PERFORM audit._invalidate('pg_catalog.pg_class'::pg_catalog.regclass, v_oid, 'REFRESH MATERIALIZED VIEW', p_run_id);
    PERFORM pg_catalog.set_config('mvcert.step_matview', '', true);
    IF p_mode OPERATOR(pg_catalog.=) 'rebuild' THEN
        FOR v_index IN SELECT i.indexrelid::pg_catalog.regclass FROM pg_catalog.pg_index i
                        WHERE i.indrelid OPERATOR(pg_catalog.=) v_oid AND NOT (i.indisvalid AND i.indisready)
                        ORDER BY 1 LOOP
            EXECUTE pg_catalog.format('REINDEX INDEX %s', v_index);
        END LOOP;
    END IF;
    IF p_analyze THEN
        EXECUTE pg_catalog.format('ANALYZE %s', p_matview);
    END IF;

    v_inserted := pg_catalog.pg_stat_get_xact_tuples_inserted(v_oid) OPERATOR(pg_catalog.-) p_inserted_before;
    v_deleted := pg_catalog.pg_stat_get_xact_tuples_deleted(v_oid) OPERATOR(pg_catalog.-) p_deleted_before;
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    v_shared := pg_catalog.pg_stat_get_tuples_inserted(v_oid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_tuples_deleted(v_oid);
    IF p_mode OPERATOR(pg_catalog.=) 'concurrently' THEN
        SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview_oid OPERATOR(pg_catalog.=) v_oid;
        IF v_stored.rows_after IS NOT NULL
           AND v_stored.rows_relfilenode OPERATOR(pg_catalog.=) pg_catalog.pg_relation_filenode(p_matview)
           AND v_stored.rows_changes OPERATOR(pg_catalog.=) v_shared THEN
            v_rows := v_stored.rows_after OPERATOR(pg_catalog.+) v_inserted OPERATOR(pg_catalog.-) v_deleted;
        ELSE
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', p_matview) INTO v_rows;
            v_counted := true;
        END IF;
    ELSE
        -- a plain refresh fills a new heap: what it inserted is all there is
        v_rows := v_inserted;
    END IF;
    -- after commit, once flushed, the shared counter will hold all this backend's pending counts too
    PERFORM audit._record_step_rows(p_matview, p_step_id, v_rows, pg_catalog.pg_relation_filenode(p_matview),
        v_shared OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_inserted(v_oid)
                 OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(v_oid));
    PERFORM pg_catalog.pg_stat_force_next_flush();
    IF p_shared_transaction THEN
        PERFORM pg_catalog.set_config('statement_timeout', p_previous_statement_timeout, true),
                pg_catalog.set_config('lock_timeout', p_previous_lock_timeout, true);
    END IF;
    rows_after := v_rows;
    rows_counted := v_counted;
    decision := pg_catalog.concat_ws('; ', p_decision,
        CASE WHEN v_counted THEN 'rows counted' ELSE 'rows from the refresh''s own statistics' END);
    IF NOT p_shared_transaction THEN
        PERFORM audit.finish_step(p_step_id, 'succeeded', p_mode, NULL, decision, v_rows, p_query_id);
    END IF;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._step_done(bigint, bigint, regclass, text, boolean, bigint, bigint, boolean, text, text, text, bigint) IS
  'Internal (refresh step): invalidation of certified targets naming the run, REINDEX for a rebuild, ANALYZE, exact rows after the refresh without a scan where the statistics tell, timeouts restored, the step recorded as succeeded when it commits on its own; after the REFRESH.';
