-- A time of an input fingerprint as an exact epoch: fingerprints store epoch numbers; those
-- recorded by mvcert 0.1.0 stored text in the recording session's TimeZone, which this reads
-- as the instant it names. So fingerprints compare instants, never text.
CREATE FUNCTION audit._fingerprint_epoch(p_value jsonb)
RETURNS numeric
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE pg_catalog.jsonb_typeof(p_value)
             WHEN 'number' THEN (p_value OPERATOR(pg_catalog.#>>) '{}')::numeric
             WHEN 'string' THEN EXTRACT(epoch FROM (p_value OPERATOR(pg_catalog.#>>) '{}')::timestamptz)
           END
$$;
COMMENT ON FUNCTION audit._fingerprint_epoch(jsonb) IS
  'Internal: a fingerprint time (epoch number, or 0.1.0''s timestamptz text) as an exact epoch.';
