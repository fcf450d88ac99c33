-- Records a baseline capture of a registered target: the definition and dataset hashes the
-- engine measured. The capture is only a proposal; audit.accept_baseline makes it the
-- baseline. SECURITY DEFINER: captures are written only through this function.
--
-- p_items: a JSON array of {"kind": "definition"|"dataset", "object": text, "hash": text, "rows": bigint|null}.
CREATE FUNCTION audit._record_baseline_capture(p_target regclass, p_note text, p_items jsonb)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_view(p_target);
    v_id        bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
        RAISE EXCEPTION 'mvcert: % is not a registered target', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L);', v_target);
    END IF;
    IF p_items IS NULL OR pg_catalog.jsonb_typeof(p_items) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'mvcert: baseline items must be a JSON array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.baseline_capture (target, note) VALUES (v_target, p_note) RETURNING capture_id INTO v_id;
    INSERT INTO audit.baseline_capture_item (capture_id, kind, object, hash, row_count)
    SELECT v_id, e.r OPERATOR(pg_catalog.->>) 'kind', e.r OPERATOR(pg_catalog.->>) 'object',
           e.r OPERATOR(pg_catalog.->>) 'hash', (e.r OPERATOR(pg_catalog.->>) 'rows')::bigint
      FROM pg_catalog.jsonb_array_elements(p_items) e(r);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) IS
  'Internal (baseline capture engine): records measured hashes as a capture awaiting audit.accept_baseline; returns its id.';
