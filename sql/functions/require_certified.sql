-- The gate every training and export read goes through: returns true when the target's
-- last certification passed and is younger than p_max_age; otherwise raises an error
-- saying exactly why, with an SQLSTATE of its own (class MV):
--   MVC01  not a registered target
--   MVC02  registered but never certified
--   MVC03  the latest certification FAILED (message lists the failing checks)
--   MVC04  stale: older than p_max_age (message says by how much) or marked STALE
--   MVC05  (strict gate only) the closure changed since certification
-- A NULL target or max_age raises null_value_not_allowed, a max_age <= 0
-- invalid_parameter_value. PL/pgSQL, STABLE and read-only: microseconds per call, works on a
-- hot standby, and in a view's WHERE clause it becomes a one-time filter evaluated once
-- per query. PARALLEL SAFE (it only reads), so a guarded query keeps its parallel plan (a
-- restricted qual would force a serial scan). Deliberately not Java: a JVM would start in
-- every backend that calls it.
CREATE FUNCTION audit.require_certified(p_target regclass, p_max_age interval)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    RETURN audit._certification_gate(p_target, p_max_age, false);
END
$$;
COMMENT ON FUNCTION audit.require_certified(regclass, interval) IS
  'Fail-closed gate: true when the target is CERTIFIED and younger than max_age, else an error with SQLSTATE MVC01..MVC04 saying why.';
