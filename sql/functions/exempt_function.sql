-- The reviewed step for a function certification cannot analyse for time-of-query reads
-- (dynamic SQL, C outside pg_catalog, another language, a body that does not parse): records
-- that an admin reviewed exactly its current body, so time_of_query_token no longer fails on
-- it. The exemption names the body by its hash; when the body changes, certification fails
-- again until it is reviewed and exempted anew. A note saying what was reviewed is required.
-- Exempting a function again supersedes its current exemption (the old row stays, ended, as
-- history). Returns the id of the new exemption.
CREATE FUNCTION audit.exempt_function(p_function regprocedure, p_note text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_identity  text;
    v_now       timestamptz := pg_catalog.clock_timestamp();
    v_id        bigint;
BEGIN
    IF p_function IS NULL THEN
        RAISE EXCEPTION 'mvcert: function to exempt must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. SELECT audit.exempt_function(''ml.load_features(date)'', ''reviewed: dynamic SQL only names partitions'');';
    END IF;
    v_identity := audit._function_identity(p_function);
    IF p_note IS NULL OR pg_catalog.btrim(p_note) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: exempting % needs a note saying what was reviewed', v_identity
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('e.g. SELECT audit.exempt_function(%L, ''reviewed: dynamic SQL only names partitions'');',
                                           v_identity);
    END IF;
    UPDATE audit.analysis_exemption e
       SET ended_at = v_now, ended_by = SESSION_USER, end_reason = 'superseded'
     WHERE e.function_identity OPERATOR(pg_catalog.=) v_identity AND e.ended_at IS NULL;
    INSERT INTO audit.analysis_exemption (function_identity, body_hash, exempted_by, exempted_at, note)
    VALUES (v_identity, audit._function_body_hash(p_function), SESSION_USER, v_now, p_note)
    RETURNING exemption_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit.exempt_function(regprocedure, text) IS
  'Records a reviewed exemption of a function the time-of-query analysis cannot read, for exactly its current body; a changed body fails certification again.';
