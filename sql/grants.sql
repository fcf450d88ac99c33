-- All privileges of mvcert in one place.
-- Roles: mvcert_reader (gates, health, history), mvcert_operator (+ request runs, reset
-- breakers), mvcert_admin (+ targets, rules, baselines). PUBLIC gets only the gate.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'mvcert_reader') THEN
    CREATE ROLE mvcert_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'mvcert_operator') THEN
    CREATE ROLE mvcert_operator NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'mvcert_admin') THEN
    CREATE ROLE mvcert_admin NOLOGIN;
  END IF;
END
$$;
GRANT mvcert_reader TO mvcert_operator;
GRANT mvcert_operator TO mvcert_admin;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA audit FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC;
GRANT USAGE ON SCHEMA audit TO PUBLIC;

-- Reader: the catalog functions, gates, health and history.
GRANT EXECUTE ON FUNCTION audit.closure(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.refresh_plan(regclass) TO mvcert_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA audit TO mvcert_reader;
-- Internal helpers the catalog functions call with the caller's privileges (not SECURITY
-- DEFINER, so pg_stats and catalog visibility stay the caller's).
GRANT EXECUTE ON FUNCTION audit._qualified_name(regclass), audit._require_view(regclass, text),
                          audit._closure_graph(regclass), audit._direct_dependencies(oid[], oid[]),
                          audit._refresh_modes(oid[]) TO mvcert_reader;

-- Admin: targets and declared dependencies.
GRANT EXECUTE ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.declare_dependency(regclass, regclass, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.undeclare_dependency(regclass, regclass) TO mvcert_admin;
