-- The gate every training and export read goes through: returns true when the target's
-- last certification passed and is younger than p_max_age; otherwise raises an error
-- saying exactly why, with an SQLSTATE of its own (class MV):
--   MVC01  not a registered target
--   MVC02  registered but never certified
--   MVC03  the latest certification FAILED (message lists the failing checks)
--   MVC04  stale: older than p_max_age (message says by how much) or marked STALE
--   MVC05  (strict gate only) the closure changed since certification
-- A NULL target or max_age raises null_value_not_allowed, a max_age <= 0
-- invalid_parameter_value. STABLE and read-only: works on a hot standby, and in a view's
-- WHERE clause it becomes a one-time filter evaluated once per query. PARALLEL SAFE (it only
-- reads), so a guarded query keeps its parallel plan. Deliberately not Java: a JVM would
-- start in every backend that calls it.
-- The happy path is one primary-key read of the registry: under the pinned search_path a
-- regclass prints as its canonical name (schema-qualified, quoted where needed), so no
-- name-resolving function runs. Anything but a fresh CERTIFIED row (and anything that
-- prints otherwise, e.g. a relation in pg_catalog) takes audit._certification_gate, which
-- decides exactly as before and raises. SECURITY DEFINER so that readers need no grant on
-- the registry.
CREATE FUNCTION audit.require_certified(p_target regclass, p_max_age interval)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM FROM audit.registry r
     WHERE r.target OPERATOR(pg_catalog.=) p_target::pg_catalog.text
       AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED'
       -- NULL unless max_age is positive: the slow path names a bad max_age. Inside the row's
       -- condition, not a separate one: a parameter-only condition costs a plan node per call.
       AND (pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at)
           OPERATOR(pg_catalog.<=) CASE WHEN p_max_age OPERATOR(pg_catalog.>) '0'::pg_catalog.interval THEN p_max_age END;
    IF FOUND THEN
        RETURN true;
    END IF;
    RETURN audit._certification_gate(p_target, p_max_age, false);
END
$$;
COMMENT ON FUNCTION audit.require_certified(regclass, interval) IS
  'Fail-closed gate: true when the target is CERTIFIED and younger than max_age, else an error with SQLSTATE MVC01..MVC04 saying why.';
