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

-- Admin: targets and declared dependencies.
GRANT EXECUTE ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.declare_dependency(regclass, regclass, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.undeclare_dependency(regclass, regclass) TO mvcert_admin;

-- refresh: run history, locks, feeds, skip-unchanged, retention.
GRANT EXECUTE ON FUNCTION audit.error_class(text, text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.error_class_retryable(text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.refresh_lock_key(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.refresh_lock_holder(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.in_maintenance_window(regclass, timestamptz) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.feed_problems(regclass, timestamptz) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.input_changes(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._volatile_calls(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._inputs_fingerprint(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.try_refresh_lock(regclass) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint, bigint) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.report_feed_batch(text, text, text, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.require_feed(regclass, text, interval) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.purge_history(interval, integer) TO mvcert_admin;
GRANT INSERT, UPDATE, DELETE ON audit.feed, audit.target_feed, audit.history_retention TO mvcert_admin;
