-- Makes a registered target require an ingestion feed (created if new): its runs are
-- skipped while the feed's latest batch failed, is running, or is older than max_age.
CREATE FUNCTION audit.require_feed(p_target regclass, p_feed text, p_max_age interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := audit._require_view(p_target);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_name) THEN
        RAISE EXCEPTION 'mvcert: target % is not registered', v_name
            USING ERRCODE = 'undefined_object', HINT = 'Register it first: SELECT audit.register_target(...).';
    END IF;
    IF p_feed IS NULL THEN
        RAISE EXCEPTION 'mvcert: feed must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.feed (feed) VALUES (p_feed) ON CONFLICT DO NOTHING;
    INSERT INTO audit.target_feed AS tf (target, feed, max_age) VALUES (v_name, p_feed, p_max_age)
    ON CONFLICT (target, feed) DO UPDATE SET max_age = EXCLUDED.max_age;
END
$$;
COMMENT ON FUNCTION audit.require_feed(regclass, text, interval) IS
  'Makes a target require an ingestion feed; runs are skipped while its latest batch failed or is missing for the period.';
