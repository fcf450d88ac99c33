-- The reviewed step of re-baselining (runbook 001 section 3.2): makes a capture the
-- baseline of its target, replacing the previous one, and records every difference in
-- audit.baseline_change with who accepted it, when, why, and the previous value. This is
-- the only way a baseline changes: certification never writes baselines, and nobody has
-- write grants on audit.baseline. A note saying what was reviewed is required; a capture
-- is accepted at most once. Returns the number of baseline entries that changed.
CREATE FUNCTION audit.accept_baseline(p_capture_id bigint, p_note text)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_capture   audit.baseline_capture;
    v_now       timestamptz := pg_catalog.clock_timestamp();
    v_changes   integer;
BEGIN
    IF p_note IS NULL OR pg_catalog.btrim(p_note) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: accepting a baseline needs a note saying what was reviewed'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'e.g. SELECT audit.accept_baseline(12, ''reviewed PR 345: new damage features'');';
    END IF;
    SELECT * INTO v_capture FROM audit.baseline_capture c
     WHERE c.capture_id OPERATOR(pg_catalog.=) p_capture_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: baseline capture % does not exist', p_capture_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.baseline_capture for captures.';
    END IF;
    IF v_capture.accepted_at IS NOT NULL THEN
        RAISE EXCEPTION 'mvcert: baseline capture % was already accepted by % at %',
                p_capture_id, v_capture.accepted_by, v_capture.accepted_at
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Capture a new baseline to accept.';
    END IF;
    -- one acceptance at a time per target
    PERFORM FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_capture.target FOR UPDATE;

    INSERT INTO audit.baseline_change (target, kind, object, previous_hash, previous_row_count,
                                       new_hash, new_row_count, capture_id, changed_at, changed_by, note)
    SELECT v_capture.target, COALESCE(n.kind, o.kind), COALESCE(n.object, o.object),
           o.hash, o.row_count, n.hash, n.row_count, p_capture_id, v_now, SESSION_USER, p_note
      FROM (SELECT * FROM audit.baseline b WHERE b.target OPERATOR(pg_catalog.=) v_capture.target) o
      FULL JOIN (SELECT * FROM audit.baseline_capture_item i WHERE i.capture_id OPERATOR(pg_catalog.=) p_capture_id) n
        ON n.kind OPERATOR(pg_catalog.=) o.kind AND n.object OPERATOR(pg_catalog.=) o.object
     WHERE o.hash IS DISTINCT FROM n.hash OR o.row_count IS DISTINCT FROM n.row_count;
    GET DIAGNOSTICS v_changes = ROW_COUNT;

    DELETE FROM audit.baseline b WHERE b.target OPERATOR(pg_catalog.=) v_capture.target;
    INSERT INTO audit.baseline (target, kind, object, hash, row_count, capture_id, accepted_at, accepted_by)
    SELECT v_capture.target, i.kind, i.object, i.hash, i.row_count, p_capture_id, v_now, SESSION_USER
      FROM audit.baseline_capture_item i WHERE i.capture_id OPERATOR(pg_catalog.=) p_capture_id;

    UPDATE audit.baseline_capture c
       SET accepted_at = v_now, accepted_by = SESSION_USER, accept_note = p_note
     WHERE c.capture_id OPERATOR(pg_catalog.=) p_capture_id;
    RETURN v_changes;
END
$$;
COMMENT ON FUNCTION audit.accept_baseline(bigint, text) IS
  'Makes a baseline capture the reviewed baseline of its target, recording each change (who, when, note, previous value).';
