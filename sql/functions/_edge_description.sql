-- What one edge of the dependency graph is, in words, for messages about cycles: 'view reads
-- materialized view', 'view calls function', 'function body reads view', 'function body
-- calls function', or 'declared dependency' for an edge of audit.declared_dependency.
-- Kinds are those of audit.closure.
CREATE FUNCTION audit._edge_description(p_from_kind text, p_to_kind text, p_via text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE
             WHEN p_via OPERATOR(pg_catalog.=) 'declared' THEN 'declared dependency'
             WHEN p_from_kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate'])
             THEN pg_catalog.format('function body %s %s',
                      CASE WHEN p_to_kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate'])
                           THEN 'calls' ELSE 'reads' END, p_to_kind)
             WHEN p_to_kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate'])
             THEN pg_catalog.format('%s calls %s', p_from_kind, p_to_kind)
             ELSE pg_catalog.format('%s reads %s', p_from_kind, p_to_kind)
           END
$$;
COMMENT ON FUNCTION audit._edge_description(text, text, text) IS
  'Internal: one dependency edge in words (view reads view, function body reads view, declared dependency, ...), for cycle messages.';
