-- The strict gate: everything audit.require_certified checks, and also that nothing in the
-- closure changed since certification: every definition hash of its views, materialized
-- views and functions, and the relfilenode and modification counter of every materialized
-- view, as certification recorded them. If the database's statistics were reset since,
-- the counters prove nothing and the gate fails closed. Raises MVC05 naming the changed
-- objects. Heavier than require_certified (it deparses each definition of the closure),
-- still one evaluation per query in a view. Modification counters are local to a server:
-- on a hot standby use audit.require_certified.
CREATE FUNCTION audit.require_certified_strict(p_target regclass, p_max_age interval)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    RETURN audit._certification_gate(p_target, p_max_age, true);
END
$$;
COMMENT ON FUNCTION audit.require_certified_strict(regclass, interval) IS
  'Strict fail-closed gate: require_certified plus no change of the closure''s definitions or materialized views since certification (MVC05).';
