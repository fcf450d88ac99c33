-- Marks a certified target STALE: its data changed (a refresh published new rows) or an
-- operator knows it is wrong, and it must not be read until certification passes again.
-- Only a CERTIFIED status moves to STALE; FAILED stays FAILED. Returns whether it changed.
-- SECURITY DEFINER: the registry is written only through functions of mvcert.
CREATE FUNCTION audit.mark_stale(p_target regclass, p_reason text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target text := audit._require_view(p_target);
BEGIN
    IF p_reason IS NULL OR pg_catalog.btrim(p_reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: a reason is required to mark % stale', v_target
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. ''refresh run 42 published new rows''';
    END IF;
    UPDATE audit.registry r
       SET status = 'STALE', status_since = pg_catalog.clock_timestamp(), stale_reason = p_reason
     WHERE r.target OPERATOR(pg_catalog.=) v_target AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED';
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION audit.mark_stale(regclass, text) IS
  'Marks a CERTIFIED target STALE (its data changed since certification) so the gates refuse it until re-certified.';
