-- Records how a step attempt ended: succeeded (mode used, rows after refresh, query id),
-- skipped (reason) or failed (error class derived from the SQLSTATE, retryable flag,
-- message). The decision says in words why the view was refreshed or skipped. Returns the
-- step id, so a view that never started is recorded with one call:
-- SELECT audit.finish_step(audit.begin_step(...), 'skipped', ...).
CREATE FUNCTION audit.finish_step(
    p_step_id        bigint,
    p_status         text,
    p_mode_used      text   DEFAULT NULL,
    p_skip_reason    text   DEFAULT NULL,
    p_decision       text   DEFAULT NULL,
    p_rows_after     bigint DEFAULT NULL,
    p_query_id       bigint DEFAULT NULL,
    p_sqlstate       text   DEFAULT NULL,
    p_error_message  text   DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_class text;
BEGIN
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['succeeded', 'failed', 'skipped', 'cancelled']) THEN
        RAISE EXCEPTION 'mvcert: a step cannot finish with status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use succeeded, failed, skipped or cancelled.';
    END IF;
    IF p_status OPERATOR(pg_catalog.=) 'failed' THEN
        v_class := audit.error_class(p_sqlstate, p_error_message);
    END IF;
    UPDATE audit.step s
       SET status = p_status, mode_used = p_mode_used, skip_reason = p_skip_reason, decision = p_decision,
           rows_after = p_rows_after, query_id = p_query_id, sqlstate = p_sqlstate, error_message = p_error_message,
           error_class = v_class,
           retryable = CASE WHEN v_class IS NOT NULL THEN audit.error_class_retryable(v_class) END,
           finished_at = pg_catalog.clock_timestamp()
     WHERE s.step_id OPERATOR(pg_catalog.=) p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: step % does not exist', p_step_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN p_step_id;
END
$$;
COMMENT ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) IS
  'Records how a refresh step attempt ended (status, mode used, skip reason, rows, query id, error class from SQLSTATE).';
