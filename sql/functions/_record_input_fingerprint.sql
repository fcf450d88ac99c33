-- Stores the fingerprint taken just before a successful refresh (taken before, so a
-- change committed while the refresh ran shows up as a difference next time rather than
-- being absorbed). Runs in the refresh's transaction: rolled back with it. The step's id is
-- recorded at the end of the step (audit._record_step_rows): the step's history row may still
-- be being written when this runs.
CREATE FUNCTION audit._record_input_fingerprint(p_matview regclass, p_fingerprint jsonb, p_run_id bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    INSERT INTO audit.input_fingerprint AS f (matview, matview_oid, fingerprint, run_id, step_id, recorded_at)
    VALUES (audit._qualified_name(p_matview), p_matview::oid, p_fingerprint, p_run_id, NULL, pg_catalog.clock_timestamp())
    ON CONFLICT (matview) DO UPDATE SET
        matview_oid = EXCLUDED.matview_oid, fingerprint = EXCLUDED.fingerprint,
        run_id = EXCLUDED.run_id, step_id = EXCLUDED.step_id, recorded_at = EXCLUDED.recorded_at
$$;
COMMENT ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint) IS
  'Internal: records the input fingerprint of a materialized view at a successful refresh.';
