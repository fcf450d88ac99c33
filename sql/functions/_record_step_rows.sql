-- Stores the step that refreshed a materialized view and its exact row count after the refresh, with the
-- relfilenode and the cumulative change counter that let the next step trust it (see
-- audit._step_done). In the step's transaction: rolled back with it.
CREATE FUNCTION audit._record_step_rows(p_matview regclass, p_step_id bigint, p_rows bigint, p_relfilenode oid, p_changes bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    UPDATE audit.input_fingerprint f
       SET step_id = p_step_id, rows_after = p_rows, rows_relfilenode = p_relfilenode, rows_changes = p_changes
     WHERE f.matview_oid OPERATOR(pg_catalog.=) p_matview::oid
$$;
COMMENT ON FUNCTION audit._record_step_rows(regclass, bigint, bigint, oid, bigint) IS
  'Internal: records the exact rows of a materialized view after a refresh step and what lets the next step trust them.';
