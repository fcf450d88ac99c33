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
GRANT EXECUTE ON FUNCTION audit.change_detection() TO mvcert_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA audit TO mvcert_reader;
-- Internal helpers the catalog functions call with the caller's privileges (not SECURITY
-- DEFINER, so pg_stats and catalog visibility stay the caller's).
GRANT EXECUTE ON FUNCTION audit._qualified_name(regclass), audit._require_view(regclass, text), audit._require_view(text, text),
                          audit._closure_graph(regclass, boolean), audit._direct_dependencies(oid[], oid[]),
                          audit._refresh_modes(oid[]), audit._index_predicate_holds(oid), audit._live_inputs(regclass),
                          audit._live_inputs_warning(regclass), audit._health_live_inputs(text),
                          audit._edge_description(text, text, text) TO mvcert_reader;

-- Admin: targets and declared dependencies.
GRANT EXECUTE ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text, text, boolean, text) TO mvcert_admin;
-- register_target runs as the caller: admins write targets directly (validated by the function
-- and the table's CHECK constraints).
GRANT INSERT, UPDATE, DELETE ON audit.target TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.declare_dependency(regclass, regclass, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.undeclare_dependency(regclass, regclass) TO mvcert_admin;

-- queue: run queue, agents, circuit breakers, pg_cron schedules and the waiting SQL entry points.
-- mvcert_agent is the role an agent logs in with (GRANT mvcert_agent TO <login role>): the
-- reader's view of everything plus the agent's side of the queue and the breakers. It gets no
-- direct writes: every change goes through these SECURITY DEFINER functions.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'mvcert_agent') THEN
    CREATE ROLE mvcert_agent NOLOGIN;
  END IF;
END
$$;
GRANT mvcert_reader TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.claim_request(text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.complete_request(bigint, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.agent_heartbeat(text, text, integer, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.agent_stopped(text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.heartbeat(bigint) TO mvcert_operator, mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.reap_abandoned(interval) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.breaker_permit(text, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.breaker_record(text, boolean, text, text) TO mvcert_agent;
-- Operator: request runs, reset breakers, call the entry points. The procedures commit while
-- they wait, so they cannot be SECURITY DEFINER: they run as the caller and need the helpers.
GRANT EXECUTE ON FUNCTION audit.request_run(regclass, text, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.reset_breaker(regclass) TO mvcert_operator;
GRANT EXECUTE ON PROCEDURE audit.refresh_and_certify(regclass, boolean, text, interval) TO mvcert_operator;
GRANT EXECUTE ON PROCEDURE audit.run_certification(regclass, boolean, interval) TO mvcert_operator;
GRANT EXECUTE ON PROCEDURE audit._run_and_report(regclass, text, boolean, interval, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._default_run_mode(text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._require_view(regclass, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._require_mode(text, text[], text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._live_agent_count(interval) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._pljava_available() TO mvcert_operator;
-- Admin: pg_cron schedules and breaker policy.
GRANT EXECUTE ON FUNCTION audit.schedule(regclass, text, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.unschedule(regclass, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.set_breaker_policy(regclass, integer, interval) TO mvcert_admin;

-- certify: certification, baselines, registry and gates.
-- The gates are for everybody (they only read; SECURITY DEFINER lets them read the registry,
-- and call audit._certification_gate, as their owner: PUBLIC needs nothing else).
GRANT EXECUTE ON FUNCTION audit.require_certified(regclass, interval) TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit.require_certified_strict(regclass, interval) TO PUBLIC;
-- Reader: what the certification engine reads (and helpers the functions below call).
GRANT EXECUTE ON FUNCTION audit._qualified_name(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._require_view(regclass, text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._require_registered(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._definition_hash(text, oid) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._matview_counters(oid) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._function_identity(oid), audit._function_signature(oid), audit._function_body_hash(oid)
    TO mvcert_reader;
-- Operator (the engine's role): certification history, registry and baseline captures are
-- written only through these SECURITY DEFINER functions; no role has write grants on the
-- tables (audit.certification, audit.check_result, audit.registry, audit.certified_object,
-- audit.baseline*).
GRANT EXECUTE ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._publish_certification(bigint, text, pg_catalog.pg_snapshot, pg_catalog.oid[]) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.mark_stale(regclass, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._invalidate(oid, oid, text, bigint) TO mvcert_operator;
-- time_of_query_token lets PostgreSQL parse function bodies (a temporary clone, rolled back).
GRANT EXECUTE ON FUNCTION audit._parse_sql_body(regprocedure, oid[], text, jsonb) TO mvcert_operator, mvcert_agent;
-- Admin: rules, baseline acceptance (the reviewed step), guarded views.
GRANT EXECUTE ON FUNCTION audit.accept_baseline(bigint, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_deny_rule(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_gate_rule(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_sql_assertion(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.set_hash_days(regclass, date[]) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.create_guarded_view(regclass, text, interval, boolean) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit._guarded_view_query(regclass, interval, boolean) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.exempt_function(regprocedure, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.revoke_exemption(regprocedure) TO mvcert_admin;
-- Admins may also write rules directly; the engine still refuses rule SQL that is not exactly
-- one query before running it (audit._require_single_query).
GRANT INSERT, UPDATE, DELETE ON audit.deny_rule, audit.gate_rule, audit.sql_assertion, audit.hash_day TO mvcert_admin;

-- refresh: run history, locks, feeds, skip-unchanged, retention.
GRANT EXECUTE ON FUNCTION audit.error_class(text, text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.error_class_retryable(text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.refresh_lock_key(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.refresh_lock_holder(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.in_maintenance_window(regclass, timestamptz) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.feed_problems(regclass, timestamptz) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.input_changes(regclass), audit._input_changes(regclass), audit._fingerprint_epoch(jsonb) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._volatile_calls(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._run_policy(regclass), audit.expected_duration(text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._inputs_fingerprint(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit.try_refresh_lock(regclass) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._step_prepare(bigint, regclass, text, boolean, text, text),
                          audit._step_done(bigint, bigint, regclass, text, boolean, bigint, bigint, boolean, text, text, text, bigint),
                          audit._record_step_rows(regclass, bigint, bigint, oid, bigint) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.report_feed_batch(text, text, text, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.require_feed(regclass, text, interval) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.purge_history(interval, integer) TO mvcert_admin;
GRANT INSERT, UPDATE, DELETE ON audit.feed, audit.target_feed, audit.history_retention TO mvcert_admin;

-- The agent runs the engine: the same history, lock, fingerprint and certification writers
-- an operator's in-database run uses (but not request_run, reset_breaker or schedule).
GRANT EXECUTE ON FUNCTION audit.try_refresh_lock(regclass) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._step_prepare(bigint, regclass, text, boolean, text, text),
                          audit._step_done(bigint, bigint, regclass, text, boolean, bigint, bigint, boolean, text, text, text, bigint),
                          audit._record_step_rows(regclass, bigint, bigint, oid, bigint) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._publish_certification(bigint, text, pg_catalog.pg_snapshot, pg_catalog.oid[]) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.mark_stale(regclass, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._invalidate(oid, oid, text, bigint) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._require_single_query(text) TO mvcert_operator, mvcert_agent;

-- pljava: which execution path this database has (the Java-backed functions themselves are
-- created and granted by the engine jar's deployment descriptor, not by the extension).
GRANT EXECUTE ON FUNCTION audit.execution_path() TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._pljava_available() TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._report_run(bigint, boolean, text, bigint) TO mvcert_operator;
