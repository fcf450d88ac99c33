-- Records one certification of a target in the history: its outcome and one row per check
-- and object examined. The outcome is computed here, not taken from the caller: CERTIFIED
-- when there is at least one result and every result passed, else FAILED. The registry is
-- not touched: audit._publish_certification does that, in the caller's work transaction,
-- while this row may be written through a separate connection so that it survives a
-- rolled-back atomic run. SECURITY DEFINER so that only roles allowed to execute it
-- (mvcert_operator) can write certification history; nobody gets INSERT on the tables.
--
-- p_results: a JSON array of {"check": text, "object": text, "passed": boolean, "detail": text}.
CREATE FUNCTION audit._record_certification(
    p_target        regclass,
    p_run_id        bigint,
    p_started_at    timestamptz,
    p_executor      text,
    p_results       jsonb)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_view(p_target);
    v_id        bigint;
    v_failing   text[];
    v_count     integer;
BEGIN
    IF p_results IS NULL OR pg_catalog.jsonb_typeof(p_results) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'mvcert: certification results must be a JSON array, got %', pg_catalog.left(p_results::text, 200)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(p_results) e(r)
                WHERE pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'check') IS DISTINCT FROM 'string'
                   OR pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'object') IS DISTINCT FROM 'string'
                   OR pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'passed') IS DISTINCT FROM 'boolean') THEN
        RAISE EXCEPTION 'mvcert: every certification result needs "check" and "object" (text) and "passed" (boolean)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT pg_catalog.count(*)::integer,
           COALESCE(pg_catalog.array_agg(DISTINCT e.r OPERATOR(pg_catalog.->>) 'check')
                        FILTER (WHERE NOT (e.r OPERATOR(pg_catalog.->) 'passed')::boolean), '{}')
      INTO v_count, v_failing
      FROM pg_catalog.jsonb_array_elements(p_results) e(r);

    INSERT INTO audit.certification (target, run_id, status, started_at, executor, failing_checks)
    VALUES (v_target, p_run_id,
            CASE WHEN v_count OPERATOR(pg_catalog.>) 0 AND pg_catalog.cardinality(v_failing) OPERATOR(pg_catalog.=) 0
                 THEN 'CERTIFIED' ELSE 'FAILED' END,
            COALESCE(p_started_at, pg_catalog.clock_timestamp()), p_executor,
            CASE WHEN v_count OPERATOR(pg_catalog.=) 0 THEN ARRAY['no_checks_ran'] ELSE v_failing END)
    RETURNING certification_id INTO v_id;

    INSERT INTO audit.check_result (certification_id, ordinal, check_name, object, passed, detail)
    SELECT v_id, e.n::integer, e.r OPERATOR(pg_catalog.->>) 'check', e.r OPERATOR(pg_catalog.->>) 'object',
           (e.r OPERATOR(pg_catalog.->) 'passed')::boolean, e.r OPERATOR(pg_catalog.->>) 'detail'
      FROM pg_catalog.jsonb_array_elements(p_results) WITH ORDINALITY AS e(r, n);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) IS
  'Internal (certification engine): records a certification and its check results; returns the certification id.';
