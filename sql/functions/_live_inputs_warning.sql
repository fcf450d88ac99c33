-- The one sentence that warns about a target's live inputs (audit._live_inputs), NULL when
-- it has none: the warning of audit.refresh_plan and the WARNING audit.register_target
-- raises. It says what happens and never suggests the rows are pinned.
CREATE FUNCTION audit._live_inputs_warning(p_target regclass)
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('live inputs of %s (read through plain views only, no materialized view in between): %s. '
                             'Their rows change without any refresh: readers see them as they are at query time, '
                             'not as refreshed and certified',
                             audit._qualified_name(p_target),
                             pg_catalog.string_agg(l.description, '; ' ORDER BY l.relation))
      FROM audit._live_inputs(p_target) AS l
    HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION audit._live_inputs_warning(regclass) IS
  'Internal: the warning about a target''s live inputs (relations read through plain views only), or NULL when there are none.';
