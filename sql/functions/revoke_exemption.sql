-- Ends the current analysis exemption of a function (recorded, not deleted): certification
-- fails on the function again if it still cannot be analysed. Returns the id of the ended
-- exemption.
CREATE FUNCTION audit.revoke_exemption(p_function regprocedure)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_identity  text;
    v_id        bigint;
BEGIN
    IF p_function IS NULL THEN
        RAISE EXCEPTION 'mvcert: function whose exemption to revoke must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. SELECT audit.revoke_exemption(''ml.load_features(date)'');';
    END IF;
    v_identity := audit._function_identity(p_function);
    UPDATE audit.analysis_exemption e
       SET ended_at = pg_catalog.clock_timestamp(), ended_by = SESSION_USER, end_reason = 'revoked'
     WHERE e.function_identity OPERATOR(pg_catalog.=) v_identity AND e.ended_at IS NULL
    RETURNING e.exemption_id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: function % has no current analysis exemption', v_identity
            USING ERRCODE = 'no_data_found',
                  HINT = 'See audit.analysis_exemption (rows with ended_at IS NULL are current).';
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit.revoke_exemption(regprocedure) IS
  'Ends the current analysis exemption of a function (kept as history); certification fails on it again if it still cannot be analysed.';
