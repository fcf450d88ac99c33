-- The strict gate: everything audit.require_certified checks, and also that nothing in the
-- closure changed since certification (raises MVC05 naming the changed objects): every
-- definition hash of its views, materialized views and functions and the relfilenode of
-- every materialized view, as certification recorded them; and the rows of its materialized
-- views. Where change detection has stayed on since certification, every REFRESH of a
-- closure view moved the target out of CERTIFIED in its own transaction, so the registry
-- status covers rows (on a hot standby too). Elsewhere committed modifications are compared
-- through statistics counters (rolled-back work never counts), and what they cannot prove
-- unchanged fails closed with the reason: statistics reset, analyzed since certification,
-- a hot standby (counters are kept per server). Heavier than require_certified (it deparses
-- each definition of the closure), still one evaluation per query in a view. SECURITY
-- DEFINER so that readers need no grant on the registry.
CREATE FUNCTION audit.require_certified_strict(p_target regclass, p_max_age interval)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    RETURN audit._certification_gate(p_target, p_max_age, true);
END
$$;
COMMENT ON FUNCTION audit.require_certified_strict(regclass, interval) IS
  'Strict fail-closed gate: require_certified plus no change of the closure''s definitions, storage or committed rows since certification (MVC05).';
