-- Why a materialized view must be refreshed, or NULL when none of its inputs changed since
-- mvcert last refreshed it successfully, together with the fingerprint of its inputs now
-- (computed once: a refresh step records it before refreshing). Conservative: it answers with
-- a reason whenever it cannot prove nothing changed: never refreshed by mvcert, not populated,
-- recreated, a volatile or time-of-query call in its definition, a system catalog or a
-- foreign table among its inputs, statistics reset or server restarted since, or any input
-- whose oid, relfilenode, size, tuple counters, query tree, function body or (for upstream
-- materialized views) last refresh differs from the fingerprint. A view whose only clock read
-- is CURRENT_DATE keeps the day and the session's TimeZone in its fingerprint, so a same-day
-- rerun in the same TimeZone may skip it. Times are compared as instants.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE FUNCTION audit._input_changes(p_matview regclass, OUT reason text, OUT fingerprint jsonb)
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
DECLARE
    v_name     text := audit._qualified_name(p_matview);
    v_calls    text[];
    v_stored   audit.input_fingerprint;
    v_input    record;
    v_old      jsonb;
    v_diff     text;
BEGIN
    fingerprint := audit._inputs_fingerprint(p_matview);
    v_calls := audit._volatile_calls(p_matview);
    IF v_calls OPERATOR(pg_catalog.=) ARRAY['CURRENT_DATE'] THEN
        fingerprint := fingerprint OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('day', CURRENT_DATE::text, 'timezone', pg_catalog.current_setting('TimeZone'));
    ELSIF pg_catalog.cardinality(v_calls) OPERATOR(pg_catalog.>) 0 THEN
        reason := 'definition calls ' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(v_calls, ', ');
        RETURN;
    END IF;
    IF NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_matview) THEN
        reason := 'not populated';
        RETURN;
    END IF;
    SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview OPERATOR(pg_catalog.=) v_name;
    IF NOT FOUND THEN
        reason := 'never refreshed by mvcert';
        RETURN;
    END IF;
    IF v_stored.matview_oid OPERATOR(pg_catalog.<>) p_matview::oid THEN
        reason := 'recreated since its last refresh';
        RETURN;
    END IF;
    IF audit._fingerprint_epoch(fingerprint OPERATOR(pg_catalog.->) 'server_started')
       IS DISTINCT FROM audit._fingerprint_epoch(v_stored.fingerprint OPERATOR(pg_catalog.->) 'server_started') THEN
        reason := 'server restarted since the last refresh (statistics may have been lost)';
        RETURN;
    END IF;
    IF audit._fingerprint_epoch(fingerprint OPERATOR(pg_catalog.->) 'stats_reset')
       IS DISTINCT FROM audit._fingerprint_epoch(v_stored.fingerprint OPERATOR(pg_catalog.->) 'stats_reset') THEN
        reason := 'statistics were reset since the last refresh';
        RETURN;
    END IF;
    IF fingerprint OPERATOR(pg_catalog.?) 'day'
       AND (fingerprint OPERATOR(pg_catalog.->) 'day', fingerprint OPERATOR(pg_catalog.->) 'timezone')
           IS DISTINCT FROM (v_stored.fingerprint OPERATOR(pg_catalog.->) 'day', v_stored.fingerprint OPERATOR(pg_catalog.->) 'timezone') THEN
        reason := pg_catalog.format('definition calls CURRENT_DATE, and the day or TimeZone changed (%s %s -> %s %s)',
                                    COALESCE(v_stored.fingerprint OPERATOR(pg_catalog.->>) 'day', 'none'),
                                    COALESCE(v_stored.fingerprint OPERATOR(pg_catalog.->>) 'timezone', 'none'),
                                    fingerprint OPERATOR(pg_catalog.->>) 'day', fingerprint OPERATOR(pg_catalog.->>) 'timezone');
        RETURN;
    END IF;
    FOR v_input IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(fingerprint OPERATOR(pg_catalog.->) 'inputs') e ORDER BY e.key LOOP
        IF v_input.value OPERATOR(pg_catalog.->>) 'kind' OPERATOR(pg_catalog.=) 'foreign table' THEN
            reason := pg_catalog.format('foreign table %s: its changes cannot be observed', v_input.key);
            RETURN;
        END IF;
        v_old := v_stored.fingerprint OPERATOR(pg_catalog.->) 'inputs' OPERATOR(pg_catalog.->) v_input.key;
        IF v_old IS NULL THEN
            reason := pg_catalog.format('new input %s', v_input.key);
            RETURN;
        END IF;
        IF v_old OPERATOR(pg_catalog.<>) v_input.value THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s %s -> %s', n.key, COALESCE(v_old OPERATOR(pg_catalog.->>) n.key, 'none'), n.value),
                                         ', ' ORDER BY n.key)
              INTO v_diff
              FROM pg_catalog.jsonb_each_text(v_input.value) n
             WHERE (v_old OPERATOR(pg_catalog.->>) n.key) IS DISTINCT FROM n.value;
            reason := pg_catalog.format('input %s changed (%s)', v_input.key, COALESCE(v_diff, 'attributes removed'));
            RETURN;
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key) INTO v_diff
      FROM pg_catalog.jsonb_object_keys(v_stored.fingerprint OPERATOR(pg_catalog.->) 'inputs') o(key)
     WHERE NOT (fingerprint OPERATOR(pg_catalog.->) 'inputs') OPERATOR(pg_catalog.?) o.key;
    IF v_diff IS NOT NULL THEN
        reason := 'inputs no longer read: ' OPERATOR(pg_catalog.||) v_diff;
    END IF;
END
$$;
COMMENT ON FUNCTION audit._input_changes(regclass) IS
  'Internal: why a materialized view needs a refresh (or NULL when its inputs are unchanged), and the fingerprint of its inputs now.';
