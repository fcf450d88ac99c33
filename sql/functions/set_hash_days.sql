-- Sets the historical days whose dataset hash certification compares with the baseline
-- (replacing the previous set). The target must have a day column (audit.register_target's
-- p_day_column), and every day must have rows in it: a day without rows would compare an
-- empty set with an empty baseline and pass for ever (a mistyped year, a day not loaded).
-- Returns how many days are configured.
CREATE FUNCTION audit.set_hash_days(p_target regclass, p_days date[])
RETURNS integer
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_count     integer;
    v_column    text;
    v_missing   date[];
BEGIN
    IF COALESCE(pg_catalog.cardinality(p_days), 0) OPERATOR(pg_catalog.>) 0
       AND (SELECT t.day_column FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % has no day column', v_target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('SELECT audit.register_target(%L, p_day_column => ''anchor_day'');', v_target);
    END IF;
    SELECT t.day_column INTO v_column FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target;
    IF COALESCE(pg_catalog.cardinality(p_days), 0) OPERATOR(pg_catalog.>) 0 THEN
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.array_agg(x.d ORDER BY x.d)
               FROM (SELECT DISTINCT d FROM pg_catalog.unnest($1) AS d WHERE d IS NOT NULL) AS x(d)
              WHERE NOT EXISTS (SELECT 1 FROM %s AS t WHERE t.%I OPERATOR(pg_catalog.=) x.d)', v_target, v_column)
           INTO v_missing USING p_days;
        IF v_missing IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: % has no rows for day(s) % (day column %)',
                    v_target, pg_catalog.array_to_string(v_missing, ', '), pg_catalog.quote_ident(v_column)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Pick historical days that are loaded; a day without rows would be certified as unchanged for ever.';
        END IF;
    END IF;
    DELETE FROM audit.hash_day h WHERE h.target OPERATOR(pg_catalog.=) v_target;
    INSERT INTO audit.hash_day (target, day)
    SELECT DISTINCT v_target, d FROM pg_catalog.unnest(p_days) AS d WHERE d IS NOT NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION audit.set_hash_days(regclass, date[]) IS
  'Sets the historical days of a target whose dataset hashes certification compares with the baseline.';
