-- Why a materialized view must be refreshed, or NULL when none of its inputs changed since
-- mvcert last refreshed it successfully (then the engine skips it as inputs_unchanged).
-- Conservative: it answers with a reason whenever it cannot prove nothing changed: never
-- refreshed by mvcert, not populated, recreated, a volatile or time-of-query call in its
-- definition, a foreign table among its inputs, statistics reset or server restarted
-- since, or any input whose oid, relfilenode, size, tuple counters, query tree, function
-- body or (for upstream materialized views) last refresh differs from the fingerprint.
CREATE FUNCTION audit.input_changes(p_matview regclass)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name     text := audit._require_view(p_matview, 'matview');
    v_calls    text[];
    v_stored   audit.input_fingerprint;
    v_now      jsonb;
    v_input    record;
    v_old      jsonb;
    v_diff     text;
BEGIN
    IF NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_matview) THEN
        RETURN 'not populated';
    END IF;
    v_calls := audit._volatile_calls(p_matview);
    IF pg_catalog.cardinality(v_calls) OPERATOR(pg_catalog.>) 0 THEN
        RETURN 'definition calls ' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(v_calls, ', ');
    END IF;
    SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview OPERATOR(pg_catalog.=) v_name;
    IF NOT FOUND THEN
        RETURN 'never refreshed by mvcert';
    END IF;
    IF v_stored.matview_oid OPERATOR(pg_catalog.<>) p_matview::oid THEN
        RETURN 'recreated since its last refresh';
    END IF;
    v_now := audit._inputs_fingerprint(p_matview);
    IF v_now->'server_started' IS DISTINCT FROM v_stored.fingerprint->'server_started' THEN
        RETURN 'server restarted since the last refresh (statistics may have been lost)';
    END IF;
    IF v_now->'stats_reset' IS DISTINCT FROM v_stored.fingerprint->'stats_reset' THEN
        RETURN 'statistics were reset since the last refresh';
    END IF;
    FOR v_input IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v_now->'inputs') e ORDER BY e.key LOOP
        IF v_input.value->>'kind' OPERATOR(pg_catalog.=) 'foreign table' THEN
            RETURN pg_catalog.format('foreign table %s: its changes cannot be observed', v_input.key);
        END IF;
        v_old := v_stored.fingerprint->'inputs'->v_input.key;
        IF v_old IS NULL THEN
            RETURN pg_catalog.format('new input %s', v_input.key);
        END IF;
        IF v_old OPERATOR(pg_catalog.<>) v_input.value THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s %s -> %s', n.key, COALESCE(v_old->>n.key, 'none'), n.value), ', ' ORDER BY n.key)
              INTO v_diff
              FROM pg_catalog.jsonb_each_text(v_input.value) n
             WHERE (v_old->>n.key) IS DISTINCT FROM n.value;
            RETURN pg_catalog.format('input %s changed (%s)', v_input.key, COALESCE(v_diff, 'attributes removed'));
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key) INTO v_diff
      FROM pg_catalog.jsonb_object_keys(v_stored.fingerprint->'inputs') o(key)
     WHERE NOT (v_now->'inputs') ? o.key;
    IF v_diff IS NOT NULL THEN
        RETURN 'inputs no longer read: ' OPERATOR(pg_catalog.||) v_diff;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit.input_changes(regclass) IS
  'Why a materialized view needs a refresh (which input changed, volatile calls, never refreshed, ...), or NULL when its inputs are unchanged since mvcert last refreshed it.';
