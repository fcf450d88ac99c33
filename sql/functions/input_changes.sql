-- Why a materialized view must be refreshed (which input changed, volatile calls, never
-- refreshed by mvcert, ...), or NULL when none of its inputs changed since mvcert last
-- refreshed it successfully: what the engine asks before each refresh step (see
-- audit._input_changes for the rules), callable from psql.
CREATE FUNCTION audit.input_changes(p_matview regclass)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM audit._require_view(p_matview, 'matview');
    RETURN (audit._input_changes(p_matview)).reason;
END
$$;
COMMENT ON FUNCTION audit.input_changes(regclass) IS
  'Why a materialized view needs a refresh (which input changed, volatile calls, never refreshed, ...), or NULL when its inputs are unchanged since mvcert last refreshed it.';
