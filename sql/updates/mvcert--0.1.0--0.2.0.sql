-- mvcert 0.1.0 -> 0.2.0: ALTER EXTENSION mvcert UPDATE TO '0.2.0'. Keeps every row: targets,
-- rules, baselines, history, the registry and the queue. For a flat install (no extension),
-- `make -C sql` writes the same changes as build/mvcert_flat_update--0.1.0--0.2.0.sql.
-- After updating, deploy the Java engine again where PL/Java is used (install/pljava.sh): the
-- 0.1.0 engine's in-database function is not used by 0.2.0.
\echo Use "ALTER EXTENSION mvcert UPDATE TO '0.2.0'" to load this file. \quit

SET LOCAL check_function_bodies = off;

-- Routines whose arguments, results or existence changed (the current ones are created below).
DROP FUNCTION audit._publish_certification(bigint, text);
DROP FUNCTION audit.complete_request(bigint, text, bigint, text, boolean);
DROP FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text);
DROP FUNCTION audit.schedule(regclass, text, text, text);
DROP FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text);
DROP FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint, bigint);
DROP FUNCTION audit._report_in_database(text, boolean, text);
DROP PROCEDURE audit._request_and_wait(regclass, text, boolean, interval, text);
DROP FUNCTION audit.closure(regclass);
DROP FUNCTION audit._closure_graph(regclass);
DROP FUNCTION audit._direct_dependencies(oid[], oid[]);
DROP FUNCTION audit.refresh_plan(regclass);
-- (its one caller, the 0.1.0 strict gate, is replaced below before anything calls it)
DROP FUNCTION audit._matview_modifications(oid);

-- audit.target: how runs are made when the caller does not say.
ALTER TABLE audit.target
    ADD COLUMN run_mode text NOT NULL DEFAULT 'incremental',
    ADD COLUMN fail_fast boolean NOT NULL DEFAULT false,
    ADD COLUMN step_order text NOT NULL DEFAULT 'cheapest_first',
    ADD CONSTRAINT target_run_mode_known CHECK (run_mode IN ('incremental', 'atomic')),
    ADD CONSTRAINT target_step_order_known CHECK (step_order IN ('cheapest_first', 'critical_path_first'));
COMMENT ON COLUMN audit.target.run_mode IS
  'Default run mode: incremental (readers fail closed during the run) or atomic (readers keep the last certified snapshot; locks held until publish).';
COMMENT ON COLUMN audit.target.fail_fast IS 'Stop starting views after the first failed one.';
COMMENT ON COLUMN audit.target.step_order IS 'Order among ready views: cheapest_first (runbook 07) or critical_path_first.';

-- audit.run: one outcome vocabulary. A run that succeeded was certified if a passing
-- certification belongs to it; an atomic run that failed on certification is not_certified.
ALTER TABLE audit.run DROP CONSTRAINT run_status_known, DROP CONSTRAINT run_mode_known;
UPDATE audit.run r
   SET status = CASE r.status
                  WHEN 'succeeded' THEN CASE WHEN EXISTS (SELECT FROM audit.certification c
                                                            WHERE c.run_id = r.run_id AND c.status = 'CERTIFIED')
                                             THEN 'certified' ELSE 'not_certified' END
                  WHEN 'failed' THEN CASE WHEN r.reason LIKE '%certification failed%' THEN 'not_certified'
                                          ELSE 'refresh_failed' END
                  ELSE r.status END
 WHERE r.status IN ('succeeded', 'failed');
ALTER TABLE audit.run
    ADD CONSTRAINT run_mode_known CHECK (mode IN ('incremental', 'atomic', 'certify')),
    ADD CONSTRAINT run_status_known
        CHECK (status IN ('running', 'certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled', 'abandoned'));
COMMENT ON TABLE audit.run IS 'Run history: one row per refresh run of a target (start, end, status, executor, heartbeat).';
CREATE INDEX run_request_idx ON audit.run (request_id) WHERE request_id IS NOT NULL;

-- audit.run_request: the link to the run goes one way (audit.run.request_id), and a finished
-- request's status is its run's.
UPDATE audit.run r SET request_id = q.request_id
  FROM audit.run_request q
 WHERE q.run_id = r.run_id AND r.request_id IS NULL;
ALTER TABLE audit.run_request DROP CONSTRAINT run_request_status_known;
UPDATE audit.run_request q
   SET status = COALESCE((SELECT r.status FROM audit.run r
                           WHERE r.request_id = q.request_id AND r.status <> 'running'
                           ORDER BY r.run_id DESC LIMIT 1),
                         CASE q.status WHEN 'done' THEN CASE WHEN q.certified THEN 'certified' ELSE 'not_certified' END
                                       WHEN 'failed' THEN 'error'
                                       ELSE q.status END)
 WHERE q.status IN ('done', 'failed', 'skipped', 'abandoned');
ALTER TABLE audit.run_request DROP COLUMN run_id, DROP COLUMN certified;
ALTER TABLE audit.run_request ADD CONSTRAINT run_request_status_known
    CHECK (status IN ('queued', 'claimed', 'coalesced', 'error',
                      'certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled', 'abandoned'));
COMMENT ON TABLE audit.run_request IS
  'Run queue: one row per requested run (queued, claimed, coalesced, then its run''s outcome, or error); agents claim with SKIP LOCKED.';

-- audit.input_fingerprint: exact rows after a refresh, and what lets the next step trust them.
ALTER TABLE audit.input_fingerprint
    ADD COLUMN rows_after bigint,
    ADD COLUMN rows_relfilenode oid,
    ADD COLUMN rows_changes bigint;
CREATE INDEX input_fingerprint_matview_oid_idx ON audit.input_fingerprint (matview_oid);

-- audit.certified_object: the catalog of each object, looked up by the change-detection triggers.
ALTER TABLE audit.certified_object
    ADD COLUMN classid oid NOT NULL DEFAULT 'pg_catalog.pg_class'::pg_catalog.regclass;
UPDATE audit.certified_object SET classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
 WHERE kind IN ('function', 'procedure', 'aggregate');
CREATE INDEX certified_object_objid_idx ON audit.certified_object (objid, classid);
COMMENT ON TABLE audit.certified_object IS
  'State of each closure object at the last passing certification, compared by audit.require_certified_strict.';

-- audit.registry: the target's oid (guarded views' fast path matches name and oid) and the
-- change-detection triggers at the last passing certification (the strict gate relies on them).
ALTER TABLE audit.registry
    ADD COLUMN target_oid oid,
    ADD COLUMN change_detection text;
UPDATE audit.registry SET target_oid = pg_catalog.to_regclass(target);

-- audit.certified_object: committed modifications and ANALYZE count at certification, so the
-- strict gate without change detection tells a rolled-back refresh from a committed one.
ALTER TABLE audit.certified_object
    ADD COLUMN committed_modifications bigint,
    ADD COLUMN analyze_count bigint;
-- New tables.
-- Reviewed exemptions from the time-of-query analysis: a function certification cannot read
-- (dynamic SQL, C outside pg_catalog, another language, a body that does not parse) fails
-- closed unless an admin reviewed exactly its current body and recorded that here with
-- audit.exempt_function. The exemption holds for that body only (body_hash): once the body
-- changes, certification fails again, naming the exemption. Rows are never deleted: exempting
-- again ends the current row as 'superseded', audit.revoke_exemption ends it as 'revoked', so
-- the table is the history of every review. At most one row per function is current.
CREATE TABLE audit.analysis_exemption (
    exemption_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- schema.name(identity arguments), as certification names functions (audit._function_identity)
    function_identity   text NOT NULL,
    body_hash           text NOT NULL,
    exempted_by         text NOT NULL,
    exempted_at         timestamptz NOT NULL,
    note                text NOT NULL,
    ended_at            timestamptz,
    ended_by            text,
    end_reason          text,
    CONSTRAINT analysis_exemption_note_given CHECK (pg_catalog.btrim(note) OPERATOR(pg_catalog.<>) ''),
    CONSTRAINT analysis_exemption_end_complete
        CHECK ((ended_at IS NULL) = (ended_by IS NULL) AND (ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT analysis_exemption_end_reason_known CHECK (end_reason IN ('superseded', 'revoked'))
);
CREATE UNIQUE INDEX analysis_exemption_current_idx ON audit.analysis_exemption (function_identity)
    WHERE ended_at IS NULL;
COMMENT ON TABLE audit.analysis_exemption IS
  'Certification: reviewed exemptions of functions the time-of-query analysis cannot read, each for one body (hash); with history.';

-- Every change that moved, or could have moved, a certified target's rows or definitions away
-- from what certification saw: one row per target and changed object, written in the
-- transaction that makes the change (by mvcert's own refresh steps, and by the extension's
-- event triggers for REFRESH and DDL run by anyone else). Certification compares it with the
-- snapshot it started from, so a change that commits while it runs is never certified.
CREATE TABLE audit.closure_change (
    change_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    -- the object of the target's certified closure that changed, and how
    object          text NOT NULL,
    objid           oid NOT NULL,
    command         text NOT NULL,
    -- the mvcert run that made the change, NULL for a change made outside mvcert
    run_id          bigint,
    changed_by      text NOT NULL DEFAULT SESSION_USER,
    changed_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- the changing transaction: certification asks whether its starting snapshot saw it
    xact            xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    -- whether this change moved the target from CERTIFIED to STALE
    invalidated     boolean NOT NULL DEFAULT false
);
-- by target and transaction: "this transaction already recorded it", "changed since that snapshot"
CREATE INDEX closure_change_target_xact_idx ON audit.closure_change (target, xact);
COMMENT ON TABLE audit.closure_change IS
  'Changes to objects of certified closures (REFRESH, DDL), by mvcert runs and by anyone else; each moves the target out of CERTIFIED in the changing transaction.';

-- Every routine, view and trigger of 0.2.0 (new or changed ones created, the rest replaced as they are).
-- The breaker key of a materialized view given by name (as the agent passes it): validates
-- that it names an existing materialized view and returns its canonical name, so
-- 'ml.x_mv', 'ML.X_MV' and '"ml"."x_mv"' share one breaker.
CREATE OR REPLACE FUNCTION audit._breaker_key(p_matview text, p_argument text DEFAULT 'matview')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_rel   regclass;
    v_kind  "char";
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view name, e.g. ''ml.features_mv''.';
    END IF;
    BEGIN
        v_rel := pg_catalog.to_regclass(p_matview);
    EXCEPTION WHEN invalid_name OR syntax_error OR invalid_parameter_value THEN
        v_rel := NULL;
    END;
    IF v_rel IS NULL THEN
        RAISE EXCEPTION 'mvcert: % % does not exist', p_argument, pg_catalog.quote_literal(p_matview)
            USING ERRCODE = 'undefined_table', HINT = 'Pass a schema-qualified materialized view name.';
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) v_rel;
    IF v_kind OPERATOR(pg_catalog.<>) 'm' THEN
        RAISE EXCEPTION 'mvcert: % % is not a materialized view', p_argument, audit._qualified_name(v_rel)
            USING ERRCODE = 'wrong_object_type', HINT = 'Circuit breakers guard materialized views.';
    END IF;
    RETURN audit._qualified_name(v_rel);
END
$$;
COMMENT ON FUNCTION audit._breaker_key(text, text) IS
  'Internal: validates a materialized view name and returns its canonical name (the breaker key).';

-- The breaker settings that apply to a view: its own row in audit.breaker_policy, else the
-- row of the target being refreshed, else the '*' default, else 3 failures / 15 minutes.
CREATE OR REPLACE FUNCTION audit._breaker_policy(p_matview text, p_target text DEFAULT NULL,
                                      OUT failure_threshold integer, OUT cool_down interval)
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT coalesce(p.failure_threshold, 3), coalesce(p.cool_down, interval '15 minutes')
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
            SELECT bp.failure_threshold, bp.cool_down
              FROM audit.breaker_policy bp
             WHERE bp.scope OPERATOR(pg_catalog.=) ANY (ARRAY[p_matview, p_target, '*'])
             ORDER BY CASE bp.scope WHEN p_matview THEN 1 WHEN p_target THEN 2 ELSE 3 END
             LIMIT 1) p ON true
$$;
COMMENT ON FUNCTION audit._breaker_policy(text, text) IS
  'Internal: failure threshold and cool-down for a view (its own policy, the target''s, ''*'', or 3 / 15 minutes).';

-- The fail-closed gate behind audit.require_certified (its slow path: whatever is not a
-- fresh CERTIFIED row) and audit.require_certified_strict: true, or an error whose SQLSTATE
-- says why (class MV, see audit.require_certified). Reads the registry row of one target (a
-- primary-key lookup) and, when strict, the recorded state of its closure; it writes
-- nothing, so it runs on a hot standby, and it is STABLE. Only the two gates call it; they
-- are SECURITY DEFINER, so it runs with their owner's rights and nobody else may execute it.
CREATE OR REPLACE FUNCTION audit._certification_gate(p_target regclass, p_max_age interval, p_strict boolean)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text;
    v_reg       audit.registry;
    v_age       interval;
    v_changed   text;
    v_reset     timestamptz;
    v_detected  boolean;
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. audit.require_certified(''ml.features_v'', interval ''24 hours'')';
    END IF;
    IF p_max_age IS NULL THEN
        RAISE EXCEPTION 'mvcert: max_age must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass how old a certification may be, e.g. interval ''24 hours''.';
    END IF;
    IF p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    v_target := audit._qualified_name(p_target);
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % does not exist', p_target::oid USING ERRCODE = 'undefined_table';
    END IF;

    SELECT * INTO v_reg FROM audit.registry r WHERE r.target OPERATOR(pg_catalog.=) v_target;
    IF NOT FOUND THEN
        IF EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
            RAISE EXCEPTION 'mvcert: % has never been certified', v_target
                USING ERRCODE = 'MVC02',
                      HINT = 'Refresh and certify it (mvcert certify, or CALL audit.refresh_and_certify) before reading it.';
        END IF;
        RAISE EXCEPTION 'mvcert: % is not a registered target, so it is not certified', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L); then certify it.', v_target);
    END IF;

    IF v_reg.status OPERATOR(pg_catalog.=) 'FAILED' THEN
        RAISE EXCEPTION 'mvcert: % is not certified: certification % at % FAILED (failing checks: %)',
                v_target, v_reg.last_certification_id, v_reg.last_certification_at,
                pg_catalog.array_to_string(v_reg.failing_checks, ', ')
            USING ERRCODE = 'MVC03',
                  DETAIL = COALESCE(v_reg.failure_detail, ''),
                  HINT = pg_catalog.format('SELECT * FROM audit.check_result WHERE certification_id = %s AND NOT passed; fix the cause, refresh and certify again.',
                                           v_reg.last_certification_id);
    END IF;
    IF v_reg.certified_at IS NULL THEN
        RAISE EXCEPTION 'mvcert: % has never been certified', v_target
            USING ERRCODE = 'MVC02', HINT = 'Refresh and certify it before reading it.';
    END IF;
    IF v_reg.status OPERATOR(pg_catalog.=) 'STALE' THEN
        RAISE EXCEPTION 'mvcert: % is stale since %: %', v_target, v_reg.status_since, v_reg.stale_reason
            USING ERRCODE = 'MVC04', DETAIL = pg_catalog.format('Last certified at %s.', v_reg.certified_at),
                  HINT = 'Certify it again.';
    END IF;
    v_age := pg_catalog.now() OPERATOR(pg_catalog.-) v_reg.certified_at;
    IF v_age OPERATOR(pg_catalog.>) p_max_age THEN
        RAISE EXCEPTION 'mvcert: % is stale: certified at %, % ago, which is % more than max_age %',
                v_target, v_reg.certified_at, pg_catalog.date_trunc('second', v_age),
                pg_catalog.date_trunc('second', v_age OPERATOR(pg_catalog.-) p_max_age), p_max_age
            USING ERRCODE = 'MVC04', HINT = 'Refresh and certify it again, or check the schedule in cron.job and audit.health.';
    END IF;

    IF p_strict THEN
        -- Change detection on throughout since certification (the triggers recorded then are
        -- still there, unaltered): every REFRESH of a closure view moved the target out of
        -- CERTIFIED in its own transaction, and a rolled-back one left no trace, so the status
        -- read above already covers rows. Otherwise only statistics counters can tell.
        v_detected := COALESCE(v_reg.change_detection OPERATOR(pg_catalog.=) audit._change_detection_state(), false);
        IF NOT v_detected THEN
            -- Statistics (reset time, modification counters) are kept per server, so a standby
            -- cannot compare them with what the primary recorded: fail closed, and say so.
            IF pg_catalog.pg_is_in_recovery() THEN
                RAISE EXCEPTION 'mvcert: the strict gate cannot prove % unchanged on a hot standby: change detection was not on throughout since certification, and modification counters are kept per server',
                        v_target
                    USING ERRCODE = 'MVC05',
                          HINT = 'Enable change detection on the primary (audit.enable_change_detection) and certify again, or use audit.require_certified on the standby.';
            END IF;
            v_reset := pg_catalog.pg_stat_get_db_stat_reset_time(
                (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()));
            IF v_reset IS DISTINCT FROM v_reg.stats_reset THEN
                RAISE EXCEPTION 'mvcert: % cannot be proven unchanged since certification at %: statistics were reset at %',
                        v_target, v_reg.certified_at, COALESCE(v_reset::text, 'an unknown time')
                    USING ERRCODE = 'MVC05', HINT = 'Certify it again (strict mode fails closed when modification counters are unknown).';
            END IF;
        END IF;
        -- Definitions and storage are compared either way: a second line behind change detection.
        -- Rows written since certification count only when they committed (a rolled-back run
        -- writes rows too); once the view was analyzed since, the counters cannot tell.
        SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', x.object, x.why), ', ' ORDER BY x.object)
          INTO v_changed
          FROM (SELECT o.object,
                       CASE WHEN o.definition_hash IS NOT NULL
                                 AND audit._definition_hash(o.kind, o.objid) IS DISTINCT FROM o.definition_hash
                            THEN 'definition changed or dropped'
                            WHEN o.relfilenode IS NOT NULL
                                 AND (SELECT c.relfilenode FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) o.objid)
                                     IS DISTINCT FROM o.relfilenode
                            THEN 'rewritten (plain refresh) or dropped'
                            WHEN v_detected OR o.modifications IS NULL
                                 OR m.written OPERATOR(pg_catalog.=) o.modifications
                            THEN NULL
                            WHEN m.written OPERATOR(pg_catalog.<) o.modifications
                            THEN 'statistics behind certification: reset, or not yet published by the certifying session'
                            WHEN o.analyze_count IS NULL
                            THEN 'rows written since certification'
                            WHEN m.analyzed OPERATOR(pg_catalog.<>) o.analyze_count
                            THEN 'rows written and analyzed since certification: the counters cannot prove them unchanged'
                            WHEN m.committed OPERATOR(pg_catalog.<>) o.committed_modifications
                            THEN 'rows changed'
                       END AS why
                  FROM audit.certified_object o
                  -- counters only where they are compared (materialized views, no change detection)
                  LEFT JOIN LATERAL (SELECT * FROM audit._matview_counters(o.objid)
                                      WHERE o.modifications IS NOT NULL AND NOT v_detected) m ON true
                 WHERE o.target OPERATOR(pg_catalog.=) v_target) x
         WHERE x.why IS NOT NULL;
        IF v_changed IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: % changed since certification at %: %', v_target, v_reg.certified_at, v_changed
                USING ERRCODE = 'MVC05',
                      HINT = CASE WHEN v_detected THEN 'Certify it again; until then the strict gate refuses it.'
                                  ELSE 'Certify it again; until then the strict gate refuses it. With change detection on (audit.enable_change_detection) the strict gate relies on it for rows and never needs the counters.' END;
        END IF;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit._certification_gate(regclass, interval, boolean) IS
  'Internal: the fail-closed certification gate behind require_certified and require_certified_strict (registry lookup; strict also compares the closure with what certification recorded).';

-- The change-detection event triggers as they are now (name, oid, the transaction that last
-- created or altered each, enabled state), or NULL when change detection is off. Recorded at
-- each passing certification: while it is unchanged, the triggers have caught every REFRESH
-- and DDL of the closure since (they were not disabled and re-enabled, dropped or re-created
-- in between), so the registry status alone says whether a closure view was refreshed.
CREATE OR REPLACE FUNCTION audit._change_detection_state()
RETURNS text
LANGUAGE sql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN audit.change_detection() THEN
               pg_catalog.string_agg(pg_catalog.format('%s:%s:%s:%s', e.evtname, e.oid, e.xmin, e.evtenabled),
                                     ',' ORDER BY e.evtname)
           END
      FROM pg_catalog.pg_event_trigger e
     WHERE e.evtname OPERATOR(pg_catalog.=) ANY (ARRAY['mvcert_closure_ddl', 'mvcert_closure_drop'])
$$;
COMMENT ON FUNCTION audit._change_detection_state() IS
  'Internal: identity and state of the change-detection triggers (NULL when off); the strict gate relies on the registry for row changes while it equals the value recorded at certification.';

-- The dependency graph below a target, one row per object: its depth (shortest distance
-- from the target), the object it was first reached through, what it reads directly, and
-- whether it is untracked (a system catalog or system view: not expanded, since what it
-- reads is the server's own state). audit.closure and audit.refresh_plan are both views of
-- this graph; with p_expand_matviews false the walk stops at materialized views below the
-- target (they are listed, not expanded), which is what audit._live_inputs needs.
--
-- The walk is breadth-first, one set-based step (audit._direct_dependencies) per depth with a
-- visited set, so each object is expanded once: a recursive CTE carrying a path array would
-- enumerate every path, which grows exponentially on the diamond-shaped DAGs pipelines
-- are made of. Views cannot form cycles in the catalog, but declared edges (and functions
-- redefined to read the views that call them) can; the walk itself ends on them, and a
-- cycle is then found by peeling leaves (objects that read nothing still unpeeled): what
-- cannot be peeled lies on or above a cycle, and following edges inside it must come
-- back to a node, which names the cycle. The error (SQLSTATE 42P19, invalid_recursion)
-- spells it as a path `a -> b -> a`, where `a -> b` means a reads b, and says what each
-- edge is (view reads view, view calls function, function body reads view, declared
-- dependency).
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE OR REPLACE FUNCTION audit._closure_graph(p_target regclass, p_expand_matviews boolean DEFAULT true)
RETURNS TABLE (name text, classid oid, objid oid, kind text, depth integer, parent text,
               via text, reads text[], untracked boolean)
LANGUAGE plpgsql
STABLE
ROWS 100
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_target        text := audit._require_view(p_target);
    v_depth         integer := 0;
    -- objects reached so far, in parallel arrays
    v_name          text[];
    v_classid       oid[];
    v_objid         oid[];
    v_kind          text[];
    v_depths        integer[];
    v_parent        text[];
    v_via           text[];
    v_untracked     boolean[];
    -- every edge found, dependent -> object read
    v_edge_from     text[] := '{}';
    v_edge_to       text[] := '{}';
    v_edge_via      text[] := '{}';
    -- edges out of the current frontier, and the objects first reached through them
    v_step_from     text[];
    v_step_to       text[];
    v_step_classid  oid[];
    v_step_objid    oid[];
    v_step_kind     text[];
    v_step_via      text[];
    v_step_untracked boolean[];
    v_new_name      text[];
    v_frontier_rel  oid[] := ARRAY[p_target::oid];
    v_frontier_fn   oid[] := '{}';
    -- cycle search
    v_left          text[];
    v_peeled        text[];
    v_walk          text[];
    v_next          text;
    v_cycle         text[];
    v_start         integer;
    v_declared      text;
    v_edges         text;
BEGIN
    SELECT ARRAY[v_target], ARRAY['pg_catalog.pg_class'::pg_catalog.regclass::oid], ARRAY[c.oid],
           ARRAY[CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END],
           ARRAY[0], ARRAY[NULL::text], ARRAY[NULL::text], ARRAY[false]
      INTO v_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via, v_untracked
      FROM pg_catalog.pg_class c
     WHERE c.oid OPERATOR(pg_catalog.=) p_target;

    LOOP
        -- nothing left to expand (tables, and materialized views when not expanding them)
        EXIT WHEN pg_catalog.cardinality(v_frontier_rel) OPERATOR(pg_catalog.=) 0
              AND pg_catalog.cardinality(v_frontier_fn) OPERATOR(pg_catalog.=) 0;
        SELECT COALESCE(pg_catalog.array_agg(e.dependent), '{}'), COALESCE(pg_catalog.array_agg(e.name), '{}'),
               COALESCE(pg_catalog.array_agg(e.classid), '{}'), COALESCE(pg_catalog.array_agg(e.objid), '{}'),
               COALESCE(pg_catalog.array_agg(e.kind), '{}'), COALESCE(pg_catalog.array_agg(e.via), '{}'),
               COALESCE(pg_catalog.array_agg(e.untracked), '{}')
          INTO v_step_from, v_step_to, v_step_classid, v_step_objid, v_step_kind, v_step_via, v_step_untracked
          FROM audit._direct_dependencies(v_frontier_rel, v_frontier_fn) e;
        EXIT WHEN pg_catalog.cardinality(v_step_from) OPERATOR(pg_catalog.=) 0;

        v_depth := v_depth OPERATOR(pg_catalog.+) 1;
        v_edge_from := v_edge_from OPERATOR(pg_catalog.||) v_step_from;
        v_edge_to := v_edge_to OPERATOR(pg_catalog.||) v_step_to;
        v_edge_via := v_edge_via OPERATOR(pg_catalog.||) v_step_via;

        -- Objects reached for the first time; among several dependents at this depth the
        -- parent is the one reached through a catalog edge, then the first by name.
        SELECT COALESCE(pg_catalog.array_agg(f.name ORDER BY f.name), '{}'),
               v_classid OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.classid ORDER BY f.name), '{}'),
               v_objid OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.objid ORDER BY f.name), '{}'),
               v_kind OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.kind ORDER BY f.name), '{}'),
               v_depths OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(v_depth ORDER BY f.name), '{}'),
               v_parent OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.dependent ORDER BY f.name), '{}'),
               v_via OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.via ORDER BY f.name), '{}'),
               v_untracked OPERATOR(pg_catalog.||) COALESCE(pg_catalog.array_agg(f.untracked ORDER BY f.name), '{}'),
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND NOT f.untracked
                     AND (f.kind OPERATOR(pg_catalog.=) 'view'
                          OR (p_expand_matviews AND f.kind OPERATOR(pg_catalog.=) 'materialized view'))), '{}'),
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass), '{}')
          INTO v_new_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via, v_untracked,
               v_frontier_rel, v_frontier_fn
          FROM (SELECT DISTINCT ON (s.name) s.*
                  FROM ROWS FROM (pg_catalog.unnest(v_step_from),
                                  pg_catalog.unnest(v_step_to),
                                  pg_catalog.unnest(v_step_classid),
                                  pg_catalog.unnest(v_step_objid),
                                  pg_catalog.unnest(v_step_kind),
                                  pg_catalog.unnest(v_step_via),
                                  pg_catalog.unnest(v_step_untracked))
                       AS s(dependent, name, classid, objid, kind, via, untracked)
                 WHERE NOT EXISTS (SELECT FROM pg_catalog.unnest(v_name) AS seen(name)
                                    WHERE seen.name OPERATOR(pg_catalog.=) s.name)
                 ORDER BY s.name, s.via OPERATOR(pg_catalog.=) 'declared', s.dependent) AS f;
        v_name := v_name OPERATOR(pg_catalog.||) v_new_name;
        EXIT WHEN pg_catalog.cardinality(v_new_name) OPERATOR(pg_catalog.=) 0;
    END LOOP;

    -- Peel objects that read nothing unpeeled, until nothing changes.
    v_left := v_name;
    LOOP
        SELECT pg_catalog.array_agg(n.name) FILTER (WHERE b.dependent IS NOT NULL),
               pg_catalog.array_agg(n.name) FILTER (WHERE b.dependent IS NULL)
          INTO v_left, v_peeled
          FROM pg_catalog.unnest(v_left) AS n(name)
          LEFT JOIN (SELECT DISTINCT e.dependent
                       FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                       pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
                       JOIN pg_catalog.unnest(v_left) AS t(name) ON t.name OPERATOR(pg_catalog.=) e.name) AS b
            ON b.dependent OPERATOR(pg_catalog.=) n.name;
        EXIT WHEN v_left IS NULL OR v_peeled IS NULL;
    END LOOP;

    IF v_left IS NOT NULL THEN
        -- Every object left reads another one left: walk until the walk meets itself.
        SELECT pg_catalog.min(x) INTO v_next FROM pg_catalog.unnest(v_left) AS x;
        v_walk := '{}';
        WHILE v_next OPERATOR(pg_catalog.<>) ALL (v_walk) LOOP
            v_walk := v_walk OPERATOR(pg_catalog.||) v_next;
            SELECT pg_catalog.min(e.name) INTO v_next
              FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                              pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
             WHERE e.dependent OPERATOR(pg_catalog.=) v_walk[pg_catalog.cardinality(v_walk)]
               AND e.name OPERATOR(pg_catalog.=) ANY (v_left);
        END LOOP;
        v_cycle := v_walk[pg_catalog.array_position(v_walk, v_next):];
        -- spell it from the object nearest the target, as a reader follows the closure
        SELECT c.i INTO v_start
          FROM pg_catalog.generate_subscripts(v_cycle, 1) AS c(i)
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_depths)) AS n(name, depth)
            ON n.name OPERATOR(pg_catalog.=) v_cycle[c.i]
         ORDER BY n.depth, n.name
         LIMIT 1;
        v_cycle := v_cycle[v_start:] OPERATOR(pg_catalog.||) v_cycle[:v_start];
        -- what each edge of the cycle is, in the order of the path
        SELECT pg_catalog.string_agg(pg_catalog.format('%s -> %s: %s', c.dependent, c.name,
                                                       audit._edge_description(fk.kind, tk.kind, e.via)), '; ' ORDER BY c.i),
               pg_catalog.string_agg(pg_catalog.format('%s -> %s', c.dependent, c.name), ', ' ORDER BY c.i)
                   FILTER (WHERE e.via OPERATOR(pg_catalog.=) 'declared')
          INTO v_edges, v_declared
          FROM (SELECT i, v_cycle[i] AS dependent, v_cycle[i OPERATOR(pg_catalog.+) 1] AS name
                  FROM pg_catalog.generate_series(1, pg_catalog.cardinality(v_cycle) OPERATOR(pg_catalog.-) 1) AS i) AS c
          JOIN ROWS FROM (pg_catalog.unnest(v_edge_from),
                          pg_catalog.unnest(v_edge_to),
                          pg_catalog.unnest(v_edge_via)) AS e(dependent, name, via)
            ON e.dependent OPERATOR(pg_catalog.=) c.dependent AND e.name OPERATOR(pg_catalog.=) c.name
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_kind)) AS fk(name, kind)
            ON fk.name OPERATOR(pg_catalog.=) c.dependent
          JOIN ROWS FROM (pg_catalog.unnest(v_name), pg_catalog.unnest(v_kind)) AS tk(name, kind)
            ON tk.name OPERATOR(pg_catalog.=) c.name;
        RAISE EXCEPTION 'mvcert: dependency cycle in the closure of %: % (%)',
                v_target, pg_catalog.array_to_string(v_cycle, ' -> '), v_edges
            USING ERRCODE = 'invalid_recursion',
                  DETAIL = CASE WHEN v_declared IS NULL
                                THEN 'Each arrow means "reads"; every edge of the cycle is recorded by PostgreSQL.'
                                ELSE 'Each arrow means "reads". Declared edges on the cycle: ' OPERATOR(pg_catalog.||) v_declared OPERATOR(pg_catalog.||) '.' END,
                  HINT = CASE WHEN v_declared IS NULL
                              THEN 'Change one of the function bodies or views so the cycle is broken.'
                              ELSE 'Remove one of the declared edges with audit.undeclare_dependency(dependent, depends_on).' END;
    END IF;

    RETURN QUERY
    SELECT n.name, n.classid, n.objid, n.kind, n.depth, n.parent, n.via, COALESCE(r.reads, '{}'), n.untracked
      FROM ROWS FROM (pg_catalog.unnest(v_name),
                      pg_catalog.unnest(v_classid),
                      pg_catalog.unnest(v_objid),
                      pg_catalog.unnest(v_kind),
                      pg_catalog.unnest(v_depths),
                      pg_catalog.unnest(v_parent),
                      pg_catalog.unnest(v_via),
                      pg_catalog.unnest(v_untracked))
           AS n(name, classid, objid, kind, depth, parent, via, untracked)
      LEFT JOIN (SELECT e.dependent, pg_catalog.array_agg(DISTINCT e.name ORDER BY e.name) AS reads
                   FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                   pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
                  GROUP BY e.dependent) AS r ON r.dependent OPERATOR(pg_catalog.=) n.name;
END
$$;
COMMENT ON FUNCTION audit._closure_graph(regclass, boolean) IS
  'Internal: the dependency graph below a view or materialized view (depth, first parent, direct reads, untracked system relations); raises invalid_recursion naming a cycle and its edges.';

-- The pg_cron job name mvcert uses for a target's schedule: 'mvcert:<target>:<name>'.
-- Validates the name part and that the whole fits pg_cron's job name (a 63-byte "name"),
-- which would otherwise be cut silently and could collide with another target's job.
CREATE OR REPLACE FUNCTION audit._cron_job_name(p_target text, p_job_name text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_job text;
BEGIN
    IF p_job_name IS NULL OR p_job_name OPERATOR(pg_catalog.!~) '^[A-Za-z0-9_.-]+$' THEN
        RAISE EXCEPTION 'mvcert: invalid job name %', pg_catalog.quote_nullable(p_job_name)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use letters, digits, ''_'', ''.'' and ''-'' only, e.g. ''daily'' or ''intraday''.';
    END IF;
    v_job := pg_catalog.format('mvcert:%s:%s', p_target, p_job_name);
    IF pg_catalog.octet_length(v_job) OPERATOR(pg_catalog.>) 63 THEN
        RAISE EXCEPTION 'mvcert: pg_cron job name % is longer than 63 bytes', pg_catalog.quote_literal(v_job)
            USING ERRCODE = 'name_too_long', HINT = 'Choose a shorter job name.';
    END IF;
    RETURN v_job;
END
$$;
COMMENT ON FUNCTION audit._cron_job_name(text, text) IS
  'Internal: the pg_cron job name ''mvcert:<target>:<name>'' for a target''s schedule, validated.';

-- The run mode a target's runs use when the caller names none: the target's run_mode
-- (audit.target), incremental for a view that is not registered.
CREATE OR REPLACE FUNCTION audit._default_run_mode(p_target text)
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT t.run_mode FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) p_target), 'incremental')
$$;
COMMENT ON FUNCTION audit._default_run_mode(text) IS
  'Internal: the run mode of a target when none is given (audit.target.run_mode; incremental when unregistered).';

-- The hash of one object's definition, as certification, baselines and the strict gate
-- compare it: md5 of the deparsed definition (pg_get_viewdef for views and materialized
-- views, pg_get_functiondef for functions and procedures, the pg_aggregate row for
-- aggregates), prefixed with the kind so that turning a view into a materialized view
-- counts as a change. The search_path is pinned, so deparsed names are always qualified
-- the same way. NULL for an object that no longer exists or has no definition (tables).
CREATE OR REPLACE FUNCTION audit._definition_hash(p_kind text, p_objid oid)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_definition text;
BEGIN
    IF p_kind OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'materialized view']) THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_objid
                      AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])) THEN
            SELECT (CASE c.relkind WHEN 'm' THEN 'materialized view:' ELSE 'view:' END)
                   OPERATOR(pg_catalog.||) pg_catalog.pg_get_viewdef(c.oid)
              INTO v_definition
              FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_objid;
        END IF;
    ELSIF p_kind OPERATOR(pg_catalog.=) 'aggregate' THEN
        SELECT 'aggregate:' OPERATOR(pg_catalog.||) a::text INTO v_definition
          FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid OPERATOR(pg_catalog.=) p_objid;
    ELSIF p_kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure']) THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) p_objid) THEN
            v_definition := p_kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) pg_catalog.pg_get_functiondef(p_objid);
        END IF;
    END IF;
    RETURN pg_catalog.md5(v_definition);
END
$$;
COMMENT ON FUNCTION audit._definition_hash(text, oid) IS
  'Internal: md5 of the deparsed definition of a view, materialized view or function (NULL for tables and missing objects).';

-- One step of the dependency walk: what the given views, materialized views and functions
-- read or call directly. A view's or materialized view's query is its _RETURN rule, whose
-- pg_depend rows name the relations, functions and operators it uses; a function with a
-- BEGIN ATOMIC body has its own pg_depend rows (other SQL bodies are opaque here: the
-- certification reads them). pg_depend never records pinned objects, so a query over
-- pg_class or any other system catalog has no row for it: the relations of the stored
-- query tree's range tables (RangeTblEntry nodes, ':rtekind 0 :relid N') are read from
-- ev_action and prosqlbody as well. Relations in pg_catalog, information_schema and
-- pg_toast are `untracked`: their contents follow the server's state, which no refresh
-- and no statistics counter of mvcert observes. Operators count as the function behind
-- them. System functions (pg_catalog, information_schema) are left out: every other
-- function is unpinned, so pg_depend records it. Declared edges (audit.declared_dependency)
-- are added for views and materialized views; one that names a relation which no longer
-- exists is an error, since the dependency it records would silently vanish otherwise.
-- Objects are identified by their canonical name: audit._qualified_name for relations,
-- schema.name(identity arguments) for functions. Tables and other relations are leaves: the
-- caller passes only what it wants expanded; relations that are not views are ignored.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE OR REPLACE FUNCTION audit._direct_dependencies(p_relations oid[], p_functions oid[])
RETURNS TABLE (dependent text, name text, classid oid, objid oid, kind text, via text, untracked boolean)
LANGUAGE plpgsql
STABLE
ROWS 20
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_stale record;
BEGIN
    -- most databases declare no edge: the check below is then not even planned
    IF EXISTS (SELECT FROM audit.declared_dependency) THEN
        SELECT dd.dependent AS dependent, dd.depends_on AS depends_on INTO v_stale
          FROM audit.declared_dependency dd
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) ANY (p_relations)
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
           AND dd.dependent OPERATOR(pg_catalog.=) pg_catalog.format('%I.%I', n.nspname, c.relname)
           AND pg_catalog.to_regclass(dd.depends_on) IS NULL
         ORDER BY dd.depends_on
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'mvcert: declared dependency % -> % is stale: % no longer exists',
                    v_stale.dependent, v_stale.depends_on, v_stale.depends_on
                USING ERRCODE = 'undefined_table',
                      HINT = pg_catalog.format('Recreate %s, or remove the edge as the owner of audit.declared_dependency: '
                             'DELETE FROM audit.declared_dependency WHERE dependent = %L AND depends_on = %L;',
                             v_stale.depends_on, v_stale.dependent, v_stale.depends_on);
        END IF;
    END IF;

    RETURN QUERY
    -- Every catalog row is looked up by its oid (unnest and join, lateral lookups below): the
    -- generic plan cannot know how few oids it is given, and would otherwise scan and hash
    -- pg_class and pg_operator whole on every call, which grows with the catalog.
    WITH source_relation AS (
        SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
          FROM (SELECT DISTINCT r.oid FROM pg_catalog.unnest(p_relations) AS r(oid)) AS a
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.oid
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
    ), source_function AS (
        SELECT p.oid, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                        pg_catalog.pg_get_function_identity_arguments(p.oid)) AS name,
               p.prosqlbody
          FROM (SELECT DISTINCT f.oid FROM pg_catalog.unnest(p_functions) AS f(oid)) AS a
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) a.oid
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
    ), edge AS (
        -- the query of a view or materialized view (its _RETURN rule), minus the rule's
        -- reference to its own relation
        SELECT DISTINCT s.name AS dependent, d.refclassid, d.refobjid, 'catalog' AS via
          FROM source_relation s
          JOIN pg_catalog.pg_rewrite r
            ON r.ev_class OPERATOR(pg_catalog.=) s.oid
           AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
          JOIN pg_catalog.pg_depend d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
           AND d.objid OPERATOR(pg_catalog.=) r.oid
         WHERE NOT (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.refobjid OPERATOR(pg_catalog.=) s.oid)
        UNION
        -- relations the stored query (rule or BEGIN ATOMIC body) reads that pg_depend does not
        -- record: pinned objects, all below FirstNormalObjectId (16384), so the rule's own
        -- relation never shows up here; splitting on the field names is several times faster
        -- than a regular expression over the whole tree
        SELECT q.name, 'pg_catalog.pg_class'::pg_catalog.regclass, pg_catalog.split_part(x.piece, ' ', 1)::oid, 'catalog'
          FROM (SELECT s.name, r.ev_action::text AS tree
                  FROM source_relation s
                  JOIN pg_catalog.pg_rewrite r
                    ON r.ev_class OPERATOR(pg_catalog.=) s.oid
                   AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
                UNION ALL
                SELECT s.name, s.prosqlbody::text FROM source_function s WHERE s.prosqlbody IS NOT NULL) AS q
          CROSS JOIN LATERAL pg_catalog.string_to_table(q.tree, ':rtekind 0 :relid ') WITH ORDINALITY AS x(piece, i)
         WHERE x.i OPERATOR(pg_catalog.>) 1
           AND pg_catalog.split_part(x.piece, ' ', 1)::oid OPERATOR(pg_catalog.<) 16384::oid
        UNION
        -- a function body PostgreSQL parsed (BEGIN ATOMIC)
        SELECT s.name, d.refclassid, d.refobjid, 'catalog'
          FROM source_function s
          JOIN pg_catalog.pg_depend d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.objid OPERATOR(pg_catalog.=) s.oid
           AND d.deptype OPERATOR(pg_catalog.=) 'n'
         WHERE NOT (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.refobjid OPERATOR(pg_catalog.=) s.oid)
        UNION
        SELECT s.name, 'pg_catalog.pg_class'::pg_catalog.regclass, pg_catalog.to_regclass(dd.depends_on), 'declared'
          FROM source_relation s
          JOIN audit.declared_dependency dd ON dd.dependent OPERATOR(pg_catalog.=) s.name
    ), object AS (
        -- an operator stands for the function that implements it
        SELECT e.dependent,
               CASE WHEN e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_proc'::pg_catalog.regclass::oid ELSE e.refclassid END AS classid,
               CASE WHEN e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
                    THEN (SELECT o.oprcode::oid FROM pg_catalog.pg_operator o WHERE o.oid OPERATOR(pg_catalog.=) e.refobjid)
                    ELSE e.refobjid END AS objid,
               e.via
          FROM edge e
         WHERE e.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_class'::pg_catalog.regclass,
                                                             'pg_catalog.pg_proc'::pg_catalog.regclass,
                                                             'pg_catalog.pg_operator'::pg_catalog.regclass]::oid[])
    ), named AS (
        SELECT ob.dependent, ob.classid, ob.objid, ob.via, x.name, x.kind, x.untracked
          FROM object ob
          CROSS JOIN LATERAL (
              SELECT pg_catalog.format('%I.%I', cn.nspname, c.relname) AS name,
                     CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                    WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                    WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
                                    WHEN 'c' THEN 'composite type' WHEN 'i' THEN 'index'
                                    WHEN 'I' THEN 'partitioned index' WHEN 't' THEN 'toast table'
                                    ELSE 'relation of kind ' OPERATOR(pg_catalog.||) c.relkind::text END AS kind,
                     cn.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[]) AS untracked
                FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) c.relnamespace
               WHERE ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                 AND c.oid OPERATOR(pg_catalog.=) ob.objid
              UNION ALL
              SELECT pg_catalog.format('%I.%I(%s)', pn.nspname, p.proname,
                                       pg_catalog.pg_get_function_identity_arguments(p.oid)),
                     CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure' ELSE 'function' END,
                     false
                FROM pg_catalog.pg_proc p
                JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
               WHERE ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                 AND p.oid OPERATOR(pg_catalog.=) ob.objid
                 AND pn.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::name[])
          ) AS x
    )
    -- a declared edge the catalog also records is shown as a catalog edge
    SELECT DISTINCT ON (nd.dependent, nd.name) nd.dependent, nd.name, nd.classid, nd.objid, nd.kind, nd.via,
           nd.untracked
      FROM named nd
     ORDER BY nd.dependent, nd.name, nd.via OPERATOR(pg_catalog.=) 'declared';
END
$$;
COMMENT ON FUNCTION audit._direct_dependencies(oid[], oid[]) IS
  'Internal: direct dependencies (catalog, stored query tree and declared) of the given views, materialized views and functions, by canonical name; untracked marks system relations.';

-- What one edge of the dependency graph is, in words, for messages about cycles: 'view reads
-- materialized view', 'view calls function', 'function body reads view', 'function body
-- calls function', or 'declared dependency' for an edge of audit.declared_dependency.
-- Kinds are those of audit.closure.
CREATE OR REPLACE FUNCTION audit._edge_description(p_from_kind text, p_to_kind text, p_via text)
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

-- A time of an input fingerprint as an exact epoch: fingerprints store epoch numbers; those
-- recorded by mvcert 0.1.0 stored text in the recording session's TimeZone, which this reads
-- as the instant it names. So fingerprints compare instants, never text.
CREATE OR REPLACE FUNCTION audit._fingerprint_epoch(p_value jsonb)
RETURNS numeric
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE pg_catalog.jsonb_typeof(p_value)
             WHEN 'number' THEN (p_value OPERATOR(pg_catalog.#>>) '{}')::numeric
             WHEN 'string' THEN EXTRACT(epoch FROM (p_value OPERATOR(pg_catalog.#>>) '{}')::timestamptz)
           END
$$;
COMMENT ON FUNCTION audit._fingerprint_epoch(jsonb) IS
  'Internal: a fingerprint time (epoch number, or 0.1.0''s timestamptz text) as an exact epoch.';

-- The hash of what a function runs, as an exemption from the time-of-query analysis records
-- it: its language, library and body text (prosrc: the source of SQL, PL/pgSQL and other
-- languages, the symbol of C functions). Any change to the body changes the hash, which
-- voids the exemption.
CREATE OR REPLACE FUNCTION audit._function_body_hash(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(E'\n', l.lanname, p.probin, p.prosrc, p.prosqlbody::text))
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_body_hash(oid) IS
  'Internal: md5 of a function''s language, library and body, as analysis exemptions record it.';

-- The name certification gives a function: schema.name(identity arguments), each part quoted
-- only where needed, the same as audit.closure names it and independent of the caller's
-- search_path (types outside pg_catalog come qualified).
CREATE OR REPLACE FUNCTION audit._function_identity(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid))
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
     WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_identity(oid) IS
  'Internal: schema-qualified name and identity arguments of a function, independent of search_path.';

-- A function as regprocedure input takes it: schema.name(argument types), independent of the
-- caller's search_path, for messages that tell users what to pass (audit.exempt_function).
CREATE OR REPLACE FUNCTION audit._function_signature(p_function oid)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) p_function
$$;
COMMENT ON FUNCTION audit._function_signature(oid) IS
  'Internal: schema-qualified regprocedure text of a function (name and argument types), independent of search_path.';

-- The query of a guarded view over p_source (audit.create_guarded_view), also for re-creating
-- an existing guarded view in place (CREATE OR REPLACE VIEW keeps its grants):
--   SELECT * FROM <source> WHERE CASE WHEN EXISTS (<a fresh CERTIFIED registry row of the
--   source>) THEN true ELSE audit.require_certified(<source>, <max_age>) END
-- The EXISTS has only constants, so the planner makes it an InitPlan and the whole condition a
-- one-time filter: once per query, before any row is read, the registry row is read with the
-- view owner's rights and no function runs at all on the happy path. Otherwise the gate runs
-- and raises exactly as when called directly. The row must carry both the source's name and
-- its oid: after a rename, or a dump and restore (new oids), the gate decides. The strict
-- gate compares the closure on every read, so a strict view just calls it.
CREATE OR REPLACE FUNCTION audit._guarded_view_query(p_source regclass, p_max_age interval, p_strict boolean)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_source text := audit._require_view(p_source, 'source');
BEGIN
    IF p_max_age IS NULL OR p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be a positive interval, got %', COALESCE(p_max_age::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_strict THEN
        RETURN pg_catalog.format(
            'SELECT * FROM %s WHERE audit.require_certified_strict(%L::pg_catalog.regclass, %L::pg_catalog.interval)',
            v_source, v_source, p_max_age);
    END IF;
    RETURN pg_catalog.format($q$SELECT * FROM %1$s
 WHERE CASE WHEN EXISTS (SELECT FROM audit.registry r
                          WHERE r.target OPERATOR(pg_catalog.=) %2$L::pg_catalog.text
                            AND r.target_oid OPERATOR(pg_catalog.=) %2$L::pg_catalog.regclass::pg_catalog.oid
                            AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED'::pg_catalog.text
                            AND (pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at) OPERATOR(pg_catalog.<=) %3$L::pg_catalog.interval)
            THEN true
            ELSE audit.require_certified(%2$L::pg_catalog.regclass, %3$L::pg_catalog.interval) END$q$,
        v_source, v_source, p_max_age);
END
$$;
COMMENT ON FUNCTION audit._guarded_view_query(regclass, interval, boolean) IS
  'Internal: the query of a guarded view (fast path: a registry InitPlan read with the view owner''s rights; otherwise the gate raises).';

-- The live inputs of a registered target for audit.health (descriptions from
-- audit._live_inputs): NULL when they cannot be determined now (the target was dropped or
-- renamed, or its closure is broken: a stale declared edge, a cycle), never an error, so
-- one broken target cannot take the health of every other target down with it.
CREATE OR REPLACE FUNCTION audit._health_live_inputs(p_target text)
RETURNS text[]
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target regclass;
BEGIN
    v_target := pg_catalog.to_regclass(p_target);
    IF v_target IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY(SELECT l.description FROM audit._live_inputs(v_target) AS l ORDER BY l.relation);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit._health_live_inputs(text) IS
  'Internal: live inputs of a registered target for audit.health; NULL instead of an error when they cannot be determined.';

-- Whether the WHERE clause of an index is constantly true, decided the way REFRESH ...
-- CONCURRENTLY decides it: the server reads the predicate through RelationGetIndexPredicate,
-- which folds constants (eval_const_expressions: immutable functions are evaluated, simple
-- SQL functions inlined), and an index whose predicate folds to TRUE counts as having none.
-- A predicate without column references is handed to the same folder, as the planner's
-- qual preprocessing of `SELECT WHERE <predicate>`, and EXPLAIN shows what is left of it:
-- nothing when it folded to TRUE; a One-Time Filter when it folded to FALSE or NULL or did
-- not fold (a stable function). Only what the server would evaluate is evaluated, as the
-- caller (never SECURITY DEFINER). Returns true or false, or NULL when it cannot be decided
-- here: the predicate reads columns, or folding it fails (the server's refresh would then
-- fail too); callers treat NULL as a partial index, as before. An index without a
-- predicate holds trivially. VOLATILE only because PostgreSQL refuses EXPLAIN in a
-- non-volatile function; it reads and changes nothing.
CREATE OR REPLACE FUNCTION audit._index_predicate_holds(p_index oid)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_predicate pg_catalog.pg_node_tree;
    v_table     oid;
    v_plan      jsonb;
BEGIN
    SELECT i.indpred, i.indrelid INTO v_predicate, v_table
      FROM pg_catalog.pg_index i
     WHERE i.indexrelid OPERATOR(pg_catalog.=) p_index;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_predicate IS NULL THEN
        RETURN true;
    END IF;
    IF pg_catalog.strpos(v_predicate::text, '{VAR ') OPERATOR(pg_catalog.>) 0 THEN
        RETURN NULL;
    END IF;
    BEGIN
        -- the expression as pg_get_expr prints it under this function's search_path, so
        -- it parses back to the same functions and operators
        EXECUTE pg_catalog.format('EXPLAIN (COSTS OFF, FORMAT JSON) SELECT WHERE (%s)',
                                  pg_catalog.pg_get_expr(v_predicate, v_table))
           INTO v_plan;
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    RETURN NOT (v_plan OPERATOR(pg_catalog.->) 0 OPERATOR(pg_catalog.->) 'Plan' OPERATOR(pg_catalog.?) 'One-Time Filter');
END
$$;
COMMENT ON FUNCTION audit._index_predicate_holds(oid) IS
  'Internal: whether an index''s WHERE clause folds to TRUE the way the server folds it (NULL when it reads columns or cannot be folded).';

-- Why a materialized view must be refreshed, or NULL when none of its inputs changed since
-- mvcert last refreshed it successfully, together with the fingerprint of its inputs now
-- (computed once: a refresh step records it before refreshing). Conservative: it answers with
-- a reason whenever it cannot prove nothing changed: never refreshed by mvcert, not populated,
-- recreated, a volatile or time-of-query call in its definition, a system catalog or a
-- foreign table among its inputs, statistics reset or server restarted since, or any input
-- whose oid, relfilenode, size, tuple counters, query tree, function body or (for upstream
-- materialized views) last refresh differs from the fingerprint. A view whose only clock read
-- is CURRENT_DATE keeps the day and the session's TimeZone in its fingerprint, so a same-day
-- rerun in the same TimeZone may skip it. Times are compared as instants.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE OR REPLACE FUNCTION audit._input_changes(p_matview regclass, OUT reason text, OUT fingerprint jsonb)
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
DECLARE
    v_name     text := audit._qualified_name(p_matview);
    v_calls    text[];
    v_stored   audit.input_fingerprint;
    v_input    record;
    v_old      jsonb;
    v_diff     text;
BEGIN
    fingerprint := audit._inputs_fingerprint(p_matview);
    v_calls := audit._volatile_calls(p_matview);
    IF v_calls OPERATOR(pg_catalog.=) ARRAY['CURRENT_DATE'] THEN
        fingerprint := fingerprint OPERATOR(pg_catalog.||)
            pg_catalog.jsonb_build_object('day', CURRENT_DATE::text, 'timezone', pg_catalog.current_setting('TimeZone'));
    ELSIF pg_catalog.cardinality(v_calls) OPERATOR(pg_catalog.>) 0 THEN
        reason := 'definition calls ' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(v_calls, ', ');
        RETURN;
    END IF;
    IF NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_matview) THEN
        reason := 'not populated';
        RETURN;
    END IF;
    SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview OPERATOR(pg_catalog.=) v_name;
    IF NOT FOUND THEN
        reason := 'never refreshed by mvcert';
        RETURN;
    END IF;
    IF v_stored.matview_oid OPERATOR(pg_catalog.<>) p_matview::oid THEN
        reason := 'recreated since its last refresh';
        RETURN;
    END IF;
    IF audit._fingerprint_epoch(fingerprint OPERATOR(pg_catalog.->) 'server_started')
       IS DISTINCT FROM audit._fingerprint_epoch(v_stored.fingerprint OPERATOR(pg_catalog.->) 'server_started') THEN
        reason := 'server restarted since the last refresh (statistics may have been lost)';
        RETURN;
    END IF;
    IF audit._fingerprint_epoch(fingerprint OPERATOR(pg_catalog.->) 'stats_reset')
       IS DISTINCT FROM audit._fingerprint_epoch(v_stored.fingerprint OPERATOR(pg_catalog.->) 'stats_reset') THEN
        reason := 'statistics were reset since the last refresh';
        RETURN;
    END IF;
    IF fingerprint OPERATOR(pg_catalog.?) 'day'
       AND (fingerprint OPERATOR(pg_catalog.->) 'day', fingerprint OPERATOR(pg_catalog.->) 'timezone')
           IS DISTINCT FROM (v_stored.fingerprint OPERATOR(pg_catalog.->) 'day', v_stored.fingerprint OPERATOR(pg_catalog.->) 'timezone') THEN
        reason := pg_catalog.format('definition calls CURRENT_DATE, and the day or TimeZone changed (%s %s -> %s %s)',
                                    COALESCE(v_stored.fingerprint OPERATOR(pg_catalog.->>) 'day', 'none'),
                                    COALESCE(v_stored.fingerprint OPERATOR(pg_catalog.->>) 'timezone', 'none'),
                                    fingerprint OPERATOR(pg_catalog.->>) 'day', fingerprint OPERATOR(pg_catalog.->>) 'timezone');
        RETURN;
    END IF;
    FOR v_input IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(fingerprint OPERATOR(pg_catalog.->) 'inputs') e ORDER BY e.key LOOP
        IF v_input.value OPERATOR(pg_catalog.->>) 'kind' OPERATOR(pg_catalog.=) 'foreign table' THEN
            reason := pg_catalog.format('foreign table %s: its changes cannot be observed', v_input.key);
            RETURN;
        END IF;
        v_old := v_stored.fingerprint OPERATOR(pg_catalog.->) 'inputs' OPERATOR(pg_catalog.->) v_input.key;
        IF v_old IS NULL THEN
            reason := pg_catalog.format('new input %s', v_input.key);
            RETURN;
        END IF;
        IF v_old OPERATOR(pg_catalog.<>) v_input.value THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s %s -> %s', n.key, COALESCE(v_old OPERATOR(pg_catalog.->>) n.key, 'none'), n.value),
                                         ', ' ORDER BY n.key)
              INTO v_diff
              FROM pg_catalog.jsonb_each_text(v_input.value) n
             WHERE (v_old OPERATOR(pg_catalog.->>) n.key) IS DISTINCT FROM n.value;
            reason := pg_catalog.format('input %s changed (%s)', v_input.key, COALESCE(v_diff, 'attributes removed'));
            RETURN;
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key) INTO v_diff
      FROM pg_catalog.jsonb_object_keys(v_stored.fingerprint OPERATOR(pg_catalog.->) 'inputs') o(key)
     WHERE NOT (fingerprint OPERATOR(pg_catalog.->) 'inputs') OPERATOR(pg_catalog.?) o.key;
    IF v_diff IS NOT NULL THEN
        reason := 'inputs no longer read: ' OPERATOR(pg_catalog.||) v_diff;
    END IF;
END
$$;
COMMENT ON FUNCTION audit._input_changes(regclass) IS
  'Internal: why a materialized view needs a refresh (or NULL when its inputs are unchanged), and the fingerprint of its inputs now.';

-- (Named _inputs_fingerprint: audit._input_fingerprint would be the array type of table audit.input_fingerprint.)
-- The fingerprint of a materialized view's inputs now: for every relation it reads, down to
-- tables and upstream materialized views (tables, leaf partitions of partitioned tables,
-- views, upstream materialized views, not what those read)
-- its oid, relfilenode, size and tuple counters, for views the hash of their query tree,
-- for upstream materialized views the step that last refreshed them; for user functions
-- of the closure the hash of their body; and the database's statistics reset time and
-- the server start time (a restart or crash can lose counters). Tuple counters are the
-- shared statistics plus this backend's not yet flushed ones (pg_stat_get_xact_*), so
-- changes made earlier in the current transaction count; the statistics snapshot is
-- cleared first, since within a transaction it is otherwise cached.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE OR REPLACE FUNCTION audit._inputs_fingerprint(p_matview regclass)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
DECLARE
    v_inputs jsonb;
BEGIN
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    WITH cl AS (
        -- what the view reads, through plain views and functions, down to tables and the
        -- materialized views it reads (not below them: an upstream view's own refresh step,
        -- relfilenode and counters say whether what it holds changed)
        SELECT g.name AS relation, g.objid AS relid, g.kind FROM audit._closure_graph(p_matview, false) g
    ), rel AS (
        SELECT cl.relation, cl.relid, cl.kind
          FROM cl
         WHERE cl.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['function', 'aggregate', 'procedure'])
           AND cl.relid OPERATOR(pg_catalog.<>) p_matview::oid
        UNION
        SELECT audit._qualified_name(pt.relid), pt.relid, 'partition'
          FROM cl, LATERAL pg_catalog.pg_partition_tree(cl.relid::pg_catalog.regclass) pt
         WHERE cl.kind OPERATOR(pg_catalog.=) 'partitioned table'
           AND pt.relid OPERATOR(pg_catalog.<>) cl.relid AND pt.isleaf
    ), item AS (
        SELECT r.relation AS name,
               pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                 'kind', r.kind,
                 'oid', r.relid,
                 'relfilenode', pg_catalog.pg_relation_filenode(r.relid::pg_catalog.regclass),
                 'size', CASE WHEN c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'm', 't']::"char"[])
                              THEN pg_catalog.pg_relation_size(r.relid::pg_catalog.regclass) END,
                 'ins', pg_catalog.pg_stat_get_tuples_inserted(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_inserted(r.relid),
                 'upd', pg_catalog.pg_stat_get_tuples_updated(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_updated(r.relid),
                 'del', pg_catalog.pg_stat_get_tuples_deleted(r.relid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(r.relid),
                 'populated', CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'm' THEN c.relispopulated END,
                 'query', (SELECT pg_catalog.md5(w.ev_action::text) FROM pg_catalog.pg_rewrite w
                            WHERE w.ev_class OPERATOR(pg_catalog.=) r.relid AND w.rulename OPERATOR(pg_catalog.=) '_RETURN'),
                 'refreshed_by_step', (SELECT f.step_id FROM audit.input_fingerprint f
                                        WHERE c.relkind OPERATOR(pg_catalog.=) 'm'
                                          AND f.matview OPERATOR(pg_catalog.=) r.relation))) AS value
          FROM rel r
          LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.relid
        UNION ALL
        SELECT cl.relation,
               pg_catalog.jsonb_build_object('kind', cl.kind, 'oid', cl.relid,
                 'body', pg_catalog.md5(p.prosrc OPERATOR(pg_catalog.||) COALESCE(p.prosqlbody::text, '')
                                        OPERATOR(pg_catalog.||) p.provolatile::text))
          FROM cl
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) cl.relid
         WHERE cl.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'aggregate', 'procedure'])
    )
    SELECT COALESCE(pg_catalog.jsonb_object_agg(i.name, i.value), '{}') INTO v_inputs FROM item i;

    -- Times as epoch numbers, not text: text would carry the session's TimeZone, and the same
    -- instant written under UTC and compared under UTC+14 must stay equal.
    RETURN pg_catalog.jsonb_build_object(
        'matview_oid', p_matview::oid,
        'stats_reset', (SELECT EXTRACT(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(d.oid))
                          FROM pg_catalog.pg_database d
                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()),
        'server_started', EXTRACT(epoch FROM pg_catalog.pg_postmaster_start_time()),
        'inputs', v_inputs);
END
$$;
COMMENT ON FUNCTION audit._inputs_fingerprint(regclass) IS
  'Internal: fingerprint of the inputs of a materialized view now (counters, relfilenodes, sizes, definition hashes, stats reset, server start).';

-- Records that an object changed in the transaction calling it, and moves every target whose
-- certified closure holds the object out of CERTIFIED (to STALE, with the reason), so no
-- reader sees the change as certified: the gates read the registry row this updates, and the
-- update becomes visible exactly when the change does. Called by mvcert's refresh steps
-- before each REFRESH (p_run_id names the run) and by the change-detection event triggers
-- for REFRESH and DDL run by anyone (p_run_id NULL). An object in no certified closure costs
-- one index lookup. A change is recorded once per target and transaction. Returns how many
-- targets left CERTIFIED.
CREATE OR REPLACE FUNCTION audit._invalidate(p_classid oid, p_objid oid, p_command text, p_run_id bigint DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_hit       record;
    v_reason    text;
    v_moved     integer := 0;
    v_run       audit.run;
    v_left      boolean;
BEGIN
    FOR v_hit IN
        SELECT o.target, o.object FROM audit.certified_object o
         WHERE o.objid OPERATOR(pg_catalog.=) p_objid AND o.classid OPERATOR(pg_catalog.=) p_classid
         ORDER BY o.target
    LOOP
        IF EXISTS (SELECT FROM audit.closure_change c
                    WHERE c.target OPERATOR(pg_catalog.=) v_hit.target
                      AND c.xact OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()
                      AND c.objid OPERATOR(pg_catalog.=) p_objid) THEN
            CONTINUE;
        END IF;
        IF p_run_id IS NOT NULL THEN
            SELECT * INTO v_run FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id;
            v_reason := pg_catalog.format('mvcert run %s (%s) published %s; readers fail closed until the run''s certification passes',
                                          p_run_id, COALESCE(v_run.mode, 'unknown mode'), v_hit.object);
        ELSE
            v_reason := pg_catalog.format('%s of %s by %s at %s, outside mvcert; certify %s again',
                                          p_command, v_hit.object, SESSION_USER,
                                          pg_catalog.date_trunc('second', pg_catalog.clock_timestamp()), v_hit.target);
        END IF;
        UPDATE audit.registry r
           SET status = 'STALE', status_since = pg_catalog.clock_timestamp(), stale_reason = v_reason
         WHERE r.target OPERATOR(pg_catalog.=) v_hit.target AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED';
        v_left := FOUND;
        INSERT INTO audit.closure_change (target, object, objid, command, run_id, invalidated)
        VALUES (v_hit.target, v_hit.object, p_objid, p_command, p_run_id, v_left);
        IF v_left THEN
            v_moved := v_moved OPERATOR(pg_catalog.+) 1;
        END IF;
    END LOOP;
    RETURN v_moved;
END
$$;
COMMENT ON FUNCTION audit._invalidate(oid, oid, text, bigint) IS
  'Internal: records a change of an object of certified closures and moves their targets from CERTIFIED to STALE in the changing transaction.';

-- How many agents are alive: not stopped and seen within p_within. The SQL entry points
-- refuse to wait for a result nobody will produce.
CREATE OR REPLACE FUNCTION audit._live_agent_count(p_within interval DEFAULT interval '30 seconds')
RETURNS integer
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*)::integer
      FROM audit.agent a
     WHERE a.stopped_at IS NULL
       AND a.last_seen_at OPERATOR(pg_catalog.>) (pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p_within)
$$;
COMMENT ON FUNCTION audit._live_agent_count(interval) IS
  'Internal: number of agents not stopped and seen within the interval.';

-- The live inputs of a target: relations its rows come from directly, not through any
-- materialized view. A path from the target through plain views (and functions and
-- declared edges) to a table, foreign table, sequence or system catalog or view passes
-- through no snapshot, so readers of the target see such a relation's rows as they are at
-- query time: they change without any refresh, and certification saw them only as they were
-- when it ran. One row per live input, with the objects of that path that read it directly
-- (read_by), and a description `relation (kind, read by a, b)` for messages and
-- audit.health. None for a materialized view target: everything below it is its snapshot.
-- Raises like audit.closure for a bad target or a broken closure.
CREATE OR REPLACE FUNCTION audit._live_inputs(p_target regclass)
RETURNS TABLE (relation text, relid oid, kind text, read_by text[], description text)
LANGUAGE sql
STABLE
ROWS 10
SET search_path TO pg_catalog, pg_temp
AS $$
    WITH graph AS MATERIALIZED (
        -- the walk stops at materialized views: they are listed, their inputs are not
        SELECT g.* FROM audit._closure_graph(p_target, false) AS g
    )
    SELECT g.name, g.objid, g.kind, b.read_by,
           pg_catalog.format('%s (%s, read by %s)', g.name,
                             CASE WHEN g.untracked THEN 'system ' OPERATOR(pg_catalog.||) g.kind ELSE g.kind END,
                             pg_catalog.array_to_string(b.read_by, ', '))
      FROM graph g
      CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(r.name ORDER BY r.name) AS read_by
                            FROM graph r
                           WHERE g.name OPERATOR(pg_catalog.=) ANY (r.reads)) AS b
     WHERE (g.untracked
            OR g.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['view', 'materialized view', 'function', 'procedure', 'aggregate']))
       AND NOT EXISTS (SELECT FROM graph t
                        WHERE t.depth OPERATOR(pg_catalog.=) 0
                          AND t.kind OPERATOR(pg_catalog.=) 'materialized view')
     ORDER BY g.name
$$;
COMMENT ON FUNCTION audit._live_inputs(regclass) IS
  'Internal: relations a target reads through plain views only (no materialized view in between), whose rows change without any refresh, with the objects that read them.';

-- The one sentence that warns about a target's live inputs (audit._live_inputs), NULL when
-- it has none: the warning of audit.refresh_plan and the WARNING audit.register_target
-- raises. It says what happens and never suggests the rows are pinned.
CREATE OR REPLACE FUNCTION audit._live_inputs_warning(p_target regclass)
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

-- The statistics counters of a relation that the strict gate compares, each as PostgreSQL
-- will hold it once this session's statistics are flushed (the shared statistics plus what
-- this backend has not flushed yet, its own open transaction included):
--   written    rows ever inserted, updated or deleted, rolled-back work included; only grows
--              (a concurrent refresh keeps the relfilenode but moves it)
--   committed  inserts, updates and deletes of committed transactions since the last ANALYZE;
--              rolled-back work never counts, an ANALYZE (or autovacuum's) sets it back to 0
--   analyzed   how many times the relation was analyzed, by ANALYZE or autovacuum; only grows
-- PostgreSQL cannot tell this backend's pending committed work from its pending rolled-back
-- work, so both count as committed here until they are flushed: that can only make the
-- strict gate refuse (for about a second after a rollback in the same session), never pass.
-- An ANALYZE reports at once, even in a transaction that later rolls back.
CREATE OR REPLACE FUNCTION audit._matview_counters(p_relid oid, OUT written bigint, OUT committed bigint, OUT analyzed bigint)
RETURNS record
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_stat_get_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_deleted(p_relid) OPERATOR(pg_catalog.+) p.pending,
           pg_catalog.pg_stat_get_mod_since_analyze(p_relid) OPERATOR(pg_catalog.+) p.pending,
           pg_catalog.pg_stat_get_analyze_count(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_autoanalyze_count(p_relid)
      FROM (SELECT pg_catalog.pg_stat_get_xact_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
                   pg_catalog.pg_stat_get_xact_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
                   pg_catalog.pg_stat_get_xact_tuples_deleted(p_relid) AS pending) p
$$;
COMMENT ON FUNCTION audit._matview_counters(oid) IS
  'Internal: rows written (rolled-back work included), committed modifications since the last ANALYZE, and ANALYZE count of a relation, as the strict gate compares them.';

-- Event trigger (ddl_command_end): REFRESH MATERIALIZED VIEW and DDL (CREATE OR REPLACE, ALTER,
-- CREATE/DROP INDEX, rules, policies, ...) on an object of a certified closure moves its
-- targets out of CERTIFIED in the transaction that runs the command, whoever runs it.
-- A change to a part of a relation (an index, a rule, a policy, a constraint) counts as a
-- change of the relation. Comments and security labels change no rows and are ignored.
CREATE OR REPLACE FUNCTION audit._on_closure_ddl()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cmd   record;
    v_rel   oid;
BEGIN
    FOR v_cmd IN SELECT c.classid, c.objid, c.command_tag FROM pg_catalog.pg_event_trigger_ddl_commands() c LOOP
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) ANY (ARRAY['COMMENT', 'SECURITY LABEL']) THEN
            CONTINUE;
        END IF;
        -- an mvcert refresh step's own REFRESH: audit._step_done invalidates, naming the run
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) 'REFRESH MATERIALIZED VIEW'
           AND pg_catalog.current_setting('mvcert.step_matview', true) OPERATOR(pg_catalog.=) v_cmd.objid::text THEN
            CONTINUE;
        END IF;
        PERFORM audit._invalidate(v_cmd.classid, v_cmd.objid, v_cmd.command_tag);
        -- a REFRESH outside an mvcert step (those were passed over above) makes the row count
        -- mvcert recorded for the view unknown: the next step counts again
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) 'REFRESH MATERIALIZED VIEW' THEN
            UPDATE audit.input_fingerprint f SET rows_after = NULL
             WHERE f.matview_oid OPERATOR(pg_catalog.=) v_cmd.objid AND f.rows_after IS NOT NULL;
        END IF;
        v_rel := CASE v_cmd.classid
                   WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                     (SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
                     (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN
                     (SELECT p.polrelid FROM pg_catalog.pg_policy p WHERE p.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
                     (SELECT t.tgrelid FROM pg_catalog.pg_trigger t WHERE t.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
                     (SELECT c.conrelid FROM pg_catalog.pg_constraint c WHERE c.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN
                     (SELECT d.adrelid FROM pg_catalog.pg_attrdef d WHERE d.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                 END;
        IF v_rel IS NOT NULL AND v_rel OPERATOR(pg_catalog.<>) 0 THEN
            PERFORM audit._invalidate('pg_catalog.pg_class'::pg_catalog.regclass, v_rel, v_cmd.command_tag);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit._on_closure_ddl() IS
  'Internal (event trigger mvcert_closure_ddl): REFRESH and DDL on an object of a certified closure move its targets to STALE in the same transaction.';

-- Event trigger (sql_drop): dropping an object of a certified closure (a view, materialized
-- view, function, table or one of the closure's indexes) moves its targets out of CERTIFIED
-- in the dropping transaction.
CREATE OR REPLACE FUNCTION audit._on_closure_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_obj record;
BEGIN
    FOR v_obj IN SELECT d.classid, d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d LOOP
        PERFORM audit._invalidate(v_obj.classid, v_obj.objid, TG_TAG);
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit._on_closure_drop() IS
  'Internal (event trigger mvcert_closure_drop): dropping an object of a certified closure moves its targets to STALE in the same transaction.';

-- Lets PostgreSQL itself parse SQL that a function runs, so that certification sees exactly
-- what the server resolves at run time (which overload a call picks, which literal becomes a
-- date) instead of guessing from the text. PostgreSQL keeps no parse of a function whose body
-- is text (LANGUAGE sql AS '...', PL/pgSQL), so this creates a temporary clone with a
-- BEGIN ATOMIC body, reads the parse tree PostgreSQL stored for it (prosqlbody) and undoes
-- the clone (the work runs in a subtransaction that is always rolled back).
--
-- Without p_statements the clone is the function itself: its input parameters and result,
-- its text body. With p_statements (SQL that a PL/pgSQL body runs, one statement after another) the
-- clone takes every parameter of the function as an input, plus p_variables
-- ([{"name": "v_day", "type": "date"}, ...], the PL/pgSQL variables those statements use),
-- returns void, and its body is p_statements. p_argument_types are the types a call passes
-- (the function's input parameters in order; 0 where unknown): they stand in for polymorphic
-- parameter types (anyelement, anyarray, ...), which a BEGIN ATOMIC body cannot have.
-- Names are resolved with the function's own search_path setting, or else with its schema
-- followed by the session's default search_path.
--
-- Returns one row: the tree (text form of pg_node_tree) and body_offset, the byte offset of
-- the body in the statement PostgreSQL parsed (tree locations are offsets in that
-- statement); or problem, saying why the body cannot be parsed this way. A body that would
-- end the BEGIN ATOMIC block early and add statements of its own is refused before
-- anything runs: the text must be exactly one CREATE FUNCTION statement.
CREATE OR REPLACE FUNCTION audit._parse_sql_body(p_function regprocedure, p_argument_types oid[] DEFAULT NULL,
                                      p_statements text DEFAULT NULL, p_variables jsonb DEFAULT NULL)
RETURNS TABLE (tree text, body_offset integer, problem text)
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_proc          record;
    v_types         oid[];
    v_modes         "char"[];
    v_names         text[];
    -- per family: what anyelement, anyrange and anymultirange stand for
    v_element       oid[] := '{NULL,NULL}';
    v_range         oid[] := '{NULL,NULL}';
    v_multirange    oid[] := '{NULL,NULL}';
    v_families      integer[] := '{}';
    v_kinds         text[] := '{}';
    v_family        integer;
    v_actual        oid;
    v_type          oid;
    v_input         integer := 0;
    v_polymorphic   text;
    v_declarations  text[] := '{}';
    v_taken         text[] := '{}';
    v_variable      jsonb;
    v_returns       text;
    v_body          text;
    v_path          text;
    v_prefix        text;
    v_create        text;
    v_tag           text;
    v_cursor        refcursor;
BEGIN
    SELECT p.prokind, p.proretset, p.prorettype, p.prosrc, p.prosqlbody IS NOT NULL AS atomic, l.lanname,
           -- (proargtypes is an oidvector, whose array form starts at index 0)
           COALESCE(p.proallargtypes, pg_catalog.string_to_array(p.proargtypes::text, ' ')::oid[]) AS types, p.proargmodes AS modes,
           p.proargnames AS names, n.nspname, p.proconfig
      INTO v_proc
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
     WHERE p.oid OPERATOR(pg_catalog.=) p_function;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: function % does not exist', p_function
            USING ERRCODE = 'undefined_function', HINT = 'Pass the oid of an existing function.';
    END IF;
    IF p_statements IS NULL AND (v_proc.lanname OPERATOR(pg_catalog.<>) 'sql' OR v_proc.atomic) THEN
        RAISE EXCEPTION 'mvcert: % has no SQL body stored as text (language %)', p_function, v_proc.lanname
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the statements to parse in p_statements, or a LANGUAGE sql function with a quoted body.';
    END IF;
    v_types := v_proc.types;
    v_modes := v_proc.modes;
    v_names := v_proc.names;

    -- Polymorphic types by family (1: anyelement and kin, 2: anycompatible and kin) and kind
    -- (element, array, range, multirange); position 0 is the result type.
    FOR i IN 0 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        v_polymorphic := (CASE WHEN i OPERATOR(pg_catalog.=) 0 THEN v_proc.prorettype ELSE v_types[i] END)::regtype::text;
        v_families[i] := CASE WHEN v_polymorphic OPERATOR(pg_catalog.~~) 'anycompatible%' THEN 2 ELSE 1 END;
        v_kinds[i] := CASE pg_catalog.replace(v_polymorphic, 'anycompatible', 'any')
                          WHEN 'any' THEN 'element' WHEN 'anyelement' THEN 'element' WHEN 'anynonarray' THEN 'element'
                          WHEN 'anyenum' THEN 'element' WHEN 'anyarray' THEN 'array' WHEN 'anyrange' THEN 'range'
                          WHEN 'anymultirange' THEN 'multirange' END;
    END LOOP;
    -- What they stand for at this call, from the types of its arguments.
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        CONTINUE WHEN v_modes IS NOT NULL AND v_modes[i] OPERATOR(pg_catalog.=) ANY (ARRAY['o', 't']::"char"[]);
        v_input := v_input OPERATOR(pg_catalog.+) 1;
        v_actual := NULLIF(p_argument_types[v_input], 0);
        CONTINUE WHEN v_actual IS NULL OR v_kinds[i] IS NULL;
        v_family := v_families[i];
        CASE v_kinds[i]
            WHEN 'element' THEN
                v_element[v_family] := COALESCE(v_element[v_family], v_actual);
            WHEN 'array' THEN
                v_element[v_family] := COALESCE(v_element[v_family], (SELECT NULLIF(t.typelem, 0) FROM pg_catalog.pg_type t
                                                                     WHERE t.oid OPERATOR(pg_catalog.=) v_actual));
            WHEN 'range' THEN
                v_range[v_family] := COALESCE(v_range[v_family], v_actual);
            ELSE
                v_multirange[v_family] := COALESCE(v_multirange[v_family], v_actual);
        END CASE;
    END LOOP;
    FOR f IN 1 .. 2 LOOP
        v_range[f] := COALESCE(v_range[f], (SELECT r.rngtypid FROM pg_catalog.pg_range r
                                             WHERE r.rngmultitypid OPERATOR(pg_catalog.=) v_multirange[f]));
        v_multirange[f] := COALESCE(v_multirange[f], (SELECT r.rngmultitypid FROM pg_catalog.pg_range r
                                                       WHERE r.rngtypid OPERATOR(pg_catalog.=) v_range[f]));
        v_element[f] := COALESCE(v_element[f], (SELECT r.rngsubtype FROM pg_catalog.pg_range r
                                                 WHERE r.rngtypid OPERATOR(pg_catalog.=) v_range[f]));
    END LOOP;

    -- Parameters of the clone, polymorphic types replaced by what they stand for.
    FOR i IN 0 .. COALESCE(pg_catalog.cardinality(v_types), 0) LOOP
        v_type := CASE WHEN i OPERATOR(pg_catalog.=) 0 THEN v_proc.prorettype ELSE v_types[i] END;
        v_polymorphic := v_type::regtype::text;
        v_family := v_families[i];
        v_type := CASE v_kinds[i]
                      WHEN 'element' THEN v_element[v_family]
                      WHEN 'array' THEN (SELECT NULLIF(t.typarray, 0) FROM pg_catalog.pg_type t
                                          WHERE t.oid OPERATOR(pg_catalog.=) v_element[v_family])
                      WHEN 'range' THEN v_range[v_family]
                      WHEN 'multirange' THEN v_multirange[v_family]
                      ELSE v_type
                  END;
        IF v_type IS NULL THEN
            problem := pg_catalog.format('polymorphic type %s: the argument types of the call are not known', v_polymorphic);
            RETURN NEXT;
            RETURN;
        END IF;
        IF i OPERATOR(pg_catalog.=) 0 THEN
            v_returns := CASE WHEN v_proc.proretset THEN 'SETOF ' ELSE '' END
                         OPERATOR(pg_catalog.||) pg_catalog.format_type(v_type, NULL);
            CONTINUE;
        END IF;
        -- a clone of a SQL function takes its inputs only: its body cannot name OUT parameters
        -- (and PostgreSQL 15 does not resolve an INOUT name after an OUT one in BEGIN ATOMIC)
        CONTINUE WHEN p_statements IS NULL AND v_modes IS NOT NULL
                  AND v_modes[i] OPERATOR(pg_catalog.=) ANY (ARRAY['o', 't']::"char"[]);
        v_declarations := v_declarations OPERATOR(pg_catalog.||) pg_catalog.concat_ws(' ',
            pg_catalog.quote_ident(NULLIF(v_names[i], '')), pg_catalog.format_type(v_type, NULL));
        IF NULLIF(v_names[i], '') IS NOT NULL THEN
            v_taken := v_taken OPERATOR(pg_catalog.||) v_names[i];
        END IF;
    END LOOP;

    IF p_statements IS NULL THEN
        v_body := v_proc.prosrc;
        v_prefix := CASE WHEN v_proc.prokind OPERATOR(pg_catalog.=) 'p'
                         THEN pg_catalog.format('CREATE PROCEDURE pg_temp.mvcert_parse_probe(%s) LANGUAGE sql BEGIN ATOMIC',
                                                pg_catalog.array_to_string(v_declarations, ', '))
                         ELSE pg_catalog.format('CREATE FUNCTION pg_temp.mvcert_parse_probe(%s) RETURNS %s LANGUAGE sql BEGIN ATOMIC',
                                                pg_catalog.array_to_string(v_declarations, ', '), v_returns) END;
    ELSE
        -- PL/pgSQL variables become parameters too (a name already taken by a parameter is
        -- that parameter; record variables have no SQL type and are left out)
        FOR v_variable IN SELECT e.value FROM pg_catalog.jsonb_array_elements(COALESCE(p_variables, '[]')) e LOOP
            CONTINUE WHEN (v_variable OPERATOR(pg_catalog.->>) 'name') OPERATOR(pg_catalog.=) ANY (v_taken)
                       OR pg_catalog.lower(v_variable OPERATOR(pg_catalog.->>) 'type') OPERATOR(pg_catalog.=) 'record';
            v_declarations := v_declarations OPERATOR(pg_catalog.||) pg_catalog.format('%I %s',
                v_variable OPERATOR(pg_catalog.->>) 'name', v_variable OPERATOR(pg_catalog.->>) 'type');
            v_taken := v_taken OPERATOR(pg_catalog.||) (v_variable OPERATOR(pg_catalog.->>) 'name');
        END LOOP;
        v_body := p_statements;
        v_prefix := pg_catalog.format('CREATE FUNCTION pg_temp.mvcert_parse_probe(%s) RETURNS void LANGUAGE sql BEGIN ATOMIC',
                                      pg_catalog.array_to_string(v_declarations, ', '));
    END IF;
    v_prefix := v_prefix OPERATOR(pg_catalog.||) E'\n';
    -- a trailing -- comment in the body must not swallow the end of the block
    v_create := v_prefix OPERATOR(pg_catalog.||) v_body OPERATOR(pg_catalog.||) E'\n;\nEND';
    body_offset := pg_catalog.octet_length(v_prefix);
    v_tag := CASE WHEN p_statements IS NULL AND v_proc.prokind OPERATOR(pg_catalog.=) 'p'
                  THEN 'CREATE PROCEDURE' ELSE 'CREATE FUNCTION' END;

    SELECT pg_catalog.substr(c, 13) INTO v_path
      FROM pg_catalog.unnest(v_proc.proconfig) AS c
     WHERE c OPERATOR(pg_catalog.~~) 'search\_path=%';
    IF v_path IS NULL THEN
        SELECT pg_catalog.quote_ident(v_proc.nspname) OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) s.reset_val
          INTO v_path
          FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'search_path';
    END IF;

    -- Exactly one statement? Opening it as a cursor plans it without running it: several
    -- statements fail as a multi-query plan, one CREATE as a command that returns no rows.
    BEGIN
        OPEN v_cursor FOR EXECUTE v_create;
        CLOSE v_cursor;
        problem := 'the body is not a list of statements';
    EXCEPTION
        WHEN invalid_cursor_definition THEN
            IF pg_catalog.strpos(SQLERRM, v_tag) OPERATOR(pg_catalog.=) 0 THEN
                problem := 'the body is not a list of statements that BEGIN ATOMIC can hold';
            END IF;
        WHEN OTHERS THEN
            problem := SQLERRM;
    END;
    IF problem IS NOT NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;

    BEGIN
        PERFORM pg_catalog.set_config('search_path', v_path, true),
                pg_catalog.set_config('check_function_bodies', 'on', true),
                pg_catalog.set_config('client_min_messages', 'warning', true);
        EXECUTE v_create;
        SELECT p.prosqlbody::text INTO tree
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema()
           AND p.proname OPERATOR(pg_catalog.=) 'mvcert_parse_probe';
        -- undo the clone and the settings (the values read above are kept)
        RAISE SQLSTATE 'MVC99';
    EXCEPTION
        WHEN SQLSTATE 'MVC99' THEN
            NULL;
        WHEN OTHERS THEN
            tree := NULL;
            problem := SQLERRM;
    END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._parse_sql_body(regprocedure, oid[], text, jsonb) IS
  'Internal: the parse tree PostgreSQL makes of a function''s SQL (its text body, or given PL/pgSQL statements), via a temporary BEGIN ATOMIC clone that is rolled back.';

-- Whether the Java engine is deployed in this database (PL/Java with mvcert's jar): then the
-- SQL entry points run the work in-database; otherwise they hand it to an agent through the
-- queue. The in-database deployment provides audit._run_in_database(regclass, text, boolean)
-- as a PL/Java function returning the run id; until it exists this returns false (an engine
-- jar of mvcert 0.1.0, whose function returns text, counts as not deployed: deploy the
-- current jar again with install/pljava.sh after ALTER EXTENSION mvcert UPDATE).
CREATE OR REPLACE FUNCTION audit._pljava_available()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_language l ON l.oid OPERATOR(pg_catalog.=) p.prolang
         WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('audit._run_in_database(regclass,text,boolean)')
           AND l.lanname OPERATOR(pg_catalog.=) 'java'
           AND p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.int8'::pg_catalog.regtype)
$$;
COMMENT ON FUNCTION audit._pljava_available() IS
  'Internal: true when the Java engine is deployed in-database (PL/Java function audit._run_in_database exists).';

-- Makes a recorded certification the current status of its target in the registry. Run in
-- the work transaction of the certification: in an atomic run the new status is published
-- together with the refreshed data, or not at all. A CERTIFIED outcome also records what
-- the strict gate compares later: the definition hash of every view, materialized view
-- and function of the closure, the relfilenode and statistics counters of every
-- materialized view (audit._matview_counters: as they will be once this transaction
-- commits), the database's statistics reset time and the state of change detection. Both
-- outcomes record the target's oid, which guarded views match besides the name. A FAILED outcome keeps the
-- time of the last passing certification (history) but the gates refuse the target.
-- p_seen is the snapshot the certification started from: if an object of the target's
-- certified closure changed in a transaction that snapshot did not see (another session
-- refreshed or altered it while the checks ran), what passed is not what readers would get,
-- so the target is published STALE, naming the change, even though every check passed.
-- Every object of a passing closure (tables and the materialized views' indexes too) is
-- recorded in audit.certified_object, which the change-detection triggers look up.
-- SECURITY DEFINER: the registry has no INSERT/UPDATE grants for anybody.
-- p_body_functions: functions certification reached through function bodies (PostgreSQL
-- records no dependency for those calls); they are recorded like the closure's own.
CREATE OR REPLACE FUNCTION audit._publish_certification(p_certification_id bigint, p_dataset_hash text DEFAULT NULL,
                                             p_seen pg_catalog.pg_snapshot DEFAULT NULL,
                                             p_body_functions pg_catalog.oid[] DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cert          audit.certification;
    v_target        regclass;
    v_detail        text;
    v_closure_hash  text;
    v_unseen        text;
BEGIN
    SELECT * INTO v_cert FROM audit.certification c
     WHERE c.certification_id OPERATOR(pg_catalog.=) p_certification_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: certification % does not exist', p_certification_id
            USING ERRCODE = 'no_data_found';
    END IF;
    v_target := pg_catalog.to_regclass(v_cert.target);
    IF v_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % of certification % no longer exists', v_cert.target, p_certification_id
            USING ERRCODE = 'undefined_table';
    END IF;

    IF v_cert.status OPERATOR(pg_catalog.=) 'CERTIFIED' THEN
        INSERT INTO audit.registry AS r (target, status, status_since, certified_at, certified_certification_id,
                                         certified_run_id, last_certification_id, last_certification_at, last_run_id,
                                         failing_checks, failure_detail, stale_reason, dataset_hash, stats_reset,
                                         target_oid, change_detection)
        VALUES (v_cert.target, 'CERTIFIED', v_cert.finished_at, v_cert.finished_at, v_cert.certification_id,
                v_cert.run_id, v_cert.certification_id, v_cert.finished_at, v_cert.run_id,
                '{}', NULL, NULL, p_dataset_hash,
                pg_catalog.pg_stat_get_db_stat_reset_time(
                    (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())),
                v_target, audit._change_detection_state())
        ON CONFLICT (target) DO UPDATE SET
            status = 'CERTIFIED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'CERTIFIED' THEN r.status_since ELSE EXCLUDED.status_since END,
            certified_at = EXCLUDED.certified_at,
            certified_certification_id = EXCLUDED.certified_certification_id,
            certified_run_id = EXCLUDED.certified_run_id,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = '{}', failure_detail = NULL, stale_reason = NULL,
            dataset_hash = EXCLUDED.dataset_hash,
            stats_reset = EXCLUDED.stats_reset,
            target_oid = EXCLUDED.target_oid,
            change_detection = EXCLUDED.change_detection;

        DELETE FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        WITH cl AS MATERIALIZED (SELECT c.relation, c.relid, c.kind FROM audit.closure(v_target) c)
        INSERT INTO audit.certified_object (target, object, kind, objid, definition_hash, relfilenode, modifications, classid,
                                            committed_modifications, analyze_count)
        SELECT v_cert.target, c.relation, c.kind, c.relid,
               audit._definition_hash(c.kind, c.relid),
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN (SELECT pc.relfilenode FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) c.relid) END,
               m.written,
               CASE WHEN c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate'])
                    THEN 'pg_catalog.pg_proc'::pg_catalog.regclass ELSE 'pg_catalog.pg_class'::pg_catalog.regclass END,
               m.committed, m.analyzed
          FROM cl c
          LEFT JOIN LATERAL (SELECT * FROM audit._matview_counters(c.relid)
                              WHERE c.kind OPERATOR(pg_catalog.=) 'materialized view') m ON true
        UNION ALL
        -- the unique indexes CONCURRENTLY relies on: dropping one is a change of the closure
        SELECT v_cert.target, audit._qualified_name(i.indexrelid::pg_catalog.regclass), 'index', i.indexrelid,
               NULL, NULL, NULL, 'pg_catalog.pg_class'::pg_catalog.regclass, NULL, NULL
          FROM cl c
          JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.relid
         WHERE c.kind OPERATOR(pg_catalog.=) 'materialized view'
        UNION ALL
        SELECT v_cert.target, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),
               f.kind, p.oid, audit._definition_hash(f.kind, p.oid), NULL, NULL, 'pg_catalog.pg_proc'::pg_catalog.regclass,
               NULL, NULL
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
          CROSS JOIN LATERAL (SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind) f
         WHERE p.oid OPERATOR(pg_catalog.=) ANY (COALESCE(p_body_functions, '{}'))
           AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])
           AND NOT EXISTS (SELECT FROM cl c WHERE c.relid OPERATOR(pg_catalog.=) p.oid
                              AND c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['function', 'procedure', 'aggregate']));

        SELECT pg_catalog.md5(pg_catalog.string_agg(o.object OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||)
                                                    COALESCE(o.definition_hash, ''), ',' ORDER BY o.object))
          INTO v_closure_hash
          FROM audit.certified_object o
         WHERE o.target OPERATOR(pg_catalog.=) v_cert.target AND o.definition_hash IS NOT NULL;
        UPDATE audit.registry r SET closure_hash = v_closure_hash WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;

        IF p_seen IS NOT NULL THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s by %s%s)', c.object, c.command, c.changed_by,
                                                           COALESCE(' in run ' OPERATOR(pg_catalog.||) c.run_id, '')),
                                         ', ' ORDER BY c.change_id)
              INTO v_unseen
              FROM audit.closure_change c
             WHERE c.target OPERATOR(pg_catalog.=) v_cert.target
               AND c.xact OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmin(p_seen)
               AND c.xact OPERATOR(pg_catalog.<>) pg_catalog.pg_current_xact_id()
               AND NOT pg_catalog.pg_visible_in_snapshot(c.xact, p_seen);
            IF v_unseen IS NOT NULL THEN
                UPDATE audit.registry r
                   SET status = 'STALE', status_since = pg_catalog.clock_timestamp(),
                       stale_reason = pg_catalog.format('certification %s passed, but its closure changed while it ran: %s; certify again',
                                                        v_cert.certification_id, v_unseen)
                 WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;
                RETURN 'STALE';
            END IF;
        END IF;
    ELSE
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s: %s', cr.check_name, cr.object, cr.detail), E'\n' ORDER BY cr.ordinal)
          INTO v_detail
          FROM (SELECT * FROM audit.check_result x
                 WHERE x.certification_id OPERATOR(pg_catalog.=) p_certification_id AND NOT x.passed
                 ORDER BY x.ordinal LIMIT 5) cr;
        INSERT INTO audit.registry AS r (target, status, status_since, last_certification_id, last_certification_at,
                                         last_run_id, failing_checks, failure_detail, target_oid)
        VALUES (v_cert.target, 'FAILED', v_cert.finished_at, v_cert.certification_id, v_cert.finished_at,
                v_cert.run_id, v_cert.failing_checks, v_detail, v_target)
        ON CONFLICT (target) DO UPDATE SET
            status = 'FAILED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'FAILED' THEN r.status_since ELSE EXCLUDED.status_since END,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = EXCLUDED.failing_checks,
            failure_detail = EXCLUDED.failure_detail,
            stale_reason = NULL,
            target_oid = EXCLUDED.target_oid;
    END IF;
    RETURN v_cert.status;
END
$$;
COMMENT ON FUNCTION audit._publish_certification(bigint, text, pg_catalog.pg_snapshot, pg_catalog.oid[]) IS
  'Internal (certification engine): makes a recorded certification the registry status of its target; returns CERTIFIED, FAILED, or STALE when the closure changed while it ran.';

-- The canonical name mvcert stores for a relation: schema-qualified, each part quoted
-- only where needed, independent of the caller's search_path. PL/pgSQL, not SQL: a SQL
-- function with a SET clause is never inlined and plans its query again in each statement
-- that calls it, while PL/pgSQL keeps the plan for the session (a run calls this about six
-- times a view).
CREATE OR REPLACE FUNCTION audit._qualified_name(p_rel regclass)
RETURNS text
LANGUAGE plpgsql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name text;
BEGIN
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO v_name
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_rel;
    RETURN v_name;
END
$$;
COMMENT ON FUNCTION audit._qualified_name(regclass) IS
  'Internal: schema-qualified, quoted name of a relation, independent of search_path.';

-- Records a baseline capture of a registered target: the definition and dataset hashes the
-- engine measured. The capture is only a proposal; audit.accept_baseline makes it the
-- baseline. SECURITY DEFINER: captures are written only through this function.
--
-- p_items: a JSON array of {"kind": "definition"|"dataset", "object": text, "hash": text, "rows": bigint|null}.
CREATE OR REPLACE FUNCTION audit._record_baseline_capture(p_target regclass, p_note text, p_items jsonb)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_view(p_target);
    v_id        bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
        RAISE EXCEPTION 'mvcert: % is not a registered target', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L);', v_target);
    END IF;
    IF p_items IS NULL OR pg_catalog.jsonb_typeof(p_items) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'mvcert: baseline items must be a JSON array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.baseline_capture (target, note) VALUES (v_target, p_note) RETURNING capture_id INTO v_id;
    INSERT INTO audit.baseline_capture_item (capture_id, kind, object, hash, row_count)
    SELECT v_id, e.r OPERATOR(pg_catalog.->>) 'kind', e.r OPERATOR(pg_catalog.->>) 'object',
           e.r OPERATOR(pg_catalog.->>) 'hash', (e.r OPERATOR(pg_catalog.->>) 'rows')::bigint
      FROM pg_catalog.jsonb_array_elements(p_items) e(r);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) IS
  'Internal (baseline capture engine): records measured hashes as a capture awaiting audit.accept_baseline; returns its id.';

-- Records one certification of a target in the history: its outcome and one row per check
-- and object examined. The outcome is computed here, not taken from the caller: CERTIFIED
-- when there is at least one result and every result passed, else FAILED. The registry is
-- not touched: audit._publish_certification does that, in the caller's work transaction,
-- while this row may be written through a separate connection so that it survives a
-- rolled-back atomic run. SECURITY DEFINER so that only roles allowed to execute it
-- (mvcert_operator) can write certification history; nobody gets INSERT on the tables.
--
-- p_results: a JSON array of {"check": text, "object": text, "passed": boolean, "detail": text}.
CREATE OR REPLACE FUNCTION audit._record_certification(
    p_target        regclass,
    p_run_id        bigint,
    p_started_at    timestamptz,
    p_executor      text,
    p_results       jsonb)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_view(p_target);
    v_id        bigint;
    v_failing   text[];
    v_count     integer;
BEGIN
    IF p_results IS NULL OR pg_catalog.jsonb_typeof(p_results) OPERATOR(pg_catalog.<>) 'array' THEN
        RAISE EXCEPTION 'mvcert: certification results must be a JSON array, got %', pg_catalog.left(p_results::text, 200)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(p_results) e(r)
                WHERE pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'check') IS DISTINCT FROM 'string'
                   OR pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'object') IS DISTINCT FROM 'string'
                   OR pg_catalog.jsonb_typeof(e.r OPERATOR(pg_catalog.->) 'passed') IS DISTINCT FROM 'boolean') THEN
        RAISE EXCEPTION 'mvcert: every certification result needs "check" and "object" (text) and "passed" (boolean)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT pg_catalog.count(*)::integer,
           COALESCE(pg_catalog.array_agg(DISTINCT e.r OPERATOR(pg_catalog.->>) 'check')
                        FILTER (WHERE NOT (e.r OPERATOR(pg_catalog.->) 'passed')::boolean), '{}')
      INTO v_count, v_failing
      FROM pg_catalog.jsonb_array_elements(p_results) e(r);

    INSERT INTO audit.certification (target, run_id, status, started_at, executor, failing_checks)
    VALUES (v_target, p_run_id,
            CASE WHEN v_count OPERATOR(pg_catalog.>) 0 AND pg_catalog.cardinality(v_failing) OPERATOR(pg_catalog.=) 0
                 THEN 'CERTIFIED' ELSE 'FAILED' END,
            COALESCE(p_started_at, pg_catalog.clock_timestamp()), p_executor,
            CASE WHEN v_count OPERATOR(pg_catalog.=) 0 THEN ARRAY['no_checks_ran'] ELSE v_failing END)
    RETURNING certification_id INTO v_id;

    INSERT INTO audit.check_result (certification_id, ordinal, check_name, object, passed, detail)
    SELECT v_id, e.n::integer, e.r OPERATOR(pg_catalog.->>) 'check', e.r OPERATOR(pg_catalog.->>) 'object',
           (e.r OPERATOR(pg_catalog.->) 'passed')::boolean, e.r OPERATOR(pg_catalog.->>) 'detail'
      FROM pg_catalog.jsonb_array_elements(p_results) WITH ORDINALITY AS e(r, n);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) IS
  'Internal (certification engine): records a certification and its check results; returns the certification id.';

-- Stores the fingerprint taken just before a successful refresh (taken before, so a
-- change committed while the refresh ran shows up as a difference next time rather than
-- being absorbed). Runs in the refresh's transaction: rolled back with it. The step's id is
-- recorded at the end of the step (audit._record_step_rows): the step's history row may still
-- be being written when this runs.
CREATE OR REPLACE FUNCTION audit._record_input_fingerprint(p_matview regclass, p_fingerprint jsonb, p_run_id bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    INSERT INTO audit.input_fingerprint AS f (matview, matview_oid, fingerprint, run_id, step_id, recorded_at)
    VALUES (audit._qualified_name(p_matview), p_matview::oid, p_fingerprint, p_run_id, NULL, pg_catalog.clock_timestamp())
    ON CONFLICT (matview) DO UPDATE SET
        matview_oid = EXCLUDED.matview_oid, fingerprint = EXCLUDED.fingerprint,
        run_id = EXCLUDED.run_id, step_id = EXCLUDED.step_id, recorded_at = EXCLUDED.recorded_at
$$;
COMMENT ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint) IS
  'Internal: records the input fingerprint of a materialized view at a successful refresh.';

-- Stores the step that refreshed a materialized view and its exact row count after the refresh, with the
-- relfilenode and the cumulative change counter that let the next step trust it (see
-- audit._step_done). In the step's transaction: rolled back with it.
CREATE OR REPLACE FUNCTION audit._record_step_rows(p_matview regclass, p_step_id bigint, p_rows bigint, p_relfilenode oid, p_changes bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    UPDATE audit.input_fingerprint f
       SET step_id = p_step_id, rows_after = p_rows, rows_relfilenode = p_relfilenode, rows_changes = p_changes
     WHERE f.matview_oid OPERATOR(pg_catalog.=) p_matview::oid
$$;
COMMENT ON FUNCTION audit._record_step_rows(regclass, bigint, bigint, oid, bigint) IS
  'Internal: records the exact rows of a materialized view after a refresh step and what lets the next step trust them.';

-- How each given materialized view would be refreshed, and why, judged the way the server
-- judges it. REFRESH ... CONCURRENTLY needs a populated view and at least one unique
-- index that is valid, btree, immediate, has no WHERE clause and only plain columns as
-- keys (matview.c, is_usable_unique_index; indexes being dropped do not count); it then
-- matches old and new rows on the key columns of EVERY such index at once. The server
-- reads the WHERE clause after constant folding, so one that folds to TRUE (WHERE 2 > 1,
-- WHERE f() with an immutable f returning true) counts as none: audit._index_predicate_holds
-- folds such predicates with the server's own folder, as the caller; a predicate over
-- columns stays partial. Hence:
--   concurrently           populated and a usable unique index exists;
--   plain:unpopulated      never populated: CONCURRENTLY is refused, and since nobody can
--                          read the view a plain refresh blocks no one. This wins over an
--                          invalid unique index: the heap swap of a plain refresh rebuilds
--                          every index of the view and marks an invalid one valid (checked
--                          on PostgreSQL 15), which is exactly what a rebuild would do,
--                          without waiting for a maintenance window;
--   rebuild:invalid_index  populated, no usable unique index, but one that would be usable
--                          is invalid (a failed CREATE INDEX CONCURRENTLY): a plain refresh
--                          in a maintenance window rebuilds it, then CONCURRENTLY applies;
--   plain:no_unique_index  populated and nothing else applies.
-- NULL keys: matview columns never carry NOT NULL, and what the view's query can yield is
-- not cheaply decidable, so a key column counts as NULL-free only when it is NOT NULL or
-- the last ANALYZE saw no NULL in it (pg_stats.null_frac = 0; no statistics counts as
-- nullable). Rows with a NULL key never match in the merge and are deleted and re-inserted
-- on every refresh; since the server uses all usable unique indexes together, preferring
-- a NULL-free index does not avoid that, so each usable index with nullable keys gets a
-- warning. unique_index reports the index CONCURRENTLY relies on (the NULL-free one with
-- the fewest keys first), or for rebuild the invalid index the rebuild restores.
CREATE OR REPLACE FUNCTION audit._refresh_modes(p_matviews oid[])
RETURNS TABLE (relid oid, mode text, reason text, unique_index text, warning text, detail text)
LANGUAGE sql
STABLE
ROWS 20
SET search_path TO pg_catalog, pg_temp
AS $$
WITH matview_index AS (
    -- one row per index of each matview (one row with NULL index for a matview without any)
    SELECT c.oid AS matview_oid, c.relispopulated AS populated,
           pg_catalog.format('%I.%I', n.nspname, c.relname) AS matview,
           CASE WHEN ic.oid IS NOT NULL THEN pg_catalog.format('%I.%I', n.nspname, ic.relname) END AS name,
           i.indexrelid, i.indislive AS live,
           i.indisvalid AND i.indisready AS valid,
           i.indisunique AS is_unique,
           NOT ix_pred.holds AS partial,
           i.indexprs IS NOT NULL
             OR 0::pg_catalog.int2 OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) AS on_expressions,
           -- what is_usable_unique_index demands besides validity
           COALESCE(i.indisunique AND i.indimmediate AND i.indislive
                    AND ic.relam OPERATOR(pg_catalog.=) (SELECT am.oid FROM pg_catalog.pg_am am
                                                          WHERE am.amname OPERATOR(pg_catalog.=) 'btree')
                    AND i.indnatts OPERATOR(pg_catalog.>) 0
                    AND ix_pred.holds AND i.indexprs IS NULL
                    AND 0::pg_catalog.int2 OPERATOR(pg_catalog.<) ALL (i.indkey::pg_catalog.int2[]), false) AS eligible,
           k.key_count, k.columns, k.nullable_count, k.nullable_columns, k.not_null_filter
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.oid
      LEFT JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
      -- only unique indexes with a WHERE clause are evaluated
      LEFT JOIN LATERAL (
          SELECT CASE WHEN i.indpred IS NULL THEN true
                      WHEN NOT i.indisunique THEN false
                      ELSE COALESCE(audit._index_predicate_holds(i.indexrelid), false) END AS holds
      ) AS ix_pred ON true
      LEFT JOIN LATERAL (
          -- key columns, and which of them may hold NULLs: NOT NULL, or no NULL seen by the
          -- last ANALYZE, counts as NULL-free; no statistics counts as nullable
          SELECT pg_catalog.count(*) AS key_count,
                 pg_catalog.count(*) FILTER (WHERE NOT kc.null_free) AS nullable_count,
                 pg_catalog.string_agg(pg_catalog.quote_ident(kc.attname), ', ' ORDER BY kc.ord) AS columns,
                 pg_catalog.string_agg(pg_catalog.format('"%s" (%s)', pg_catalog.replace(kc.attname, '"', '""'), kc.evidence),
                                       ', ' ORDER BY kc.ord) FILTER (WHERE NOT kc.null_free) AS nullable_columns,
                 pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', kc.attname), ' AND ' ORDER BY kc.ord)
                     FILTER (WHERE NOT kc.null_free) AS not_null_filter
            FROM (SELECT k.ord, a.attname,
                         COALESCE(a.attnotnull OR s.null_frac OPERATOR(pg_catalog.=) 0, false) AS null_free,
                         CASE WHEN s.null_frac IS NULL THEN 'no statistics: ANALYZE the view to check'
                              ELSE pg_catalog.format('%s%% NULL at last ANALYZE',
                                       pg_catalog.round((s.null_frac OPERATOR(pg_catalog.*) 100)::numeric, 2)) END AS evidence
                    FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_catalog.pg_attribute a
                      ON a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.=) k.attnum
                    LEFT JOIN pg_catalog.pg_stats s
                      ON s.schemaname OPERATOR(pg_catalog.=) n.nspname AND s.tablename OPERATOR(pg_catalog.=) c.relname
                     AND s.attname OPERATOR(pg_catalog.=) a.attname AND NOT s.inherited
                   WHERE k.ord OPERATOR(pg_catalog.<=) i.indnkeyatts) AS kc
      ) AS k ON true
     WHERE c.oid OPERATOR(pg_catalog.=) ANY (p_matviews)
       AND c.relkind OPERATOR(pg_catalog.=) 'm'
), judged AS (
    SELECT ix.*,
           ix.eligible AND ix.valid AS usable,
           ix.eligible AND NOT ix.valid AS repairable,
           -- the index reported for the matview: usable first, then NULL-free keys, fewest keys, name
           pg_catalog.row_number() OVER (PARTITION BY ix.matview_oid
                                         ORDER BY ix.eligible AND ix.valid DESC, ix.eligible DESC,
                                                  ix.nullable_count OPERATOR(pg_catalog.>) 0, ix.key_count, ix.name) AS rank,
           CASE WHEN NOT ix.populated THEN 'plain:unpopulated'
                WHEN pg_catalog.bool_or(ix.eligible AND ix.valid) OVER w THEN 'concurrently'
                WHEN pg_catalog.bool_or(ix.eligible) OVER w THEN 'rebuild:invalid_index'
                ELSE 'plain:no_unique_index' END AS reason,
           pg_catalog.count(*) FILTER (WHERE ix.eligible AND ix.valid) OVER w AS usable_count,
           pg_catalog.bool_or(ix.eligible AND ix.valid AND ix.nullable_count OPERATOR(pg_catalog.>) 0) OVER w AS any_nullable
      FROM matview_index ix
    WINDOW w AS (PARTITION BY ix.matview_oid)
), chosen AS (
    SELECT j.*,
           pg_catalog.first_value(j.name) OVER w AS chosen_index,
           pg_catalog.first_value(j.columns) OVER w AS chosen_columns,
           pg_catalog.first_value(j.nullable_count) OVER w AS chosen_nullable
      FROM judged j
    WINDOW w AS (PARTITION BY j.matview_oid ORDER BY j.rank)
), warned AS (
    SELECT ch.*,
           CASE
             -- usable unique indexes with nullable keys: every one of them takes part in the merge
             WHEN ch.reason OPERATOR(pg_catalog.=) 'concurrently' AND ch.usable
                  AND ch.nullable_count OPERATOR(pg_catalog.>) 0 THEN
               pg_catalog.format('unique index %s has nullable key column%s %s: rows with NULL keys never match in '
                                 'REFRESH CONCURRENTLY and are deleted and re-inserted on every refresh (WAL churn); '
                                 'add WHERE %s filtering in the view or a NOT NULL key',
                                 ch.name, CASE WHEN ch.nullable_count OPERATOR(pg_catalog.>) 1 THEN 's' ELSE '' END,
                                 ch.nullable_columns, ch.not_null_filter)
               OPERATOR(pg_catalog.||)
               CASE WHEN ch.chosen_nullable OPERATOR(pg_catalog.=) 0
                    THEN pg_catalog.format('; the server matches rows on the keys of every usable unique index, so %s '
                                           'having no NULL keys does not prevent this: drop %s or make it partial '
                                           '(WHERE %s) so the refresh ignores it',
                                           ch.chosen_index, ch.name, ch.not_null_filter)
                    ELSE '' END
             WHEN ch.live AND NOT ch.valid THEN
               pg_catalog.format('index %s is invalid (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY)', ch.name)
               OPERATOR(pg_catalog.||)
               CASE ch.reason
                    WHEN 'concurrently' THEN pg_catalog.format(': REFRESH CONCURRENTLY ignores it, writes still maintain it; '
                                                              'REINDEX INDEX CONCURRENTLY %s or drop it', ch.name)
                    WHEN 'rebuild:invalid_index' THEN ': the plain refresh rebuilds every index of the view and marks it valid; '
                                                      'it fails if the new data has duplicate keys'
                    ELSE ': the plain refresh rebuilds every index of the view and marks it valid' END
             WHEN NOT ch.live THEN
               pg_catalog.format('index %s is left over from a DROP INDEX CONCURRENTLY that did not finish: DROP INDEX %s',
                                 ch.name, ch.name)
             WHEN ch.reason OPERATOR(pg_catalog.<>) 'concurrently' AND ch.is_unique AND (ch.partial OR ch.on_expressions) THEN
               pg_catalog.format('unique index %s cannot serve REFRESH CONCURRENTLY: %s; it needs a unique index with no '
                                 'WHERE clause on plain columns',
                                 ch.name, CASE WHEN ch.partial AND ch.on_expressions THEN 'it is partial and indexes expressions'
                                               WHEN ch.partial THEN 'it is partial (WHERE clause)'
                                               ELSE 'it indexes expressions' END)
           END AS warning
      FROM chosen ch
)
SELECT w.matview_oid,
       pg_catalog.split_part(w.reason, ':', 1),
       w.reason,
       CASE WHEN w.reason OPERATOR(pg_catalog.=) ANY (ARRAY['concurrently', 'rebuild:invalid_index'])
            THEN w.chosen_index END,
       pg_catalog.string_agg(w.warning, E'\n' ORDER BY w.rank),
       CASE w.reason
            WHEN 'concurrently' THEN
                pg_catalog.format('REFRESH CONCURRENTLY keeps %s readable; it matches rows on unique index %s (%s)',
                                  w.matview, w.chosen_index, w.chosen_columns)
                OPERATOR(pg_catalog.||)
                CASE WHEN w.usable_count OPERATOR(pg_catalog.>) 1
                     THEN pg_catalog.format(', preferred among %s usable unique indexes %s', w.usable_count,
                                            CASE WHEN w.any_nullable AND w.chosen_nullable OPERATOR(pg_catalog.=) 0
                                                 THEN 'because its key columns hold no NULLs'
                                                 ELSE 'for having the fewest key columns' END)
                     ELSE '' END
            WHEN 'plain:unpopulated' THEN
                pg_catalog.format('%s is not populated (created or last refreshed WITH NO DATA): CONCURRENTLY is refused, '
                                  'and a plain refresh blocks no reader because the view cannot be read yet', w.matview)
            WHEN 'rebuild:invalid_index' THEN
                pg_catalog.format('the only unique index REFRESH CONCURRENTLY could use, %s, is invalid: a plain refresh '
                                  'rebuilds it but locks readers out until commit, so run it in a maintenance window; '
                                  'later refreshes can be concurrent', w.chosen_index)
            ELSE
                pg_catalog.format('%s has no unique index with no WHERE clause on plain columns, so CONCURRENTLY would '
                                  'fail and a plain refresh locks readers out until commit; create one on the columns '
                                  'that identify a row: CREATE UNIQUE INDEX ON %s (...)', w.matview, w.matview)
       END
  FROM warned w
 GROUP BY w.matview_oid, w.matview, w.reason, w.chosen_index, w.chosen_columns, w.chosen_nullable,
          w.usable_count, w.any_nullable
$$;
COMMENT ON FUNCTION audit._refresh_modes(oid[]) IS
  'Internal: refresh mode (concurrently, plain, rebuild), reason, unique index and warnings per materialized view, matching what REFRESH ... CONCURRENTLY accepts.';

-- Reports how a run ended to a psql or pg_cron caller of the SQL entry points, the same way
-- whichever path ran it (in-database under PL/Java, or an agent through the queue): a NOTICE
-- when the run ended certified, else an error when p_raise, a WARNING otherwise. The status
-- is the run's (audit.run.status), read here and nowhere else on this path.
CREATE OR REPLACE FUNCTION audit._report_run(p_run_id bigint, p_raise boolean, p_caller text, p_request_id bigint DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_run      audit.run;
    v_message  text;
BEGIN
    SELECT * INTO v_run FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_run.status OPERATOR(pg_catalog.=) 'certified' THEN
        RAISE NOTICE '%', pg_catalog.format('mvcert: %s certified %s (run %s%s)%s', p_caller, v_run.target, v_run.run_id,
            COALESCE(pg_catalog.format(', request %s', p_request_id), ''),
            COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, ''));
        RETURN;
    END IF;
    v_message := pg_catalog.format('%s of %s did not end certified: run %s (%s) %s%s%s', p_caller, v_run.target,
                                   v_run.run_id, v_run.mode, v_run.status,
                                   COALESCE(pg_catalog.format(', request %s', p_request_id), ''),
                                   COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, ''));
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: %', v_message
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run and audit.step (run_id = %s), audit.certification and audit.check_result.', v_run.run_id);
    END IF;
    RAISE WARNING 'mvcert: %', v_message;
END
$$;
COMMENT ON FUNCTION audit._report_run(bigint, boolean, text, bigint) IS
  'Internal: NOTICE when a run ended certified, else an error (p_raise) or a WARNING naming the run, its status and reason.';

-- Validates a run mode (or another enumerated) argument against the modes an entry point accepts, so every entry
-- point rejects a bad mode with the same clear error naming the value. Returns the mode.
CREATE OR REPLACE FUNCTION audit._require_mode(p_mode text, p_allowed text[], p_argument text DEFAULT 'mode')
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_mode IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = pg_catalog.format('Use one of: %s.', pg_catalog.array_to_string(p_allowed, ', '));
    END IF;
    IF NOT p_mode OPERATOR(pg_catalog.=) ANY (p_allowed) THEN
        RAISE EXCEPTION 'mvcert: unknown % %', p_argument, pg_catalog.quote_literal(p_mode)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Use one of: %s.', pg_catalog.array_to_string(p_allowed, ', '));
    END IF;
    RETURN p_mode;
END
$$;
COMMENT ON FUNCTION audit._require_mode(text, text[], text) IS
  'Internal: raises a clear error naming the value unless the mode is one of the allowed ones; returns it.';

-- pg_cron keeps its jobs in one database per cluster (cron.database_name). mvcert's
-- schedule functions work in that database only; elsewhere this says where to go.
CREATE OR REPLACE FUNCTION audit._require_pg_cron()
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cron_db text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF pg_catalog.to_regprocedure('cron.schedule_in_database(text,text,text,text,text,boolean)') IS NOT NULL THEN
        RETURN;
    END IF;
    IF v_cron_db IS NULL THEN
        RAISE EXCEPTION 'mvcert: pg_cron is not available in this cluster (cron.database_name is not set)'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name, restart, and CREATE EXTENSION pg_cron in that database.';
    END IF;
    RAISE EXCEPTION 'mvcert: pg_cron is not installed in database %; its jobs live in database % (cron.database_name)',
            pg_catalog.quote_ident(pg_catalog.current_database()), pg_catalog.quote_ident(v_cron_db)
        USING ERRCODE = 'feature_not_supported',
              HINT = CASE WHEN v_cron_db OPERATOR(pg_catalog.=) pg_catalog.current_database()
                          THEN 'Run CREATE EXTENSION pg_cron in this database.'
                          ELSE pg_catalog.format('Install mvcert in database %I and call audit.schedule there, or schedule '
                                 'from there with cron.schedule_in_database(..., %L).', v_cron_db, pg_catalog.current_database()) END;
END
$$;
COMMENT ON FUNCTION audit._require_pg_cron() IS
  'Internal: raises a clear error naming cron.database_name unless pg_cron is installed in this database.';

-- Validates that a view or materialized view is a registered target; returns its canonical
-- name. Rule and baseline functions call this so that an unregistered target gets the
-- same clear error everywhere.
CREATE OR REPLACE FUNCTION audit._require_registered(p_target regclass)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target text := audit._require_view(p_target);
BEGIN
    IF NOT EXISTS (SELECT FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) THEN
        RAISE EXCEPTION 'mvcert: % is not a registered target', v_target
            USING ERRCODE = 'MVC01', HINT = pg_catalog.format('SELECT audit.register_target(%L);', v_target);
    END IF;
    RETURN v_target;
END
$$;
COMMENT ON FUNCTION audit._require_registered(regclass) IS
  'Internal: raises MVC01 unless the view is a registered target; returns its canonical name.';

-- Refuses SQL text that is not exactly one valid query, without running it: the one place
-- where user-supplied SQL is checked. add_gate_rule and add_sql_assertion check rules with it
-- when they are added (so they can be added before the first refresh populates the views),
-- and the engine before it runs SQL composed from stored rules, so a rule smuggling in more
-- statements ('true); DROP ...') never runs any of them, however it was stored. The text is
-- planned (EXPLAIN, opened as a cursor, never EXECUTEd) as the caller; a query that does not
-- parse or plan raises PostgreSQL's own error.
CREATE OR REPLACE FUNCTION audit._require_single_query(p_sql text)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_check refcursor;
BEGIN
    IF p_sql IS NULL THEN
        RAISE EXCEPTION 'mvcert: query must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        OPEN v_check FOR EXECUTE 'EXPLAIN ' OPERATOR(pg_catalog.||) p_sql;
        CLOSE v_check;
    EXCEPTION WHEN invalid_cursor_definition THEN
        RAISE EXCEPTION 'mvcert: rule SQL must be one query, not several statements: %', pg_catalog.quote_literal(p_sql)
            USING ERRCODE = 'syntax_error', HINT = 'A gate expression is one boolean expression, an assertion one SELECT.';
    END;
END
$$;
COMMENT ON FUNCTION audit._require_single_query(text) IS
  'Internal: raises unless the text is exactly one valid query; plans it as the caller, never runs it.';

-- Validates a target argument: not null, exists, is a view or materialized view, and is not
-- a system view (pg_catalog, information_schema, pg_toast: they show the server's state,
-- cannot be refreshed, and their closure would be themselves). Returns the canonical name.
-- Every public entry point that takes a target calls this, so bad input gets the same clear
-- error everywhere.
CREATE OR REPLACE FUNCTION audit._require_view(p_target regclass, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_kind   "char";
    v_schema name;
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a view or materialized view, e.g. ''ml.features_v''::regclass.';
    END IF;
    SELECT c.relkind, n.nspname INTO v_kind, v_schema
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: % % does not exist', p_argument, p_target::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF v_kind NOT IN ('v', 'm') THEN
        RAISE EXCEPTION 'mvcert: % % is %, not a view or materialized view',
                p_argument, audit._qualified_name(p_target),
                CASE v_kind WHEN 'r' THEN 'a table' WHEN 'p' THEN 'a partitioned table'
                            WHEN 'f' THEN 'a foreign table' WHEN 'i' THEN 'an index' WHEN 'I' THEN 'a partitioned index'
                            WHEN 'S' THEN 'a sequence' WHEN 'c' THEN 'a composite type'
                            ELSE 'a relation of kind ' || v_kind::text END
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'mvcert refreshes and certifies views and materialized views only.';
    END IF;
    IF v_schema OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[]) THEN
        RAISE EXCEPTION 'mvcert: % % is a system view; mvcert refreshes and certifies views and materialized views outside pg_catalog, information_schema and pg_toast',
                p_argument, audit._qualified_name(p_target)
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'System views show the server''s current state: nothing can refresh, pin or certify them. '
                         'To certify what a query over one returns, create a view over it in your own schema; '
                         'mvcert then lists the system view as an untracked, live input.';
    END IF;
    RETURN audit._qualified_name(p_target);
END
$$;
COMMENT ON FUNCTION audit._require_view(regclass, text) IS
  'Internal: raises a clear error unless the argument is an existing view or materialized view outside the system schemas; returns its canonical name.';

-- The same for a target given as text (the CLI, scripts): also names the value, as given and
-- in double quotes like PostgreSQL's own messages, when it is empty, blank, not a valid
-- name, or names nothing, where a cast to regclass would say only "invalid name syntax".
-- The original SQLSTATE is kept.
CREATE OR REPLACE FUNCTION audit._require_view(p_target text, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target  regclass;
    v_state   text;
    v_message text;
BEGIN
    IF p_target IS NULL THEN
        RETURN audit._require_view(NULL::regclass, p_argument);
    END IF;
    IF pg_catalog.btrim(p_target, E' \t\r\n\f\v') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: % "%" is not a name: it is %', p_argument, p_target,
                CASE WHEN p_target OPERATOR(pg_catalog.=) '' THEN 'empty' ELSE 'blank' END
            USING ERRCODE = 'invalid_name',
                  HINT = 'Name a view or materialized view as schema.name, e.g. ml.features_v.';
    END IF;
    BEGIN
        v_target := p_target::regclass;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        RAISE EXCEPTION 'mvcert: % "%" %', p_argument, p_target,
                CASE v_state WHEN '42P01' THEN 'does not exist'
                             ELSE 'cannot be resolved: ' OPERATOR(pg_catalog.||) v_message END
            USING ERRCODE = v_state,
                  HINT = 'Name a view or materialized view as schema.name, e.g. ml.features_v; '
                         'quote parts with special characters: schema."my view".';
    END;
    RETURN audit._require_view(v_target, p_argument);
END
$$;
COMMENT ON FUNCTION audit._require_view(text, text) IS
  'Internal: audit._require_view for a target given as text; errors name the value as given (empty, blank, malformed or unknown names).';

-- What a run needs to know about its target, read once when the run starts: the canonical
-- name (bad input gets audit._require_view's error naming it), the per-step timeouts as
-- setting values, prefer_plain, skip_unchanged, whether its maintenance window is open now,
-- fail_fast, the target's defaults for run mode and step order, whether it is registered
-- (a view that is not runs with the defaults of audit.target, and cannot be certified), and
-- whether a certification of it ever passed (an atomic run of a target never certified has no
-- certified snapshot to keep readers on, so it publishes what it refreshed), and what keeps
-- its required feeds from being ready (audit.feed_problems, one line; NULL when they are).
CREATE OR REPLACE FUNCTION audit._run_policy(p_target regclass)
RETURNS TABLE (target text, statement_timeout text, lock_timeout text, prefer_plain boolean, skip_unchanged boolean,
               in_maintenance_window boolean, fail_fast boolean, run_mode text, step_order text, registered boolean,
               ever_certified boolean, feed_problem text)
LANGUAGE sql
STABLE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT v.name,
           (EXTRACT(epoch FROM COALESCE(t.statement_timeout, interval '30 minutes')) OPERATOR(pg_catalog.*) 1000)::bigint::text
               OPERATOR(pg_catalog.||) 'ms',
           (EXTRACT(epoch FROM COALESCE(t.lock_timeout, interval '10 seconds')) OPERATOR(pg_catalog.*) 1000)::bigint::text
               OPERATOR(pg_catalog.||) 'ms',
           COALESCE(t.prefer_plain, false),
           COALESCE(t.skip_unchanged, true),
           audit.in_maintenance_window(p_target),
           COALESCE(t.fail_fast, false),
           COALESCE(t.run_mode, 'incremental'),
           COALESCE(t.step_order, 'cheapest_first'),
           t.target IS NOT NULL,
           r.certified_at IS NOT NULL,
           (SELECT pg_catalog.string_agg(f.problem, '; ' ORDER BY f.feed) FROM audit.feed_problems(p_target) f)
      FROM (SELECT audit._require_view(p_target) AS name) v
      LEFT JOIN audit.target t ON t.target OPERATOR(pg_catalog.=) v.name
      LEFT JOIN audit.registry r ON r.target OPERATOR(pg_catalog.=) v.name
$$;
COMMENT ON FUNCTION audit._run_policy(regclass) IS
  'Internal: a target''s canonical name and the policy its runs follow (timeouts, prefer_plain, skip_unchanged, window, fail_fast, default mode and step order, registered, ever certified, feed problems).';

-- The statement after a refresh step's REFRESH, in the same transaction: moves every target whose
-- certified closure holds the view out of CERTIFIED (audit._invalidate, naming the run), so
-- readers fail closed from the moment this refresh is published until a certification passes.
-- Done here, at the end of the step, and not before the REFRESH: the registry row's lock is then
-- held from here to the commit, not for the whole refresh, and parallel steps of one target do
-- not wait for each other. Then REINDEX what is still invalid (a maintenance-window rebuild),
-- ANALYZE the view when p_analyze (an atomic run analyzes its views only once certification
-- passed: PostgreSQL counts an ANALYZE even when its transaction rolls back, and the strict
-- gate without change detection would take that for a change), and count its rows exactly without
-- scanning it: a plain refresh counts the rows it inserted into the new heap (this
-- transaction's statistics); a concurrent one changes the previous rows by its own inserts and
-- deletes, and the previous count is known when audit.input_fingerprint holds it and nothing
-- else touched the view since (same relfilenode, the same cumulative change counter, no
-- refresh outside mvcert cleared it); otherwise the rows are counted. Records the count and
-- what the next step needs to trust it, asks PostgreSQL to publish this transaction's
-- statistics at commit. Returns the rows after the refresh, whether they had to be counted,
-- and the step's decision saying so (p_decision and how the rows were known). The view's
-- fingerprint row gets the step's id (p_step_id).
-- p_shared_transaction says whether the step shares its transaction with other steps (an
-- atomic run, the in-database procedures). Such a step gets the timeouts audit._step_prepare
-- set restored for what follows it, and its history is written beside the work, since the work
-- may still be rolled back. A step that commits on its own is recorded as succeeded here
-- (audit.finish_step), in its transaction: the record commits with the refresh or not at all,
-- and the step needs no history statement after its commit.
CREATE OR REPLACE FUNCTION audit._step_done(
    p_run_id                      bigint,
    p_step_id                     bigint,
    p_matview                     regclass,
    p_mode                        text,
    p_analyze                     boolean,
    p_inserted_before             bigint,
    p_deleted_before              bigint,
    p_shared_transaction          boolean,
    p_previous_statement_timeout  text,
    p_previous_lock_timeout       text,
    p_decision                    text,
    p_query_id                    bigint)
RETURNS TABLE (rows_after bigint, rows_counted boolean, decision text)
LANGUAGE plpgsql
VOLATILE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_oid       oid := p_matview::oid;
    v_index     regclass;
    v_stored    audit.input_fingerprint;
    v_inserted  bigint;
    v_deleted   bigint;
    v_rows      bigint;
    v_shared    bigint;
    v_counted   boolean := false;
BEGIN
    PERFORM audit._invalidate('pg_catalog.pg_class'::pg_catalog.regclass, v_oid, 'REFRESH MATERIALIZED VIEW', p_run_id);
    PERFORM pg_catalog.set_config('mvcert.step_matview', '', true);
    IF p_mode OPERATOR(pg_catalog.=) 'rebuild' THEN
        FOR v_index IN SELECT i.indexrelid::pg_catalog.regclass FROM pg_catalog.pg_index i
                        WHERE i.indrelid OPERATOR(pg_catalog.=) v_oid AND NOT (i.indisvalid AND i.indisready)
                        ORDER BY 1 LOOP
            EXECUTE pg_catalog.format('REINDEX INDEX %s', v_index);
        END LOOP;
    END IF;
    IF p_analyze THEN
        EXECUTE pg_catalog.format('ANALYZE %s', p_matview);
    END IF;

    v_inserted := pg_catalog.pg_stat_get_xact_tuples_inserted(v_oid) OPERATOR(pg_catalog.-) p_inserted_before;
    v_deleted := pg_catalog.pg_stat_get_xact_tuples_deleted(v_oid) OPERATOR(pg_catalog.-) p_deleted_before;
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    v_shared := pg_catalog.pg_stat_get_tuples_inserted(v_oid) OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_tuples_deleted(v_oid);
    IF p_mode OPERATOR(pg_catalog.=) 'concurrently' THEN
        SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview_oid OPERATOR(pg_catalog.=) v_oid;
        IF v_stored.rows_after IS NOT NULL
           AND v_stored.rows_relfilenode OPERATOR(pg_catalog.=) pg_catalog.pg_relation_filenode(p_matview)
           AND v_stored.rows_changes OPERATOR(pg_catalog.=) v_shared THEN
            v_rows := v_stored.rows_after OPERATOR(pg_catalog.+) v_inserted OPERATOR(pg_catalog.-) v_deleted;
        ELSE
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', p_matview) INTO v_rows;
            v_counted := true;
        END IF;
    ELSE
        -- a plain refresh fills a new heap: what it inserted is all there is
        v_rows := v_inserted;
    END IF;
    -- after commit, once flushed, the shared counter will hold all this backend's pending counts too
    PERFORM audit._record_step_rows(p_matview, p_step_id, v_rows, pg_catalog.pg_relation_filenode(p_matview),
        v_shared OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_inserted(v_oid)
                 OPERATOR(pg_catalog.+) pg_catalog.pg_stat_get_xact_tuples_deleted(v_oid));
    PERFORM pg_catalog.pg_stat_force_next_flush();
    IF p_shared_transaction THEN
        PERFORM pg_catalog.set_config('statement_timeout', p_previous_statement_timeout, true),
                pg_catalog.set_config('lock_timeout', p_previous_lock_timeout, true);
    END IF;
    rows_after := v_rows;
    rows_counted := v_counted;
    decision := pg_catalog.concat_ws('; ', p_decision,
        CASE WHEN v_counted THEN 'rows counted' ELSE 'rows from the refresh''s own statistics' END);
    IF NOT p_shared_transaction THEN
        PERFORM audit.finish_step(p_step_id, 'succeeded', p_mode, NULL, decision, v_rows, p_query_id);
    END IF;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._step_done(bigint, bigint, regclass, text, boolean, bigint, bigint, boolean, text, text, text, bigint) IS
  'Internal (refresh step): invalidation of certified targets naming the run, REINDEX for a rebuild, ANALYZE, exact rows after the refresh without a scan where the statistics tell, timeouts restored, the step recorded as succeeded when it commits on its own; after the REFRESH.';

-- The first statement of a refresh step, in the step's own transaction, before its REFRESH:
--   * takes the view's refresh lock (transaction-scoped, tried, never waited for); a step that
--     cannot get it is skipped as locked_elsewhere, naming the holder;
--   * sets the step's statement_timeout and lock_timeout (SET LOCAL: the REFRESH and what follows
--     run under them; reading the inputs takes locks too);
--   * asks whether any input changed (one fingerprint walk, audit._input_changes) and skips the
--     view as inputs_unchanged when none did and p_skip_unchanged (never for a rebuild);
--   * otherwise records the fingerprint (taken before the refresh, so a change committed while
--     it runs differs next time; audit._step_done adds the step id, so the step's history row
--     may still be being written when this runs) and marks the view as this transaction's mvcert refresh
--     (mvcert.step_matview), so the change-detection trigger leaves its invalidation to
--     audit._step_done, which names the run;
--   * returns what the REFRESH statement's pg_stat_activity.query_id will be, and the view's
--     tuple counters of this transaction so far, from which audit._step_done counts the rows
--     after the refresh without scanning the view.
-- Everything it does belongs to the step's transaction and goes with it when the step fails.
CREATE OR REPLACE FUNCTION audit._step_prepare(
    p_run_id             bigint,
    p_matview            regclass,
    p_mode               text,
    p_skip_unchanged     boolean,
    p_statement_timeout  text,
    p_lock_timeout       text)
RETURNS TABLE (refresh boolean, skip_reason text, decision text, query_id bigint,
               inserted_before bigint, deleted_before bigint,
               previous_statement_timeout text, previous_lock_timeout text)
LANGUAGE plpgsql
VOLATILE
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_changes  record;
    v_sql      text;
BEGIN
    IF p_mode IS NULL OR p_mode OPERATOR(pg_catalog.<>) ALL (ARRAY['concurrently', 'plain', 'rebuild']) THEN
        RAISE EXCEPTION 'mvcert: unknown refresh mode %', pg_catalog.quote_nullable(p_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use concurrently, plain or rebuild.';
    END IF;
    previous_statement_timeout := pg_catalog.current_setting('statement_timeout');
    previous_lock_timeout := pg_catalog.current_setting('lock_timeout');
    IF NOT pg_catalog.pg_try_advisory_xact_lock(audit.refresh_lock_key(p_matview)) THEN
        refresh := false;
        skip_reason := 'locked_elsewhere';
        decision := pg_catalog.format('refresh lock %s held by %s', audit.refresh_lock_key(p_matview),
                                      COALESCE('pid ' OPERATOR(pg_catalog.||) audit.refresh_lock_holder(p_matview), 'another session'));
        RETURN NEXT;
        RETURN;
    END IF;
    PERFORM pg_catalog.set_config('statement_timeout', p_statement_timeout, true),
            pg_catalog.set_config('lock_timeout', p_lock_timeout, true);
    SELECT * INTO v_changes FROM audit._input_changes(p_matview);
    IF v_changes.reason IS NULL AND p_skip_unchanged AND p_mode OPERATOR(pg_catalog.<>) 'rebuild' THEN
        PERFORM pg_catalog.set_config('statement_timeout', previous_statement_timeout, true),
                pg_catalog.set_config('lock_timeout', previous_lock_timeout, true);
        refresh := false;
        skip_reason := 'inputs_unchanged';
        decision := 'no input changed since the last refresh';
        RETURN NEXT;
        RETURN;
    END IF;
    decision := CASE WHEN NOT p_skip_unchanged THEN 'forced or skip_unchanged off'
                     ELSE COALESCE(v_changes.reason, 'rebuild') END;
    PERFORM audit._record_input_fingerprint(p_matview, v_changes.fingerprint, p_run_id);
    PERFORM pg_catalog.set_config('mvcert.step_matview', p_matview::oid::text, true);
    -- PostgreSQL 15 reports a utility statement's query_id as the hash of its text (seed 0,
    -- 0 replaced by 2) when compute_query_id is on.
    IF pg_catalog.current_setting('compute_query_id') OPERATOR(pg_catalog.<>) 'off' THEN
        v_sql := 'REFRESH MATERIALIZED VIEW ' OPERATOR(pg_catalog.||)
                 CASE WHEN p_mode OPERATOR(pg_catalog.=) 'concurrently' THEN 'CONCURRENTLY ' ELSE '' END
                 OPERATOR(pg_catalog.||) audit._qualified_name(p_matview);
        query_id := pg_catalog.hashtextextended(v_sql, 0);
        IF query_id OPERATOR(pg_catalog.=) 0 THEN
            query_id := 2;
        END IF;
    END IF;
    inserted_before := pg_catalog.pg_stat_get_xact_tuples_inserted(p_matview::oid);
    deleted_before := pg_catalog.pg_stat_get_xact_tuples_deleted(p_matview::oid);
    refresh := true;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION audit._step_prepare(bigint, regclass, text, boolean, text, text) IS
  'Internal (refresh step): refresh lock, step timeouts, skip-unchanged decision, fingerprint; before the REFRESH.';

-- What in a materialized view's definition can change its result without any input
-- changing, so skip-unchanged must never skip it: volatile functions (random(),
-- clock_timestamp(), ...), time-of-query functions (now() and its kin, which are STABLE),
-- SQL value functions (CURRENT_USER, CURRENT_TIMESTAMP, ...), user functions that are not
-- IMMUTABLE and whose bodies PostgreSQL does not parse (they may read tables the
-- fingerprint cannot see), and system catalogs (pg_class, pg_settings, ...: PostgreSQL
-- records no dependency on them and their changes are not counted). CURRENT_DATE is listed
-- as exactly 'CURRENT_DATE': its value changes once a day (in the session's TimeZone), so
-- audit._input_changes puts the day and the TimeZone into the fingerprint instead of
-- refusing to skip. Looks at the view's own query and the plain views it reads,
-- not past other materialized views: those are evaluated when they are refreshed.
-- Function calls are read from the stored query trees (pg_rewrite.ev_action), since
-- pg_depend does not record calls to built-in functions.
-- Its catalog queries use generic plans (plan_cache_mode): planned once per session, not on each
-- call; every refresh step calls it.
CREATE OR REPLACE FUNCTION audit._volatile_calls(p_matview regclass)
RETURNS text[]
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
SET plan_cache_mode TO force_generic_plan
AS $$
BEGIN
    RETURN (
    WITH RECURSIVE reads(oid) AS (
        SELECT p_matview::oid
        UNION
        SELECT d.refobjid
          FROM reads v
          JOIN pg_catalog.pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) v.oid
                                      AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
          JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                     AND d.objid OPERATOR(pg_catalog.=) r.oid
                                     AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                     AND d.refobjid OPERATOR(pg_catalog.<>) v.oid
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.refobjid
                                    AND c.relkind OPERATOR(pg_catalog.=) 'v'
    ), tree AS (
        SELECT r.ev_action::text AS action
          FROM reads v
          JOIN pg_catalog.pg_rewrite r ON r.ev_class OPERATOR(pg_catalog.=) v.oid
                                      AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'
    ), called AS (
        SELECT DISTINCT m[1]::oid AS fn
          FROM tree t,
               LATERAL pg_catalog.regexp_matches(t.action, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\d+)', 'g') AS m
    ), finding AS (
        SELECT CASE
                 WHEN p.provolatile OPERATOR(pg_catalog.=) 'v'
                   THEN pg_catalog.format('volatile function %s()', p.oid::pg_catalog.regproc)
                 WHEN n.nspname OPERATOR(pg_catalog.=) 'pg_catalog'
                  AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['now', 'statement_timestamp', 'transaction_timestamp'])
                   THEN pg_catalog.format('time-of-query function %s()', p.proname)
                 WHEN n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])
                  AND p.provolatile OPERATOR(pg_catalog.<>) 'i' AND p.prosqlbody IS NULL
                   THEN pg_catalog.format('stable function %s() with an opaque body', p.oid::pg_catalog.regproc)
               END AS what
          FROM called c
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) c.fn
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
        UNION ALL
        -- :op 0 is CURRENT_DATE; the others read the time of day or the session's role
        SELECT CASE WHEN m[1] OPERATOR(pg_catalog.=) '0' THEN 'CURRENT_DATE'
                    ELSE 'SQL value function (CURRENT_TIMESTAMP, LOCALTIME, CURRENT_USER, ...)' END
          FROM tree t, LATERAL pg_catalog.regexp_matches(t.action, '\{SQLVALUEFUNCTION :op (\d+)', 'g') AS m
        UNION ALL
        SELECT pg_catalog.format('system catalog %s (its changes are not observable)', c.oid::pg_catalog.regclass)
          FROM tree t,
               LATERAL pg_catalog.regexp_matches(t.action, ':rtekind 0 :relid (\d+)', 'g') AS m
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) m[1]::oid
         WHERE c.oid OPERATOR(pg_catalog.<) 16384
    )
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT f.what ORDER BY f.what), '{}')
      FROM finding f
     WHERE f.what IS NOT NULL);
END
$$;
COMMENT ON FUNCTION audit._volatile_calls(regclass) IS
  'Internal: volatile, time-of-query and opaque non-immutable calls in a materialized view''s definition (and the plain views it reads).';

-- The reviewed step of re-baselining (runbook 001 section 3.2): makes a capture the
-- baseline of its target, replacing the previous one, and records every difference in
-- audit.baseline_change with who accepted it, when, why, and the previous value. This is
-- the only way a baseline changes: certification never writes baselines, and nobody has
-- write grants on audit.baseline. A note saying what was reviewed is required; a capture
-- is accepted at most once. Returns the number of baseline entries that changed.
CREATE OR REPLACE FUNCTION audit.accept_baseline(p_capture_id bigint, p_note text)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_capture   audit.baseline_capture;
    v_now       timestamptz := pg_catalog.clock_timestamp();
    v_changes   integer;
BEGIN
    IF p_note IS NULL OR pg_catalog.btrim(p_note) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: accepting a baseline needs a note saying what was reviewed'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'e.g. SELECT audit.accept_baseline(12, ''reviewed PR 345: new damage features'');';
    END IF;
    SELECT * INTO v_capture FROM audit.baseline_capture c
     WHERE c.capture_id OPERATOR(pg_catalog.=) p_capture_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: baseline capture % does not exist', p_capture_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.baseline_capture for captures.';
    END IF;
    IF v_capture.accepted_at IS NOT NULL THEN
        RAISE EXCEPTION 'mvcert: baseline capture % was already accepted by % at %',
                p_capture_id, v_capture.accepted_by, v_capture.accepted_at
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Capture a new baseline to accept.';
    END IF;
    -- one acceptance at a time per target
    PERFORM FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_capture.target FOR UPDATE;

    INSERT INTO audit.baseline_change (target, kind, object, previous_hash, previous_row_count,
                                       new_hash, new_row_count, capture_id, changed_at, changed_by, note)
    SELECT v_capture.target, COALESCE(n.kind, o.kind), COALESCE(n.object, o.object),
           o.hash, o.row_count, n.hash, n.row_count, p_capture_id, v_now, SESSION_USER, p_note
      FROM (SELECT * FROM audit.baseline b WHERE b.target OPERATOR(pg_catalog.=) v_capture.target) o
      FULL JOIN (SELECT * FROM audit.baseline_capture_item i WHERE i.capture_id OPERATOR(pg_catalog.=) p_capture_id) n
        ON n.kind OPERATOR(pg_catalog.=) o.kind AND n.object OPERATOR(pg_catalog.=) o.object
     WHERE o.hash IS DISTINCT FROM n.hash OR o.row_count IS DISTINCT FROM n.row_count;
    GET DIAGNOSTICS v_changes = ROW_COUNT;

    DELETE FROM audit.baseline b WHERE b.target OPERATOR(pg_catalog.=) v_capture.target;
    INSERT INTO audit.baseline (target, kind, object, hash, row_count, capture_id, accepted_at, accepted_by)
    SELECT v_capture.target, i.kind, i.object, i.hash, i.row_count, p_capture_id, v_now, SESSION_USER
      FROM audit.baseline_capture_item i WHERE i.capture_id OPERATOR(pg_catalog.=) p_capture_id;

    UPDATE audit.baseline_capture c
       SET accepted_at = v_now, accepted_by = SESSION_USER, accept_note = p_note
     WHERE c.capture_id OPERATOR(pg_catalog.=) p_capture_id;
    RETURN v_changes;
END
$$;
COMMENT ON FUNCTION audit.accept_baseline(bigint, text) IS
  'Makes a baseline capture the reviewed baseline of its target, recording each change (who, when, note, previous value).';

-- Forbids objects in a target's closure: p_kind 'name' (an object; an existing relation is
-- stored under its canonical name), 'regex' (a PostgreSQL regular expression matched
-- against canonical names such as ml.tom_labels_v1_mv or ml.f(integer)), or 'schema'.
CREATE OR REPLACE FUNCTION audit.add_deny_rule(p_target regclass, p_kind text, p_pattern text, p_reason text DEFAULT NULL)
RETURNS audit.deny_rule
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_pattern   text := p_pattern;
    v_row       audit.deny_rule;
BEGIN
    IF p_kind IS NULL OR p_kind OPERATOR(pg_catalog.<>) ALL (ARRAY['name', 'regex', 'schema']) THEN
        RAISE EXCEPTION 'mvcert: deny rule kind must be name, regex or schema, got %', COALESCE(p_kind, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_pattern IS NULL OR p_pattern OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: deny rule pattern must not be empty'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. ''ml.tom_labels_v1_mv'', ''_mv$'' or ''legacy''';
    END IF;
    IF p_kind OPERATOR(pg_catalog.=) 'regex' THEN
        BEGIN
            PERFORM '' OPERATOR(pg_catalog.~) p_pattern;
        EXCEPTION WHEN invalid_regular_expression THEN
            RAISE EXCEPTION 'mvcert: deny rule regex % is invalid: %', p_pattern, SQLERRM
                USING ERRCODE = 'invalid_regular_expression';
        END;
    ELSIF p_kind OPERATOR(pg_catalog.=) 'name' AND pg_catalog.to_regclass(p_pattern) IS NOT NULL THEN
        v_pattern := audit._qualified_name(pg_catalog.to_regclass(p_pattern));
    END IF;
    INSERT INTO audit.deny_rule AS r (target, kind, pattern, reason)
    VALUES (v_target, p_kind, v_pattern, p_reason)
    ON CONFLICT (target, kind, pattern) DO UPDATE SET reason = COALESCE(EXCLUDED.reason, r.reason)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_deny_rule(regclass, text, text, text) IS
  'Certification rule: the closure of the target must not contain objects matching (name, regex on canonical name, or schema).';

-- Declares gated columns of a target: columns whose name matches p_column_regex (a
-- PostgreSQL regular expression, e.g. '^img__'; never LIKE, where '_' is a wildcard) must
-- be NULL in every row where p_gate_expression (SQL over the target's columns, e.g.
-- 'img_within_sla') is not true. Both are checked now: the regex must match at least one
-- column and the expression must be a valid boolean over the target.
CREATE OR REPLACE FUNCTION audit.add_gate_rule(p_target regclass, p_column_regex text, p_gate_expression text,
                                    p_description text DEFAULT NULL)
RETURNS audit.gate_rule
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_row       audit.gate_rule;
    v_state     text;
    v_error     text;
BEGIN
    IF p_column_regex IS NULL OR p_gate_expression IS NULL THEN
        RAISE EXCEPTION 'mvcert: gate rule needs a column regex and a gate expression'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. audit.add_gate_rule(''ml.x_v'', ''^img__'', ''img_within_sla'')';
    END IF;
    BEGIN
        PERFORM '' OPERATOR(pg_catalog.~) p_column_regex;
    EXCEPTION WHEN invalid_regular_expression THEN
        RAISE EXCEPTION 'mvcert: column regex % is invalid: %', p_column_regex, SQLERRM
            USING ERRCODE = 'invalid_regular_expression';
    END;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid OPERATOR(pg_catalog.=) p_target AND a.attnum OPERATOR(pg_catalog.>) 0
                      AND NOT a.attisdropped AND a.attname::text OPERATOR(pg_catalog.~) p_column_regex) THEN
        RAISE EXCEPTION 'mvcert: no column of % matches %', v_target, p_column_regex
            USING ERRCODE = 'undefined_column', HINT = 'The regex is matched against column names, e.g. ''^img__''.';
    END IF;
    -- Parses, type-checks and plans the expression against the target, never runs it.
    BEGIN
        PERFORM audit._require_single_query(pg_catalog.format(E'SELECT 1 FROM %s WHERE (%s\n)', v_target, p_gate_expression));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        v_error := pg_catalog.regexp_replace(v_error, '^mvcert: ', '');
        RAISE EXCEPTION 'mvcert: gate expression % is not a valid boolean expression over %: %',
                pg_catalog.quote_literal(p_gate_expression), v_target, v_error
            USING ERRCODE = v_state, HINT = 'SQL over the target''s columns that is true where the gated columns may be set, e.g. ''img_within_sla''.';
    END;

    INSERT INTO audit.gate_rule AS r (target, column_regex, gate_expression, description)
    VALUES (v_target, p_column_regex, p_gate_expression, p_description)
    ON CONFLICT (target, column_regex, gate_expression) DO UPDATE SET description = COALESCE(EXCLUDED.description, r.description)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_gate_rule(regclass, text, text, text) IS
  'Certification rule: columns of the target matching a regex must be NULL where the gate expression is not true.';

-- Adds (or replaces) a user-defined assertion of a target: a query that must return no
-- rows. The query is planned now (not run) so that a typo is reported at once.
CREATE OR REPLACE FUNCTION audit.add_sql_assertion(p_target regclass, p_name text, p_query text, p_description text DEFAULT NULL)
RETURNS audit.sql_assertion
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_query     text := pg_catalog.rtrim(pg_catalog.btrim(p_query), '; ');
    v_row       audit.sql_assertion;
    v_state     text;
    v_error     text;
BEGIN
    IF p_name IS NULL OR v_query IS NULL OR v_query OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: an assertion needs a name and a query'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. audit.add_sql_assertion(''ml.x_v'', ''no_negative_price'', ''SELECT * FROM ml.x_v WHERE price < 0'')';
    END IF;
    -- Planned, never run ('SELECT 1) q; DROP ...' is refused before any of it runs).
    BEGIN
        PERFORM audit._require_single_query(pg_catalog.format(E'SELECT 1 FROM (%s\n) AS q', v_query));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        v_error := pg_catalog.regexp_replace(v_error, '^mvcert: ', '');
        RAISE EXCEPTION 'mvcert: assertion % query % is not a valid query: %',
                pg_catalog.quote_ident(p_name), pg_catalog.quote_literal(v_query), v_error
            USING ERRCODE = v_state, HINT = 'One SELECT that returns the offending rows, e.g. ''SELECT * FROM ml.x_v WHERE price < 0''.';
    END;
    INSERT INTO audit.sql_assertion AS a (target, name, query, description)
    VALUES (v_target, p_name, v_query, p_description)
    ON CONFLICT (target, name) DO UPDATE SET query = EXCLUDED.query, description = EXCLUDED.description
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.add_sql_assertion(regclass, text, text, text) IS
  'Certification rule: a query about the target that must return no rows.';

-- An agent announces itself and proves it is alive: upserts its row in audit.agent and
-- moves last_seen_at. Called at start-up and every few seconds while the agent runs; a
-- restarted agent with the same name gets a fresh started_at.
CREATE OR REPLACE FUNCTION audit.agent_heartbeat(
    p_agent    text,
    p_host     text DEFAULT NULL,
    p_pid      integer DEFAULT NULL,
    p_version  text DEFAULT NULL)
RETURNS audit.agent
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row audit.agent;
BEGIN
    IF p_agent IS NULL OR pg_catalog.btrim(p_agent) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: agent name must not be empty, got %', pg_catalog.quote_nullable(p_agent)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the agent''s name, e.g. ''host-1:4242''.';
    END IF;
    INSERT INTO audit.agent AS a (name, host, pid, version)
    VALUES (p_agent, p_host, p_pid, p_version)
    ON CONFLICT (name) DO UPDATE SET
        host         = EXCLUDED.host,
        pid          = EXCLUDED.pid,
        version      = EXCLUDED.version,
        -- a stopped agent coming back, or another process under the same name: a new life
        started_at   = CASE WHEN a.stopped_at IS NOT NULL OR a.pid IS DISTINCT FROM EXCLUDED.pid
                            THEN pg_catalog.clock_timestamp() ELSE a.started_at END,
        last_seen_at = pg_catalog.clock_timestamp(),
        stopped_at   = NULL
    RETURNING a.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.agent_heartbeat(text, text, integer, text) IS
  'Agent: registers the agent or refreshes its liveness (audit.agent.last_seen_at).';

-- An agent records a graceful shutdown, so callers waiting in the SQL entry points learn at
-- once that it is gone instead of after its heartbeat expires.
CREATE OR REPLACE FUNCTION audit.agent_stopped(p_agent text)
RETURNS boolean
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    UPDATE audit.agent a
       SET stopped_at = pg_catalog.clock_timestamp(), last_seen_at = pg_catalog.clock_timestamp()
     WHERE a.name OPERATOR(pg_catalog.=) p_agent
    RETURNING true
$$;
COMMENT ON FUNCTION audit.agent_stopped(text) IS
  'Agent: records a graceful shutdown (stopped_at); returns true, or NULL for an unknown agent.';

-- Records the start of a run of a target and returns its run id. Called by the engine
-- (through its history connection when it has one, so the row survives a rollback of the
-- work) and usable by SQL refresh scripts that want their runs in the history. p_mode NULL:
-- the target's run_mode (audit.target), incremental for an unregistered view; 'certify' is a
-- certification without refreshing.
CREATE OR REPLACE FUNCTION audit.begin_run(
    p_target        regclass,
    p_mode          text     DEFAULT NULL,
    p_requested_by  text     DEFAULT NULL,
    p_request_id    bigint   DEFAULT NULL,
    p_executor      text     DEFAULT NULL,
    p_lease         interval DEFAULT NULL,
    p_backend_pid   integer  DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name   text := audit._require_view(p_target);
    v_mode   text := COALESCE(p_mode, audit._default_run_mode(v_name));
    v_run_id bigint;
BEGIN
    IF v_mode OPERATOR(pg_catalog.<>) ALL (ARRAY['incremental', 'atomic', 'certify']) THEN
        RAISE EXCEPTION 'mvcert: unknown run mode %', pg_catalog.quote_nullable(p_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use incremental, atomic or certify.';
    END IF;
    IF p_lease <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: lease must be positive, got %', p_lease USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.run (target, mode, requested_by, request_id, executor, lease, backend_pid)
    VALUES (v_name, v_mode, COALESCE(p_requested_by, SESSION_USER::text), p_request_id,
            COALESCE(p_executor, 'backend'), COALESCE(p_lease, interval '5 minutes'),
            COALESCE(p_backend_pid, pg_catalog.pg_backend_pid()))
    RETURNING run_id INTO v_run_id;
    RETURN v_run_id;
END
$$;
COMMENT ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) IS
  'Records the start of a run (history) and returns its run id; mode NULL takes the target''s run_mode.';

-- Records the start of one attempt to refresh one materialized view within a run and
-- returns its step id. p_backend_pid is the session doing the refresh (which is not the
-- session writing history when the engine has a separate history connection). The
-- materialized view is validated and stored under its canonical name, so the step history
-- (and the no-overlap check over it) never holds names that do not denote a view. The lock
-- key defaults to the view's refresh lock (audit.refresh_lock_key). Also moves the run's
-- heartbeat: a run that starts steps is alive.
CREATE OR REPLACE FUNCTION audit.begin_step(
    p_run_id        bigint,
    p_matview       text,
    p_plan_step     integer DEFAULT NULL,
    p_plan_level    integer DEFAULT NULL,
    p_planned_mode  text    DEFAULT NULL,
    p_attempt       integer DEFAULT 1,
    p_lock_key      bigint  DEFAULT NULL,
    p_backend_pid   integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_step_id bigint;
    v_matview text := audit._breaker_key(p_matview);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id
            USING ERRCODE = 'no_data_found', HINT = 'Start the run with audit.begin_run first.';
    END IF;
    INSERT INTO audit.step (run_id, matview, plan_step, plan_level, planned_mode, attempt, lock_key, backend_pid)
    VALUES (p_run_id, v_matview, p_plan_step, p_plan_level, p_planned_mode, COALESCE(p_attempt, 1),
            COALESCE(p_lock_key, audit.refresh_lock_key(v_matview::pg_catalog.regclass)),
            COALESCE(p_backend_pid, pg_catalog.pg_backend_pid()))
    RETURNING step_id INTO v_step_id;
    UPDATE audit.run r SET heartbeat_at = pg_catalog.clock_timestamp()
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id AND r.status OPERATOR(pg_catalog.=) 'running';
    RETURN v_step_id;
END
$$;
COMMENT ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) IS
  'Records the start of a refresh step attempt within a run and returns its step id.';

-- Asks the circuit breaker of a materialized view whether to refresh it now:
-- 'closed' refresh normally; 'half_open' refresh once as the trial (the caller must report
-- the result with audit.breaker_record); 'open' skip it. An open breaker whose cool-down has
-- passed moves to half_open for exactly one caller: the row lock makes concurrent callers
-- queue behind the first, who see the trial already taken. A trial older than the cool-down
-- (its agent died) is given to the next caller. Call it in its own short transaction.
CREATE OR REPLACE FUNCTION audit.breaker_permit(p_matview text, p_target text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key     text := audit._breaker_key(p_matview);
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_policy  record;
    v_b       audit.breaker;
BEGIN
    SELECT * INTO v_b FROM audit.breaker b WHERE b.matview OPERATOR(pg_catalog.=) v_key FOR UPDATE;
    IF NOT FOUND OR v_b.state OPERATOR(pg_catalog.=) 'closed' THEN
        RETURN 'closed';
    END IF;
    SELECT * INTO v_policy FROM audit._breaker_policy(v_key, p_target);
    IF v_b.state OPERATOR(pg_catalog.=) 'open'
       AND (v_b.opened_at OPERATOR(pg_catalog.+) v_policy.cool_down) OPERATOR(pg_catalog.<=) v_now
       OR v_b.state OPERATOR(pg_catalog.=) 'half_open'
       AND (v_b.trial_started_at OPERATOR(pg_catalog.+) v_policy.cool_down) OPERATOR(pg_catalog.<=) v_now THEN
        UPDATE audit.breaker b
           SET state = 'half_open', trial_started_at = v_now, updated_at = v_now
         WHERE b.matview OPERATOR(pg_catalog.=) v_key;
        RETURN 'half_open';
    END IF;
    RETURN 'open';
END
$$;
COMMENT ON FUNCTION audit.breaker_permit(text, text) IS
  'Agent: closed = refresh, half_open = refresh once as the trial, open = skip; grants at most one trial after the cool-down.';

-- Records the result of a run's refresh of a materialized view (after its retries) in the
-- view's circuit breaker: success closes it and clears the failure count; a failure counts,
-- opens the breaker at the threshold, and re-opens it when a half-open trial fails.
-- Returns the new state.
CREATE OR REPLACE FUNCTION audit.breaker_record(
    p_matview    text,
    p_succeeded  boolean,
    p_error      text DEFAULT NULL,
    p_target     text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key     text := audit._breaker_key(p_matview);
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_policy  record;
    v_state   text;
BEGIN
    IF p_succeeded IS NULL THEN
        RAISE EXCEPTION 'mvcert: succeeded must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass true when the refresh succeeded, false when it failed.';
    END IF;
    SELECT * INTO v_policy FROM audit._breaker_policy(v_key, p_target);
    IF p_succeeded THEN
        INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, last_success_at, updated_at)
        VALUES (v_key, 'closed', 0, v_now, v_now)
        ON CONFLICT (matview) DO UPDATE SET
            state = 'closed', consecutive_failures = 0, opened_at = NULL, trial_started_at = NULL,
            last_success_at = v_now, updated_at = v_now
        RETURNING b.state INTO v_state;
    ELSE
        INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, opened_at,
                                        last_failure_at, last_error, updated_at)
        VALUES (v_key,
                CASE WHEN v_policy.failure_threshold OPERATOR(pg_catalog.<=) 1 THEN 'open' ELSE 'closed' END,
                1,
                CASE WHEN v_policy.failure_threshold OPERATOR(pg_catalog.<=) 1 THEN v_now END,
                v_now, p_error, v_now)
        ON CONFLICT (matview) DO UPDATE SET
            consecutive_failures = b.consecutive_failures OPERATOR(pg_catalog.+) 1,
            state = CASE WHEN b.state OPERATOR(pg_catalog.<>) 'closed'
                           OR (b.consecutive_failures OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.>=) v_policy.failure_threshold
                         THEN 'open' ELSE 'closed' END,
            -- a failed trial restarts the cool-down; an already open breaker keeps its time
            opened_at = CASE WHEN b.state OPERATOR(pg_catalog.=) 'open' THEN b.opened_at
                             WHEN b.state OPERATOR(pg_catalog.=) 'half_open'
                               OR (b.consecutive_failures OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.>=) v_policy.failure_threshold
                             THEN v_now END,
            trial_started_at = NULL,
            last_failure_at = v_now, last_error = p_error, updated_at = v_now
        RETURNING b.state INTO v_state;
    END IF;
    RETURN v_state;
END
$$;
COMMENT ON FUNCTION audit.breaker_record(text, boolean, text, text) IS
  'Agent: records a view''s refresh result in its breaker (success closes; failures open it at the threshold); returns the new state.';

-- Whether changes made outside mvcert (a REFRESH by hand, CREATE OR REPLACE VIEW, DROP, ...)
-- to objects of certified closures are caught in the changing transaction: true when both
-- event triggers of audit.enable_change_detection exist and are enabled. Where false, only
-- mvcert's own runs move targets out of CERTIFIED; readers should use
-- audit.require_certified_strict, which compares the closure with what certification saw.
CREATE OR REPLACE FUNCTION audit.change_detection()
RETURNS boolean
LANGUAGE sql
STABLE
PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) 2
      FROM pg_catalog.pg_event_trigger e
     WHERE e.evtname OPERATOR(pg_catalog.=) ANY (ARRAY['mvcert_closure_ddl', 'mvcert_closure_drop'])
       AND e.evtenabled OPERATOR(pg_catalog.<>) 'D'
$$;
COMMENT ON FUNCTION audit.change_detection() IS
  'True when REFRESH and DDL outside mvcert on objects of certified closures are caught (event triggers installed and enabled); else use require_certified_strict.';

-- An agent takes the oldest queued request it may run: at most one row, locked with
-- FOR UPDATE SKIP LOCKED so concurrent agents never take the same request, and never one
-- whose target is busy (a live running run, i.e. running with a heartbeat within its lease,
-- or another claimed request). A transaction-scoped advisory lock per target closes the
-- window in which two agents could each claim a different request of the same target.
-- The claim is visible to others when the agent commits.
CREATE OR REPLACE FUNCTION audit.claim_request(p_agent text)
RETURNS SETOF audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
ROWS 1
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_candidate  record;
    v_claimed    audit.run_request;
BEGIN
    IF p_agent IS NULL OR pg_catalog.btrim(p_agent) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: agent name must not be empty, got %', pg_catalog.quote_nullable(p_agent)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the agent''s name, e.g. ''host-1:4242''.';
    END IF;
    FOR v_candidate IN
        SELECT r.request_id, r.target
          FROM audit.run_request r
         WHERE r.status OPERATOR(pg_catalog.=) 'queued'
         ORDER BY r.requested_at, r.request_id
    LOOP
        -- Another agent is deciding about this target right now: leave it to that agent.
        CONTINUE WHEN NOT pg_catalog.pg_try_advisory_xact_lock(
            pg_catalog.hashtext('mvcert:claim'), pg_catalog.hashtext(v_candidate.target));
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM audit.run x
             WHERE x.target OPERATOR(pg_catalog.=) v_candidate.target
               AND x.status OPERATOR(pg_catalog.=) 'running'
               AND (x.heartbeat_at OPERATOR(pg_catalog.+) x.lease) OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp());
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM audit.run_request c
             WHERE c.target OPERATOR(pg_catalog.=) v_candidate.target
               AND c.status OPERATOR(pg_catalog.=) 'claimed');
        UPDATE audit.run_request r
           SET status = 'claimed', claimed_by = p_agent, claimed_at = pg_catalog.clock_timestamp()
         WHERE r.request_id OPERATOR(pg_catalog.=) (
                 SELECT q.request_id FROM audit.run_request q
                  WHERE q.request_id OPERATOR(pg_catalog.=) v_candidate.request_id
                    AND q.status OPERATOR(pg_catalog.=) 'queued'
                    FOR UPDATE SKIP LOCKED)
        RETURNING r.* INTO v_claimed;
        IF v_claimed.request_id IS NOT NULL THEN
            RETURN NEXT v_claimed;
            RETURN;
        END IF;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION audit.claim_request(text) IS
  'Agent: claims the oldest queued request whose target has no live run or other claim (FOR UPDATE SKIP LOCKED); returns it, or no row.';

-- Everything a view or materialized view depends on, transitively: the views and
-- materialized views it reads (expanded in turn), the tables and other relations under
-- them (leaves: a table's own sequences and types are not followed), the user functions
-- the views call (system functions are left out), what functions with BEGIN ATOMIC bodies
-- read and call (other function bodies are not parsed here; certification reads them),
-- and the edges users declared with audit.declare_dependency. One row per object, at
-- its shortest distance from the target (the target itself at depth 0); `parent` is the
-- object at depth - 1 through which it was first reached, so following parents prints
-- the path target -> ... -> object, and `via` says whether that last edge is recorded by
-- PostgreSQL ('catalog') or declared ('declared'); both are NULL for the target.
-- `relid` is the pg_class oid of a relation, or the pg_proc oid of a function.
-- System catalogs and system views (pg_catalog, information_schema, pg_toast) the views
-- read are listed too, found in the stored query when pg_depend does not record them
-- (pinned catalogs such as pg_class), with `untracked` true: their contents are the
-- server's state, which changes without any DDL, refresh or statistics counter mvcert
-- could observe. They are leaves: what a system view reads is not followed.
-- A cycle (only possible through declared edges or functions) raises invalid_recursion
-- naming it as a path `a -> b -> a` and what each edge is.
CREATE OR REPLACE FUNCTION audit.closure(p_target regclass)
RETURNS TABLE (relation text, relid oid, kind text, depth integer, parent text, via text, untracked boolean)
LANGUAGE sql
STABLE
ROWS 100
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT g.name, g.objid, g.kind, g.depth, g.parent, g.via, g.untracked
      FROM audit._closure_graph(p_target) AS g
     ORDER BY g.depth, g.name
$$;
COMMENT ON FUNCTION audit.closure(regclass) IS
  'Every relation and user function a view or materialized view depends on, transitively (catalog and declared edges), with depth, kind, the parent it was first reached through, and whether it is an untracked system catalog or view.';

-- An agent records that it is done with a claimed request. The request's outcome is the run
-- that served it (the run points at the request, audit.run.request_id): its status and reason
-- become the request's. With no run (the agent could not start one), p_error says why and the
-- request ends 'error'. Only the claimed request can be completed, once; a second completion
-- is an error, so an agent whose claim was reaped learns that its result was not recorded as
-- the request's outcome. The one place where a request's status is derived.
CREATE OR REPLACE FUNCTION audit.complete_request(p_request_id bigint, p_error text DEFAULT NULL)
RETURNS audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row     audit.run_request;
    v_run     audit.run;
BEGIN
    IF p_request_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: request_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_row FROM audit.run_request r
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: request % does not exist', p_request_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.run_request.';
    END IF;
    IF v_row.status OPERATOR(pg_catalog.<>) 'claimed' THEN
        RAISE EXCEPTION 'mvcert: request % is %, not claimed: it cannot be completed', p_request_id, v_row.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a request returned by audit.claim_request and not yet completed or reaped can be completed.';
    END IF;
    SELECT * INTO v_run FROM audit.run r
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
     ORDER BY r.run_id DESC LIMIT 1;
    IF v_run.run_id IS NOT NULL AND v_run.status OPERATOR(pg_catalog.=) 'running' THEN
        RAISE EXCEPTION 'mvcert: request % cannot be completed while its run % is still running', p_request_id, v_run.run_id
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Finish the run first (audit.finish_run).';
    END IF;
    IF v_run.run_id IS NULL AND (p_error IS NULL OR pg_catalog.btrim(p_error) OPERATOR(pg_catalog.=) '') THEN
        RAISE EXCEPTION 'mvcert: request % has no run; say why it could not run (p_error)', p_request_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE audit.run_request r
       SET status = COALESCE(v_run.status, 'error'),
           outcome = CASE WHEN v_run.run_id IS NULL THEN p_error
                          ELSE pg_catalog.format('run %s %s%s', v_run.run_id, v_run.status,
                                                 COALESCE(': ' OPERATOR(pg_catalog.||) v_run.reason, '')) END,
           finished_at = pg_catalog.clock_timestamp()
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
    RETURNING r.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.complete_request(bigint, text) IS
  'Agent: ends a claimed request with the outcome of the run that served it (or error, with the reason, when no run started).';

-- Creates the view training and export jobs read instead of the target itself (its query is
-- audit._guarded_view_query): every row of the source while it is certified and younger than
-- p_max_age, otherwise the gate's error (audit.require_certified, or
-- audit.require_certified_strict when p_strict). The check has only constant arguments, so
-- the planner makes it a one-time filter: it runs once per query, before any row is read,
-- and a refused gate returns no rows but an error. On the happy path the view reads the
-- registry row itself (an InitPlan, with the view owner's rights: the owner needs SELECT on
-- audit.registry, as mvcert_admin has) and calls no function. p_view_name is 'schema.name'
-- (quoted parts allowed, as in SQL); the source is referenced by OID, so renaming it keeps
-- the view working. Returns the new view.
CREATE OR REPLACE FUNCTION audit.create_guarded_view(p_source regclass, p_view_name text, p_max_age interval,
                                          p_strict boolean DEFAULT false)
RETURNS regclass
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_source    text := audit._require_view(p_source, 'source');
    v_parts     text[];
    v_view      text;
BEGIN
    IF p_view_name IS NULL THEN
        RAISE EXCEPTION 'mvcert: view name must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'e.g. ''ml.survival_feature_store_guarded_v''';
    END IF;
    IF p_max_age IS NULL OR p_max_age OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be a positive interval, got %', COALESCE(p_max_age::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    v_parts := pg_catalog.parse_ident(p_view_name);
    IF pg_catalog.cardinality(v_parts) OPERATOR(pg_catalog.<>) 2 THEN
        RAISE EXCEPTION 'mvcert: view name % must be schema-qualified (schema.name)', p_view_name
            USING ERRCODE = 'invalid_name', HINT = 'e.g. ''ml.features_guarded_v''';
    END IF;
    v_view := pg_catalog.format('%I.%I', v_parts[1], v_parts[2]);
    EXECUTE pg_catalog.format('CREATE VIEW %s AS %s', v_view, audit._guarded_view_query(p_source, p_max_age, p_strict));
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_view,
        pg_catalog.format('Guarded read of %s: fails unless it is certified and younger than %s.', v_source, p_max_age));
    RETURN pg_catalog.to_regclass(v_view);
END
$$;
COMMENT ON FUNCTION audit.create_guarded_view(regclass, text, interval, boolean) IS
  'Creates a view over a target that reads it only while it is certified (a one-time filter on its registry row, else audit.require_certified''s error).';

-- Records that a view or materialized view depends on a relation PostgreSQL cannot see it
-- read (a function body, dynamic SQL, a foreign server), so audit.closure and
-- audit.refresh_plan include it like a catalog edge. Idempotent: declaring an edge again
-- only replaces its reason (a NULL reason keeps the old one). An edge that would close a
-- cycle is refused with the cycle spelled out (`a -> b -> a`, each arrow meaning "reads",
-- and what each edge is) and nothing is recorded. A system catalog or view may be declared
-- (a function reads pg_stat_activity, say); it reads no view of the database, so it
-- cannot close a cycle. SECURITY DEFINER so that mvcert_admin needs EXECUTE only and
-- cannot write edges that bypass these checks; the caller is recorded as session_user,
-- since current_user inside the function is its owner.
CREATE OR REPLACE FUNCTION audit.declare_dependency(p_dependent regclass, p_depends_on regclass, p_reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_dependent  text := audit._require_view(p_dependent, 'dependent');
    v_depends_on text;
    v_kind       "char";
    v_system     boolean;
    v_path       text[];
    v_edges      text;
BEGIN
    IF p_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: depends_on must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the relation the view reads, e.g. ''ml.prices''::regclass.';
    END IF;
    SELECT c.relkind, n.nspname OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog', 'information_schema', 'pg_toast']::name[])
      INTO v_kind, v_system
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_depends_on;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: depends_on % does not exist', p_depends_on::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    v_depends_on := audit._qualified_name(p_depends_on);
    IF v_depends_on OPERATOR(pg_catalog.=) v_dependent THEN
        RAISE EXCEPTION 'mvcert: % cannot depend on itself', v_dependent
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Declare the relation the view reads, not the view.';
    END IF;

    -- One declaration at a time: two concurrent ones could close a cycle neither sees.
    LOCK TABLE audit.declared_dependency IN SHARE ROW EXCLUSIVE MODE;

    -- The edge closes a cycle exactly when the dependent is already below depends_on;
    -- the parents of the walk from depends_on give the way back.
    IF v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[]) AND NOT v_system THEN
        WITH RECURSIVE graph AS MATERIALIZED (
            SELECT g.name, g.kind, g.parent, g.via FROM audit._closure_graph(p_depends_on) AS g
        ), back (name, kind, parent, via, i) AS (
            SELECT g.name, g.kind, g.parent, g.via, 1 FROM graph g WHERE g.name OPERATOR(pg_catalog.=) v_dependent
            UNION ALL
            SELECT g.name, g.kind, g.parent, g.via, b.i OPERATOR(pg_catalog.+) 1
              FROM back b JOIN graph g ON g.name OPERATOR(pg_catalog.=) b.parent
        )
        -- the new edge first, then the way back from depends_on to the dependent
        SELECT pg_catalog.array_agg(b.name ORDER BY b.i DESC),
               pg_catalog.format('%s -> %s: declared dependency; ', v_dependent, v_depends_on)
               OPERATOR(pg_catalog.||)
               pg_catalog.string_agg(pg_catalog.format('%s -> %s: %s', b.parent, b.name,
                                                       audit._edge_description(p.kind, b.kind, b.via)),
                                     '; ' ORDER BY b.i DESC) FILTER (WHERE b.parent IS NOT NULL)
          INTO v_path, v_edges
          FROM back b
          LEFT JOIN graph p ON p.name OPERATOR(pg_catalog.=) b.parent;
        IF v_path IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: declaring % -> % would close the dependency cycle % (%)',
                    v_dependent, v_depends_on,
                    pg_catalog.array_to_string(ARRAY[v_dependent] OPERATOR(pg_catalog.||) v_path, ' -> '), v_edges
                USING ERRCODE = 'invalid_recursion',
                      DETAIL = pg_catalog.format('%s already depends on %s; each arrow means "reads".', v_depends_on, v_dependent),
                      HINT = 'A materialized view cannot be refreshed before and after another one; declare only edges that follow the data.';
        END IF;
    END IF;

    INSERT INTO audit.declared_dependency AS d (dependent, depends_on, reason, declared_by)
    VALUES (v_dependent, v_depends_on, p_reason, SESSION_USER)
    ON CONFLICT (dependent, depends_on) DO UPDATE
       SET reason = COALESCE(EXCLUDED.reason, d.reason);
END
$$;
COMMENT ON FUNCTION audit.declare_dependency(regclass, regclass, text) IS
  'Declares that a view or materialized view depends on a relation the catalog does not show (e.g. read inside a function); refuses cycles; repeat to change the reason.';

-- Installs the event triggers that catch REFRESH and DDL on objects of certified closures,
-- whoever runs them (audit._on_closure_ddl, audit._on_closure_drop). CREATE EXTENSION does
-- this when run by a superuser; elsewhere (a non-superuser install, the flat script) a
-- superuser runs it once. ENABLE ALWAYS: they fire under session_replication_role = replica
-- too. Idempotent. Not SECURITY DEFINER: creating event triggers needs a superuser caller.
CREATE OR REPLACE FUNCTION audit.enable_change_detection()
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_trigger   record;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        RAISE EXCEPTION 'mvcert: only a superuser can install change detection (event triggers); % is not one', CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask a superuser to run SELECT audit.enable_change_detection(); until then use audit.require_certified_strict.';
    END IF;
    FOR v_trigger IN
        SELECT * FROM (VALUES ('mvcert_closure_ddl', 'ddl_command_end', 'audit._on_closure_ddl()'),
                              ('mvcert_closure_drop', 'sql_drop', 'audit._on_closure_drop()')) t(name, event, fn)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger e WHERE e.evtname OPERATOR(pg_catalog.=) v_trigger.name) THEN
            EXECUTE pg_catalog.format('CREATE EVENT TRIGGER %I ON %s EXECUTE FUNCTION %s',
                                      v_trigger.name, v_trigger.event, v_trigger.fn);
        END IF;
        EXECUTE pg_catalog.format('ALTER EVENT TRIGGER %I ENABLE ALWAYS', v_trigger.name);
        -- an extension's objects must belong to it, so DROP EXTENSION removes them too
        IF EXISTS (SELECT FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'mvcert')
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_event_trigger e ON e.oid OPERATOR(pg_catalog.=) d.objid
                            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                              AND e.evtname OPERATOR(pg_catalog.=) v_trigger.name AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
            EXECUTE pg_catalog.format('ALTER EXTENSION mvcert ADD EVENT TRIGGER %I', v_trigger.name);
        END IF;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit.enable_change_detection() IS
  'Installs the event triggers that move certified targets to STALE when anyone REFRESHes or alters an object of their closure (superuser only; CREATE EXTENSION does it when run by a superuser).';

-- Classifies an error by SQLSTATE (and, for 57014, the message, which tells a statement
-- timeout from a cancel) into the classes the engine records and the agent retries on.
-- Mirrors dev.mvcert.engine.errors.ErrorClass; a test keeps the two in step.
CREATE OR REPLACE FUNCTION audit.error_class(p_sqlstate text, p_message text DEFAULT NULL)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN p_sqlstate IS NULL OR pg_catalog.length(p_sqlstate) OPERATOR(pg_catalog.<>) 5 THEN 'other'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) ANY (ARRAY['55P03', '55006']) THEN 'lock_timeout'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '57014' THEN
             CASE WHEN p_message IS NULL OR p_message OPERATOR(pg_catalog.~~) '%statement timeout%'
                  THEN 'statement_timeout' ELSE 'canceled' END
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '40P01' THEN 'deadlock'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) '40' THEN 'serialization'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['53', '58']) THEN 'resources'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) '08'
          OR p_sqlstate OPERATOR(pg_catalog.=) ANY (ARRAY['57P01', '57P02', '57P03', '57P04']) THEN 'connection'
        WHEN p_sqlstate OPERATOR(pg_catalog.=) '42501' THEN 'permission'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['42', '0A', '55', '54']) THEN 'definition'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) ANY (ARRAY['22', '23', '21', '27']) THEN 'data'
        WHEN pg_catalog.left(p_sqlstate, 2) OPERATOR(pg_catalog.=) 'XX' THEN 'internal'
        ELSE 'other'
    END
$$;
COMMENT ON FUNCTION audit.error_class(text, text) IS
  'Error class of a SQLSTATE (lock_timeout, statement_timeout, canceled, deadlock, serialization, resources, connection, permission, definition, data, internal, other).';

-- Whether an error class is worth retrying: transient conditions (lock and statement
-- timeouts, serialization failures, deadlocks, exhausted resources, lost connections) are;
-- errors in the data, the definitions or privileges, cancels and internal errors are not,
-- since the same refresh would fail the same way. Mirrors ErrorClass.retryable().
CREATE OR REPLACE FUNCTION audit.error_class_retryable(p_error_class text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT COALESCE(p_error_class OPERATOR(pg_catalog.=) ANY (ARRAY['lock_timeout', 'statement_timeout', 'deadlock',
                                                                    'serialization', 'resources', 'connection']), false)
$$;
COMMENT ON FUNCTION audit.error_class_retryable(text) IS
  'True for error classes worth a retry (lock_timeout, statement_timeout, deadlock, serialization, resources, connection).';

-- Which path runs the engine's work in this database: 'pljava' when the Java engine is
-- deployed in-database (install/pljava.sh), so audit.certify, audit.capture_baselines,
-- audit.refresh_and_certify_atomic exist and CALL audit.refresh_and_certify runs in the
-- calling session; 'agent' otherwise, where the entry points hand the work to a running
-- `mvcert serve` through the queue. Gates and health are SQL on both paths.
CREATE OR REPLACE FUNCTION audit.execution_path()
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN audit._pljava_available() THEN 'pljava' ELSE 'agent' END
$$;
COMMENT ON FUNCTION audit.execution_path() IS
  'Where the engine runs for this database: pljava (deployed in-database) or agent (through the queue).';

-- The reviewed step for a function certification cannot analyse for time-of-query reads
-- (dynamic SQL, C outside pg_catalog, another language, a body that does not parse): records
-- that an admin reviewed exactly its current body, so time_of_query_token no longer fails on
-- it. The exemption names the body by its hash; when the body changes, certification fails
-- again until it is reviewed and exempted anew. A note saying what was reviewed is required.
-- Exempting a function again supersedes its current exemption (the old row stays, ended, as
-- history). Returns the id of the new exemption.
CREATE OR REPLACE FUNCTION audit.exempt_function(p_function regprocedure, p_note text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_identity  text;
    v_now       timestamptz := pg_catalog.clock_timestamp();
    v_id        bigint;
BEGIN
    IF p_function IS NULL THEN
        RAISE EXCEPTION 'mvcert: function to exempt must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. SELECT audit.exempt_function(''ml.load_features(date)'', ''reviewed: dynamic SQL only names partitions'');';
    END IF;
    v_identity := audit._function_identity(p_function);
    IF p_note IS NULL OR pg_catalog.btrim(p_note) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: exempting % needs a note saying what was reviewed', v_identity
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('e.g. SELECT audit.exempt_function(%L, ''reviewed: dynamic SQL only names partitions'');',
                                           v_identity);
    END IF;
    UPDATE audit.analysis_exemption e
       SET ended_at = v_now, ended_by = SESSION_USER, end_reason = 'superseded'
     WHERE e.function_identity OPERATOR(pg_catalog.=) v_identity AND e.ended_at IS NULL;
    INSERT INTO audit.analysis_exemption (function_identity, body_hash, exempted_by, exempted_at, note)
    VALUES (v_identity, audit._function_body_hash(p_function), SESSION_USER, v_now, p_note)
    RETURNING exemption_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit.exempt_function(regprocedure, text) IS
  'Records a reviewed exemption of a function the time-of-query analysis cannot read, for exactly its current body; a changed body fails certification again.';

-- How long a materialized view's refresh is expected to take: the median of its last ten
-- successful refresh steps (NULL without history). The engine orders the views ready to
-- start by it (cheapest first, or longest remaining chain first) and estimates a run's end.
CREATE OR REPLACE FUNCTION audit.expected_duration(p_matview text)
RETURNS interval
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.make_interval(secs => pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(epoch FROM s.duration)))
      FROM (SELECT x.duration FROM audit.step x
             WHERE x.matview OPERATOR(pg_catalog.=) p_matview AND x.status OPERATOR(pg_catalog.=) 'succeeded'
             ORDER BY x.started_at DESC LIMIT 10) s
    HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION audit.expected_duration(text) IS
  'Expected refresh time of a materialized view: median of its last ten successful refresh steps (NULL without history).';

-- The reasons a target may not refresh now because of its required ingestion feeds: one
-- row per required feed whose latest batch failed, is still running, or which has no
-- successful batch finished within its max_age ("missing for the period"). No rows: the
-- preconditions hold. Batches come from audit.feed_batch, or from the feed's batch_source
-- relation (columns feed, batch_id, status, finished_at) when the user mapped one.
CREATE OR REPLACE FUNCTION audit.feed_problems(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (feed text, problem text)
LANGUAGE plpgsql
STABLE
ROWS 5
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name    text := audit._require_view(p_target);
    v_req     record;
    v_latest  record;
    v_ok_at   timestamptz;
    v_source  text;
BEGIN
    FOR v_req IN
        SELECT tf.feed, COALESCE(tf.max_age, f.max_age) AS max_age, f.batch_source
          FROM audit.target_feed tf
          JOIN audit.feed f ON f.feed OPERATOR(pg_catalog.=) tf.feed
         WHERE tf.target OPERATOR(pg_catalog.=) v_name
         ORDER BY tf.feed
    LOOP
        IF v_req.batch_source IS NULL THEN
            v_source := 'audit.feed_batch';
        ELSE
            -- the regclass cast names a missing relation in its error
            v_source := v_req.batch_source::pg_catalog.regclass::text;
        END IF;
        EXECUTE pg_catalog.format(
            'SELECT b.batch_id::text AS batch_id, b.status::text AS status, b.finished_at
               FROM %s b WHERE b.feed::text OPERATOR(pg_catalog.=) $1
              ORDER BY b.finished_at DESC NULLS FIRST LIMIT 1', v_source)
          INTO v_latest USING v_req.feed;
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.max(b.finished_at) FROM %s b
              WHERE b.feed::text OPERATOR(pg_catalog.=) $1 AND b.status::text OPERATOR(pg_catalog.=) ''succeeded''', v_source)
          INTO v_ok_at USING v_req.feed;
        feed := v_req.feed;
        IF v_latest IS NULL THEN
            problem := pg_catalog.format('feed %s has no batch', v_req.feed);
        ELSIF v_latest.status OPERATOR(pg_catalog.=) 'failed' THEN
            problem := pg_catalog.format('feed %s: latest batch %s failed at %s', v_req.feed, v_latest.batch_id, v_latest.finished_at);
        ELSIF v_latest.status OPERATOR(pg_catalog.=) 'running' THEN
            problem := pg_catalog.format('feed %s: batch %s is still running', v_req.feed, v_latest.batch_id);
        ELSIF v_ok_at IS NULL OR v_ok_at OPERATOR(pg_catalog.<) (p_at OPERATOR(pg_catalog.-) v_req.max_age) THEN
            problem := pg_catalog.format('feed %s: no successful batch within %s (latest at %s)', v_req.feed, v_req.max_age, v_ok_at);
        ELSE
            CONTINUE;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit.feed_problems(regclass, timestamptz) IS
  'Why the required ingestion feeds of a target forbid a refresh now (failed, running or missing latest batch); no rows when they allow it.';

-- Records the end of a run: how it ended (certified, not_certified, refresh_failed, skipped,
-- cancelled: see audit.run), why, which materialized views it left stale and which need a
-- maintenance-window rebuild. Only a running run is finished; returns false when the run had
-- already ended (e.g. marked abandoned because its heartbeat lapsed). A step of the run still
-- 'running' then (its executor lost the connection before it could record the step's end) is
-- marked abandoned with the reason: a finished run has no running step.
CREATE OR REPLACE FUNCTION audit.finish_run(
    p_run_id             bigint,
    p_status             text,
    p_reason             text   DEFAULT NULL,
    p_stale_views        text[] DEFAULT '{}',
    p_needs_maintenance  text[] DEFAULT '{}')
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['certified', 'not_certified', 'refresh_failed', 'skipped', 'cancelled']) THEN
        RAISE EXCEPTION 'mvcert: a run cannot finish with status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use certified, not_certified, refresh_failed, skipped or cancelled.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE audit.run r
       SET status = p_status, reason = p_reason, finished_at = pg_catalog.clock_timestamp(),
           heartbeat_at = pg_catalog.clock_timestamp(),
           stale_views = COALESCE(p_stale_views, '{}'), needs_maintenance = COALESCE(p_needs_maintenance, '{}')
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id AND r.status OPERATOR(pg_catalog.=) 'running';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE audit.step s
       SET status = 'abandoned', finished_at = pg_catalog.clock_timestamp(),
           error_message = pg_catalog.format('the run ended (%s) before this step''s end was recorded: its connection was lost', p_status)
     WHERE s.run_id OPERATOR(pg_catalog.=) p_run_id AND s.status OPERATOR(pg_catalog.=) 'running';
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) IS
  'Records how a running run ended (certified, not_certified, refresh_failed, skipped, cancelled), why, stale views, views needing maintenance; false if it had already ended.';

-- Records how a step attempt ended: succeeded (mode used, rows after refresh, query id),
-- skipped (reason) or failed (error class derived from the SQLSTATE, retryable flag,
-- message). The decision says in words why the view was refreshed or skipped. Returns the
-- step id, so a view that never started is recorded with one call:
-- SELECT audit.finish_step(audit.begin_step(...), 'skipped', ...).
CREATE OR REPLACE FUNCTION audit.finish_step(
    p_step_id        bigint,
    p_status         text,
    p_mode_used      text   DEFAULT NULL,
    p_skip_reason    text   DEFAULT NULL,
    p_decision       text   DEFAULT NULL,
    p_rows_after     bigint DEFAULT NULL,
    p_query_id       bigint DEFAULT NULL,
    p_sqlstate       text   DEFAULT NULL,
    p_error_message  text   DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_class text;
BEGIN
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['succeeded', 'failed', 'skipped', 'cancelled']) THEN
        RAISE EXCEPTION 'mvcert: a step cannot finish with status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use succeeded, failed, skipped or cancelled.';
    END IF;
    IF p_status OPERATOR(pg_catalog.=) 'failed' THEN
        v_class := audit.error_class(p_sqlstate, p_error_message);
    END IF;
    UPDATE audit.step s
       SET status = p_status, mode_used = p_mode_used, skip_reason = p_skip_reason, decision = p_decision,
           rows_after = p_rows_after, query_id = p_query_id, sqlstate = p_sqlstate, error_message = p_error_message,
           error_class = v_class,
           retryable = CASE WHEN v_class IS NOT NULL THEN audit.error_class_retryable(v_class) END,
           finished_at = pg_catalog.clock_timestamp()
     WHERE s.step_id OPERATOR(pg_catalog.=) p_step_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'mvcert: step % does not exist', p_step_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN p_step_id;
END
$$;
COMMENT ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) IS
  'Records how a refresh step attempt ended (status, mode used, skip reason, rows, query id, error class from SQLSTATE).';

-- The executor of a running run proves it is alive: moves audit.run.heartbeat_at. Returns
-- false when the run is no longer running (e.g. it was reaped as abandoned after a long
-- pause), which tells the executor to stop: its work is no longer the run of record.
CREATE OR REPLACE FUNCTION audit.heartbeat(p_run_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: run_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE audit.run r
       SET heartbeat_at = pg_catalog.clock_timestamp()
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id
       AND r.status OPERATOR(pg_catalog.=) 'running';
    IF FOUND THEN
        RETURN true;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id
            USING ERRCODE = 'no_data_found', HINT = 'See audit.run.';
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION audit.heartbeat(bigint) IS
  'Executor: moves a running run''s heartbeat_at; returns false when the run is no longer running (stop working on it).';

-- Whether a moment falls inside a target's daily maintenance window (server time zone):
-- [maintenance_window_start, + maintenance_window_length), which may run past midnight.
-- Plain refreshes by policy and index rebuilds (rebuild:invalid_index) happen only inside
-- it. False for a target without a window or not registered.
CREATE OR REPLACE FUNCTION audit.in_maintenance_window(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name   text := audit._require_view(p_target);
    v_start  time;
    v_length interval;
    v_local  timestamp := p_at::timestamp;
BEGIN
    SELECT t.maintenance_window_start, t.maintenance_window_length INTO v_start, v_length
      FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_name;
    IF v_start IS NULL THEN
        RETURN false;
    END IF;
    -- the window that opened today, or the one that opened yesterday and runs past midnight
    RETURN EXISTS (
        SELECT 1
          FROM (VALUES (v_local::date OPERATOR(pg_catalog.+) v_start),
                       ((v_local::date OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.+) v_start)) AS w(opens)
         WHERE v_local OPERATOR(pg_catalog.>=) w.opens
           AND v_local OPERATOR(pg_catalog.<) (w.opens OPERATOR(pg_catalog.+) v_length));
END
$$;
COMMENT ON FUNCTION audit.in_maintenance_window(regclass, timestamptz) IS
  'True when the moment (default now) is inside the target''s daily maintenance window.';

-- Why a materialized view must be refreshed (which input changed, volatile calls, never
-- refreshed by mvcert, ...), or NULL when none of its inputs changed since mvcert last
-- refreshed it successfully: what the engine asks before each refresh step (see
-- audit._input_changes for the rules), callable from psql.
CREATE OR REPLACE FUNCTION audit.input_changes(p_matview regclass)
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

-- Marks a certified target STALE: its data changed (a refresh published new rows) or an
-- operator knows it is wrong, and it must not be read until certification passes again.
-- Only a CERTIFIED status moves to STALE; FAILED stays FAILED. Returns whether it changed.
-- SECURITY DEFINER: the registry is written only through functions of mvcert.
CREATE OR REPLACE FUNCTION audit.mark_stale(p_target regclass, p_reason text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target text := audit._require_view(p_target);
BEGIN
    IF p_reason IS NULL OR pg_catalog.btrim(p_reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: a reason is required to mark % stale', v_target
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. ''refresh run 42 published new rows''';
    END IF;
    UPDATE audit.registry r
       SET status = 'STALE', status_since = pg_catalog.clock_timestamp(), stale_reason = p_reason
     WHERE r.target OPERATOR(pg_catalog.=) v_target AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED';
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION audit.mark_stale(regclass, text) IS
  'Marks a CERTIFIED target STALE (its data changed since certification) so the gates refuse it until re-certified.';

-- Deletes old run history (runs and, by cascade, their steps) and old feed batches so
-- history does not grow without bound. A finished run is deleted when it ended before
-- now() - keep_for, unless it is among the newest keep_runs_per_target runs of its target;
-- running runs are never deleted. Feed batches older than keep_for are deleted except the
-- newest of each feed. Defaults come from audit.history_retention (90 days, 20 runs).
-- Returns the number of runs deleted. Meant for pg_cron:
--   SELECT cron.schedule('mvcert-purge', '17 3 * * *', 'SELECT audit.purge_history()');
CREATE OR REPLACE FUNCTION audit.purge_history(p_keep_for interval DEFAULT NULL, p_keep_runs_per_target integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_keep_for  interval;
    v_keep_runs integer;
    v_deleted   bigint;
BEGIN
    SELECT COALESCE(p_keep_for, (SELECT h.keep_for FROM audit.history_retention h), interval '90 days'),
           COALESCE(p_keep_runs_per_target, (SELECT h.keep_runs_per_target FROM audit.history_retention h), 20)
      INTO v_keep_for, v_keep_runs;
    IF v_keep_for <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: keep_for must be positive, got %', v_keep_for
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''90 days''';
    END IF;
    IF v_keep_runs < 0 THEN
        RAISE EXCEPTION 'mvcert: keep_runs_per_target must not be negative, got %', v_keep_runs
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH ranked AS (
        SELECT r.run_id, r.status, r.finished_at,
               pg_catalog.row_number() OVER (PARTITION BY r.target ORDER BY r.started_at DESC, r.run_id DESC) AS newest
          FROM audit.run r
    ), gone AS (
        DELETE FROM audit.run r
         USING ranked k
         WHERE r.run_id OPERATOR(pg_catalog.=) k.run_id
           AND k.status OPERATOR(pg_catalog.<>) 'running'
           AND k.finished_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) v_keep_for)
           AND k.newest OPERATOR(pg_catalog.>) v_keep_runs
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO v_deleted FROM gone;

    DELETE FROM audit.feed_batch b
     WHERE b.finished_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) v_keep_for)
       AND EXISTS (SELECT 1 FROM audit.feed_batch n
                    WHERE n.feed OPERATOR(pg_catalog.=) b.feed
                      AND n.started_at OPERATOR(pg_catalog.>) b.started_at);
    RETURN v_deleted;
END
$$;
COMMENT ON FUNCTION audit.purge_history(interval, integer) IS
  'Deletes finished runs (and their steps) older than the retention, keeping the newest runs per target; for pg_cron.';

-- Marks the work of dead executors as abandoned so its targets can run again: running runs
-- whose heartbeat is older than their lease become 'abandoned' (with the reason), as do
-- their running steps and the requests they served; claimed requests that never got a run
-- are abandoned once their agent has been silent for p_claim_timeout; claimed requests whose
-- run has ended are closed with the run's outcome. Returns how many runs and claims it
-- marked. Safe to call from every agent at once.
CREATE OR REPLACE FUNCTION audit.reap_abandoned(p_claim_timeout interval DEFAULT interval '2 minutes')
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_now     timestamptz := pg_catalog.clock_timestamp();
    v_runs    integer;
    v_claims  integer;
    v_silent  integer;
BEGIN
    IF p_claim_timeout IS NULL OR p_claim_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: claim timeout must be positive, got %', pg_catalog.quote_nullable(p_claim_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''2 minutes''';
    END IF;

    WITH dead AS (
        UPDATE audit.run r
           SET status = 'abandoned', finished_at = v_now,
               reason = pg_catalog.format('abandoned: executor %s sent no heartbeat since %s (lease %s)',
                                          r.executor, r.heartbeat_at, r.lease)
         WHERE r.status OPERATOR(pg_catalog.=) 'running'
           AND (r.heartbeat_at OPERATOR(pg_catalog.+) r.lease) OPERATOR(pg_catalog.<) v_now
        RETURNING r.run_id, r.request_id, r.reason
    ), steps AS (
        UPDATE audit.step s
           SET status = 'abandoned', finished_at = v_now, error_message = dead.reason
          FROM dead
         WHERE s.run_id OPERATOR(pg_catalog.=) dead.run_id
           AND s.status OPERATOR(pg_catalog.=) 'running'
        RETURNING s.step_id
    ), requests AS (
        UPDATE audit.run_request q
           SET status = 'abandoned', finished_at = v_now,
               outcome = pg_catalog.format('run %s %s', dead.run_id, dead.reason)
          FROM dead
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND q.request_id OPERATOR(pg_catalog.=) dead.request_id
        RETURNING q.request_id
    )
    SELECT pg_catalog.count(*)::integer INTO v_runs FROM dead;
    -- Claims whose run ended but whose request was never completed (the agent lost its
    -- connection, or the server its last commit, between the two): the run's end is the
    -- request's. Left for p_claim_timeout after the run's end so a live agent completes it.
    WITH ended AS (
        UPDATE audit.run_request q
           SET status = r.status, finished_at = v_now,
               outcome = pg_catalog.format('closed by the reaper: run %s ended %s at %s, the request was never completed',
                                           r.run_id, r.status, r.finished_at)
          FROM audit.run r
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND r.request_id OPERATOR(pg_catalog.=) q.request_id
           AND r.status OPERATOR(pg_catalog.<>) 'running'
           AND r.finished_at OPERATOR(pg_catalog.<) (v_now OPERATOR(pg_catalog.-) p_claim_timeout)
           AND NOT EXISTS (SELECT 1 FROM audit.run live
                            WHERE live.status OPERATOR(pg_catalog.=) 'running'
                              AND live.request_id OPERATOR(pg_catalog.=) q.request_id)
        RETURNING q.request_id
    )
    SELECT pg_catalog.count(*)::integer INTO v_claims FROM ended;
    -- Claims whose agent died before starting a run: no run row points at them.
    UPDATE audit.run_request q
       SET status = 'abandoned', finished_at = v_now,
           outcome = pg_catalog.format('abandoned: agent %s claimed it at %s and went silent', q.claimed_by, q.claimed_at)
     WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
       AND q.claimed_at OPERATOR(pg_catalog.<) (v_now OPERATOR(pg_catalog.-) p_claim_timeout)
       AND NOT EXISTS (SELECT 1 FROM audit.run r
                        WHERE r.status OPERATOR(pg_catalog.=) 'running'
                          AND r.request_id OPERATOR(pg_catalog.=) q.request_id)
       AND NOT EXISTS (SELECT 1 FROM audit.agent a
                        WHERE a.name OPERATOR(pg_catalog.=) q.claimed_by
                          AND a.stopped_at IS NULL
                          AND a.last_seen_at OPERATOR(pg_catalog.>=) (v_now OPERATOR(pg_catalog.-) p_claim_timeout));
    GET DIAGNOSTICS v_silent = ROW_COUNT;
    RETURN v_runs OPERATOR(pg_catalog.+) v_claims OPERATOR(pg_catalog.+) v_silent;
END
$$;
COMMENT ON FUNCTION audit.reap_abandoned(interval) IS
  'Agent: marks runs past their lease (and their running steps and claimed requests) abandoned, and claims of silent agents; returns how many runs and claims.';

-- The backend pid holding the refresh lock of a materialized view, or NULL. Lets a step
-- that lost the lock say who has it.
CREATE OR REPLACE FUNCTION audit.refresh_lock_holder(p_matview regclass)
RETURNS integer
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT l.pid
      FROM pg_catalog.pg_locks l
     WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'
       AND l.granted
       AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                               WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
       AND l.objsubid OPERATOR(pg_catalog.=) 1
       AND l.classid::bigint OPERATOR(pg_catalog.=) (audit.refresh_lock_key(p_matview) OPERATOR(pg_catalog.>>) 32)
       AND l.objid::bigint OPERATOR(pg_catalog.=) (audit.refresh_lock_key(p_matview) OPERATOR(pg_catalog.&) x'ffffffff'::bigint)
     LIMIT 1
$$;
COMMENT ON FUNCTION audit.refresh_lock_holder(regclass) IS
  'Pid of the session holding the refresh lock of a materialized view, or NULL.';

-- The advisory lock key that serializes refreshes of one materialized view. Every executor
-- (the engine, the agent, psql scripts, pg_cron jobs) takes this key with
-- pg_try_advisory_xact_lock before refreshing, so two refreshes of one view never run at
-- once. The key is the view's oid in the low 32 bits and the constant 0x6d766372 ('mvcr')
-- in the high 32 bits: unique per view within a database (advisory locks are per database),
-- and unlikely to collide with other applications' bigint keys. It changes when the view
-- is dropped and recreated, which is harmless: the old view no longer exists.
CREATE OR REPLACE FUNCTION audit.refresh_lock_key(p_matview regclass)
RETURNS bigint
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT (x'6d766372'::bigint OPERATOR(pg_catalog.<<) 32) OPERATOR(pg_catalog.|) p_matview::oid::bigint
$$;
COMMENT ON FUNCTION audit.refresh_lock_key(regclass) IS
  'Advisory lock key serializing refreshes of a materialized view: (0x6d766372 << 32) | oid. Shared by all executors.';

-- The materialized views of a target's closure (the target too, if it is one) in the order
-- they must be refreshed, with how and why. A matview's depends_on lists the closure's
-- matviews it reads directly or through plain views and functions (declared edges
-- included); its level is 0 when that list is empty, else 1 + the highest level in it, so
-- all matviews of one level may be refreshed in parallel once the lower levels are done.
-- step numbers the rows 1..n by level, then name: a valid topological order. Plain views
-- are traversed, not planned. mode/reason say what REFRESH the server would accept and
-- what a DBA would choose (see audit._refresh_modes for the rules, which follow the
-- server's own CONCURRENTLY test): 'concurrently' (reason 'concurrently'), 'plain'
-- ('plain:unpopulated', 'plain:no_unique_index') or 'rebuild' ('rebuild:invalid_index').
-- An unpopulated view with an invalid unique index is planned 'plain:unpopulated': its
-- plain refresh rebuilds and validates that index and blocks no reader, so it need not
-- wait for a maintenance window like a rebuild. unique_index is the index CONCURRENTLY
-- relies on (or, for a rebuild, the invalid one it restores); warning lists problems a
-- DBA should fix (nullable keys of unique indexes, invalid or ineligible indexes), one
-- per line; the last step also carries the target's live-inputs warning
-- (audit._live_inputs_warning: tables the target reads through plain views only, whose rows
-- no refresh pins); detail explains the choice in words.
CREATE OR REPLACE FUNCTION audit.refresh_plan(p_target regclass)
RETURNS TABLE (step integer, level integer, matview text, relid oid, mode text, reason text,
               unique_index text, depends_on text[], warning text, detail text,
               expected_duration interval, critical_path boolean)
LANGUAGE sql
STABLE
-- ROWS: what the planner expects of each set-returning function of the run path (PostgreSQL
-- assumes 1000); with that default this plan's recursive CTEs expected a million rows and
-- sized their hash tables to work_mem, some 20 MB a call for a ten-view chain
ROWS 20
SET search_path TO pg_catalog, pg_temp
AS $$
WITH RECURSIVE graph AS MATERIALIZED (
    SELECT g.* FROM audit._closure_graph(p_target) AS g
), matview AS (
    SELECT g.name, g.objid FROM graph g WHERE g.kind OPERATOR(pg_catalog.=) 'materialized view'
), reach (matview, name) AS (
    -- from each matview down through plain views and functions, stopping at matviews
    SELECT m.name, r.name
      FROM matview m
      JOIN graph g ON g.name OPERATOR(pg_catalog.=) m.name
      CROSS JOIN LATERAL pg_catalog.unnest(g.reads) AS r(name)
    UNION
    SELECT reach.matview, r.name
      FROM reach
      JOIN graph g ON g.name OPERATOR(pg_catalog.=) reach.name
                  AND g.kind OPERATOR(pg_catalog.<>) 'materialized view'
      CROSS JOIN LATERAL pg_catalog.unnest(g.reads) AS r(name)
), reads_matview AS (
    SELECT reach.matview, reach.name AS depends_on
      FROM reach JOIN matview m ON m.name OPERATOR(pg_catalog.=) reach.name
), leveled (matview, level) AS (
    -- longest chain of matviews below each one; the closure is acyclic (checked by the walk)
    SELECT m.name, 0 FROM matview m
    UNION
    SELECT r.matview, l.level OPERATOR(pg_catalog.+) 1
      FROM leveled l JOIN reads_matview r ON r.depends_on OPERATOR(pg_catalog.=) l.matview
), depends AS (
    SELECT r.matview, pg_catalog.array_agg(r.depends_on ORDER BY r.depends_on) AS depends_on
      FROM reads_matview r
     GROUP BY r.matview
), planned AS (
    SELECT m.name, m.objid, pg_catalog.max(l.level) AS level
      FROM matview m JOIN leveled l ON l.matview OPERATOR(pg_catalog.=) m.name
     GROUP BY m.name, m.objid
), ordered AS (
    SELECT pg_catalog.row_number() OVER (ORDER BY p.level, p.name)::integer AS step,
           pg_catalog.count(*) OVER ()::integer AS steps,
           p.level, p.name, p.objid, rm.mode, rm.reason, rm.unique_index, COALESCE(d.depends_on, '{}') AS depends_on,
           rm.warning, rm.detail
      FROM planned p
      LEFT JOIN depends d ON d.matview OPERATOR(pg_catalog.=) p.name
      JOIN audit._refresh_modes((SELECT pg_catalog.array_agg(m.objid) FROM matview m)) AS rm
        ON rm.relid OPERATOR(pg_catalog.=) p.objid
), timed AS MATERIALIZED (
    -- every column of the plan and the expected duration: the result reads this alone, so no
    -- join of two CTEs (which the planner, expecting few rows, may run as a nested loop)
    SELECT o.*, audit.expected_duration(o.name) AS expected FROM ordered o
), finish (level, at) AS (
    -- level by level: a view ends its expected duration after the latest of its inputs
    SELECT -1, '{}'::jsonb
    UNION ALL
    SELECT f.level OPERATOR(pg_catalog.+) 1,
           f.at OPERATOR(pg_catalog.||) COALESCE((
               SELECT pg_catalog.jsonb_object_agg(t.name,
                        COALESCE(EXTRACT(epoch FROM t.expected), 0) OPERATOR(pg_catalog.+)
                        COALESCE((SELECT pg_catalog.max((f.at OPERATOR(pg_catalog.->>) d)::numeric)
                                    FROM pg_catalog.unnest(t.depends_on) d), 0))
                 FROM timed t WHERE t.level OPERATOR(pg_catalog.=) (f.level OPERATOR(pg_catalog.+) 1)), '{}')
      FROM finish f
     WHERE f.level OPERATOR(pg_catalog.<) (SELECT pg_catalog.max(t.level) FROM timed t)
), ends AS (
    SELECT f.at FROM finish f ORDER BY f.level DESC LIMIT 1
), critical (name) AS (
    -- back from the view that ends last, through the input that ends last
    (SELECT t.name FROM timed t, ends e
      ORDER BY (e.at OPERATOR(pg_catalog.->>) t.name)::numeric DESC, t.level DESC, t.name LIMIT 1)
    UNION ALL
    (SELECT x.d FROM critical c
       JOIN timed t ON t.name OPERATOR(pg_catalog.=) c.name
      CROSS JOIN ends e
      CROSS JOIN LATERAL (SELECT d FROM pg_catalog.unnest(t.depends_on) d
                           ORDER BY (e.at OPERATOR(pg_catalog.->>) d)::numeric DESC, d LIMIT 1) x)
)
SELECT t.step, t.level, t.name, t.objid, t.mode, t.reason, t.unique_index, t.depends_on,
       CASE WHEN t.step OPERATOR(pg_catalog.=) t.steps
            THEN NULLIF(pg_catalog.concat_ws(E'\n', t.warning, audit._live_inputs_warning(p_target)), '')
            ELSE t.warning END,
       t.detail, t.expected, EXISTS (SELECT FROM critical c WHERE c.name OPERATOR(pg_catalog.=) t.name)
  FROM timed t
 ORDER BY t.step
$$;
COMMENT ON FUNCTION audit.refresh_plan(regclass) IS
  'The materialized views of a target''s closure in refresh order: step, parallel level, mode (concurrently, plain, rebuild), reason, unique index, direct matview dependencies, warnings, expected duration and the critical path.';

-- Registers a view or materialized view as an mvcert target, or updates its policy.
-- Arguments left NULL keep the current value (or the default for a new target). p_run_mode
-- is the mode runs use when the caller names none (incremental or atomic: see
-- audit.target.run_mode), p_fail_fast stops a run at its first failed view, p_step_order
-- orders the views ready to start (cheapest_first or critical_path_first). System views are
-- refused (audit._require_view). A target that reads tables through plain views only gets a
-- WARNING naming them (audit._live_inputs_warning): its rows change without any refresh. That is a warning, not an error, and when the closure cannot be read now (a stale
-- declared edge) the WARNING says so and the target is registered all the same.
CREATE OR REPLACE FUNCTION audit.register_target(
    p_target                  regclass,
    p_description             text     DEFAULT NULL,
    p_max_age                 interval DEFAULT NULL,
    p_export_max_age          interval DEFAULT NULL,
    p_statement_timeout       interval DEFAULT NULL,
    p_lock_timeout            interval DEFAULT NULL,
    p_day_column              text     DEFAULT NULL,
    p_run_mode                text     DEFAULT NULL,
    p_fail_fast               boolean  DEFAULT NULL,
    p_step_order              text     DEFAULT NULL)
RETURNS audit.target
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name    text := audit._require_view(p_target);
    v_row     audit.target;
    v_warning text;
BEGIN
    IF p_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_export_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: export_max_age must be positive, got %', p_export_max_age
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''24 hours''';
    END IF;
    IF p_statement_timeout < interval '0' THEN
        RAISE EXCEPTION 'mvcert: statement_timeout must not be negative, got %', p_statement_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF p_lock_timeout < interval '0' THEN
        RAISE EXCEPTION 'mvcert: lock_timeout must not be negative, got %', p_lock_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    -- The engine sets these as statement_timeout / lock_timeout, whose limit is INT_MAX ms
    -- (about 24.8 days): refuse more now rather than fail every run later.
    IF pg_catalog.date_part('epoch', p_statement_timeout) OPERATOR(pg_catalog.*) 1000 OPERATOR(pg_catalog.>) 2147483647 THEN
        RAISE EXCEPTION 'mvcert: statement_timeout % is longer than PostgreSQL allows (about 24 days)', p_statement_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF pg_catalog.date_part('epoch', p_lock_timeout) OPERATOR(pg_catalog.*) 1000 OPERATOR(pg_catalog.>) 2147483647 THEN
        RAISE EXCEPTION 'mvcert: lock_timeout % is longer than PostgreSQL allows (about 24 days)', p_lock_timeout
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use interval ''0'' for no limit.';
    END IF;
    IF p_run_mode IS NOT NULL THEN
        PERFORM audit._require_mode(p_run_mode, ARRAY['incremental', 'atomic'], 'run_mode');
    END IF;
    IF p_step_order IS NOT NULL THEN
        PERFORM audit._require_mode(p_step_order, ARRAY['cheapest_first', 'critical_path_first'], 'step_order');
    END IF;
    IF p_day_column IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) p_target
           AND a.attname OPERATOR(pg_catalog.=) p_day_column
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'mvcert: day column % does not exist in %', pg_catalog.quote_ident(p_day_column), v_name
            USING ERRCODE = 'undefined_column';
    END IF;

    INSERT INTO audit.target AS t (target, description, max_age, export_max_age,
                                   statement_timeout, lock_timeout, day_column, run_mode, fail_fast, step_order)
    VALUES (v_name, p_description,
            coalesce(p_max_age, interval '24 hours'),
            coalesce(p_export_max_age, interval '24 hours'),
            coalesce(p_statement_timeout, interval '30 minutes'),
            coalesce(p_lock_timeout, interval '10 seconds'),
            p_day_column,
            coalesce(p_run_mode, 'incremental'),
            coalesce(p_fail_fast, false),
            coalesce(p_step_order, 'cheapest_first'))
    ON CONFLICT (target) DO UPDATE SET
        description       = coalesce(EXCLUDED.description, t.description),
        max_age           = coalesce(p_max_age, t.max_age),
        export_max_age    = coalesce(p_export_max_age, t.export_max_age),
        statement_timeout = coalesce(p_statement_timeout, t.statement_timeout),
        lock_timeout      = coalesce(p_lock_timeout, t.lock_timeout),
        day_column        = coalesce(p_day_column, t.day_column),
        run_mode          = coalesce(p_run_mode, t.run_mode),
        fail_fast         = coalesce(p_fail_fast, t.fail_fast),
        step_order        = coalesce(p_step_order, t.step_order)
    RETURNING * INTO v_row;

    BEGIN
        v_warning := audit._live_inputs_warning(p_target);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_warning = MESSAGE_TEXT;
        RAISE WARNING 'mvcert: live inputs of % cannot be determined now: %', v_name, v_warning
            USING HINT = 'audit.closure(target) shows the problem; runs of this target fail until it is fixed.';
        v_warning := NULL;
    END;
    IF v_warning IS NOT NULL THEN
        RAISE WARNING '%', v_warning
            USING HINT = 'Read the tables through a materialized view to give readers a refreshed, certified snapshot; '
                         'audit.health lists live inputs per target.';
    END IF;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text, text, boolean, text) IS
  'Registers a view or materialized view as an mvcert target, or updates its policy (NULL arguments keep the current value).';

-- Called by ingestion jobs to report a batch of a feed: 'running' when it starts,
-- 'succeeded' or 'failed' when it ends (finished_at is set then). Creates the feed on
-- first use with the default max_age.
CREATE OR REPLACE FUNCTION audit.report_feed_batch(p_feed text, p_batch_id text, p_status text, p_detail text DEFAULT NULL)
RETURNS audit.feed_batch
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_row audit.feed_batch;
BEGIN
    IF p_feed IS NULL OR p_batch_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: feed and batch id must not be NULL (got feed %, batch %)', p_feed, p_batch_id
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['running', 'succeeded', 'failed']) THEN
        RAISE EXCEPTION 'mvcert: unknown batch status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use running, succeeded or failed.';
    END IF;
    INSERT INTO audit.feed (feed) VALUES (p_feed) ON CONFLICT DO NOTHING;
    INSERT INTO audit.feed_batch AS b (feed, batch_id, status, finished_at, detail)
    VALUES (p_feed, p_batch_id, p_status,
            CASE WHEN p_status OPERATOR(pg_catalog.<>) 'running' THEN pg_catalog.clock_timestamp() END, p_detail)
    ON CONFLICT (feed, batch_id) DO UPDATE SET
        status = EXCLUDED.status, finished_at = EXCLUDED.finished_at, detail = COALESCE(EXCLUDED.detail, b.detail)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.report_feed_batch(text, text, text, text) IS
  'Reports an ingestion batch of a feed (running, succeeded, failed); creates the feed on first use.';

-- Queues a run of a target for an agent (pg_cron's scheduled jobs call this). If an equal
-- request (same target and mode) is already queued, the new one is recorded as 'coalesced'
-- into it and the queued request's id is returned: requests never stack up behind a slow
-- run, and every request is still accounted for. A new queued request is announced with
-- NOTIFY mvcert_requests (payload: the request id), delivered when the caller commits.
CREATE OR REPLACE FUNCTION audit.request_run(
    p_target    regclass,
    p_mode      text DEFAULT NULL,
    p_reason    text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)), ARRAY['incremental', 'atomic', 'certify']);
    v_request  bigint;
    v_queued   bigint;
BEGIN
    -- Two tries cover the race where the queued request is claimed between our INSERT and
    -- our look-up; a third conflict would need a claim per millisecond.
    FOR v_try IN 1..3 LOOP
        INSERT INTO audit.run_request (target, mode, requested_by, reason)
        VALUES (v_target, v_mode, SESSION_USER, p_reason)
        ON CONFLICT (target, mode) WHERE status OPERATOR(pg_catalog.=) 'queued' DO NOTHING
        RETURNING request_id INTO v_request;
        IF v_request IS NOT NULL THEN
            PERFORM pg_catalog.pg_notify('mvcert_requests', v_request::text);
            RETURN v_request;
        END IF;

        SELECT r.request_id INTO v_queued
          FROM audit.run_request r
         WHERE r.target OPERATOR(pg_catalog.=) v_target
           AND r.mode OPERATOR(pg_catalog.=) v_mode
           AND r.status OPERATOR(pg_catalog.=) 'queued';
        IF v_queued IS NOT NULL THEN
            INSERT INTO audit.run_request (target, mode, requested_by, reason, status, coalesced_into,
                                           finished_at, outcome)
            VALUES (v_target, v_mode, SESSION_USER, p_reason, 'coalesced', v_queued,
                    pg_catalog.clock_timestamp(),
                    pg_catalog.format('coalesced into queued request %s for the same target and mode', v_queued));
            RETURN v_queued;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'mvcert: could not queue a run of % (mode %): the queue changed too often', v_target, v_mode
        USING ERRCODE = 'serialization_failure', HINT = 'Retry the call.';
END
$$;
COMMENT ON FUNCTION audit.request_run(regclass, text, text) IS
  'Queues a run (mode incremental, atomic or certify) of a target for an agent and notifies mvcert_requests; coalesces with an equal queued request and returns its id.';

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
CREATE OR REPLACE FUNCTION audit.require_certified(p_target regclass, p_max_age interval)
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
CREATE OR REPLACE FUNCTION audit.require_certified_strict(p_target regclass, p_max_age interval)
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

-- Makes a registered target require an ingestion feed (created if new): its runs are
-- skipped while the feed's latest batch failed, is running, or is older than max_age.
CREATE OR REPLACE FUNCTION audit.require_feed(p_target regclass, p_feed text, p_max_age interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := audit._require_view(p_target);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_name) THEN
        RAISE EXCEPTION 'mvcert: target % is not registered', v_name
            USING ERRCODE = 'undefined_object', HINT = 'Register it first: SELECT audit.register_target(...).';
    END IF;
    IF p_feed IS NULL THEN
        RAISE EXCEPTION 'mvcert: feed must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_max_age <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: max_age must be positive, got %', p_max_age USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.feed (feed) VALUES (p_feed) ON CONFLICT DO NOTHING;
    INSERT INTO audit.target_feed AS tf (target, feed, max_age) VALUES (v_name, p_feed, p_max_age)
    ON CONFLICT (target, feed) DO UPDATE SET max_age = EXCLUDED.max_age;
END
$$;
COMMENT ON FUNCTION audit.require_feed(regclass, text, interval) IS
  'Makes a target require an ingestion feed; runs are skipped while its latest batch failed or is missing for the period.';

-- Closes a materialized view's circuit breaker by hand (after the cause was fixed), recording
-- who did it and when. The next run refreshes the view normally.
CREATE OR REPLACE FUNCTION audit.reset_breaker(p_matview regclass)
RETURNS audit.breaker
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_key  text;
    v_now  timestamptz := pg_catalog.clock_timestamp();
    v_row  audit.breaker;
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: matview must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view, e.g. ''ml.features_mv''::regclass.';
    END IF;
    v_key := audit._breaker_key(p_matview::oid::regclass::text);
    INSERT INTO audit.breaker AS b (matview, state, consecutive_failures, reset_at, reset_by, updated_at)
    VALUES (v_key, 'closed', 0, v_now, SESSION_USER, v_now)
    ON CONFLICT (matview) DO UPDATE SET
        state = 'closed', consecutive_failures = 0, opened_at = NULL, trial_started_at = NULL,
        reset_at = v_now, reset_by = SESSION_USER, updated_at = v_now
    RETURNING b.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.reset_breaker(regclass) IS
  'Operator: closes a materialized view''s circuit breaker and clears its failure count (recorded: reset_at, reset_by).';

-- Ends the current analysis exemption of a function (recorded, not deleted): certification
-- fails on the function again if it still cannot be analysed. Returns the id of the ended
-- exemption.
CREATE OR REPLACE FUNCTION audit.revoke_exemption(p_function regprocedure)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_identity  text;
    v_id        bigint;
BEGIN
    IF p_function IS NULL THEN
        RAISE EXCEPTION 'mvcert: function whose exemption to revoke must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. SELECT audit.revoke_exemption(''ml.load_features(date)'');';
    END IF;
    v_identity := audit._function_identity(p_function);
    UPDATE audit.analysis_exemption e
       SET ended_at = pg_catalog.clock_timestamp(), ended_by = SESSION_USER, end_reason = 'revoked'
     WHERE e.function_identity OPERATOR(pg_catalog.=) v_identity AND e.ended_at IS NULL
    RETURNING e.exemption_id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'mvcert: function % has no current analysis exemption', v_identity
            USING ERRCODE = 'no_data_found',
                  HINT = 'See audit.analysis_exemption (rows with ended_at IS NULL are current).';
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION audit.revoke_exemption(regprocedure) IS
  'Ends the current analysis exemption of a function (kept as history); certification fails on it again if it still cannot be analysed.';

-- Schedules runs of a target with pg_cron: a named job 'mvcert:<target>:<name>' (name
-- defaults to the mode). p_mode NULL: the target's run_mode. Where the job's run happens
-- (p_executor):
--   agent        the job queues a request (SELECT audit.request_run(...)): coalesced rather than
--                stacked, run by a serving agent;
--   in_database  the job runs the refresh and certification itself in its pg_cron session
--                (CALL audit.refresh_and_certify / audit.run_certification) through the Java
--                engine deployed under PL/Java; refused when it is not deployed;
--   auto         (default) in_database where the Java engine is deployed now, else agent.
-- Scheduling the same target and name again replaces the job. Returns the pg_cron job id.
-- An invalid cron expression is refused with the expression named, before anything changes.
CREATE OR REPLACE FUNCTION audit.schedule(
    p_target    regclass,
    p_cron      text,
    p_mode      text DEFAULT NULL,
    p_job_name  text DEFAULT NULL,
    p_executor  text DEFAULT 'auto')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)),
                                           ARRAY['incremental', 'atomic', 'certify']);
    v_job      text := audit._cron_job_name(v_target, coalesce(p_job_name, v_mode));
    v_executor text := audit._require_mode(p_executor, ARRAY['auto', 'agent', 'in_database'], 'executor');
    v_hint     constant text := 'Use five fields (minute hour day-of-month month day-of-week), e.g. ''0 2 * * *'' '
                                 'for daily at 02:00, or @hourly / @daily / @weekly / @monthly.';
    v_fields   text[];
    v_command  text;
    v_job_id   bigint;
BEGIN
    IF p_cron IS NULL THEN
        RAISE EXCEPTION 'mvcert: cron expression must not be NULL' USING ERRCODE = 'null_value_not_allowed', HINT = v_hint;
    END IF;
    -- pg_cron accepts some malformed expressions (extra fields are ignored): check the shape first.
    v_fields := pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_cron), '\s+');
    IF NOT (pg_catalog.array_length(v_fields, 1) OPERATOR(pg_catalog.=) 5
            AND pg_catalog.array_to_string(v_fields, ' ') OPERATOR(pg_catalog.~) '^[0-9A-Za-z*,/ -]+$'
            OR pg_catalog.btrim(p_cron) OPERATOR(pg_catalog.~) '^@(yearly|annually|monthly|weekly|daily|hourly|reboot)$') THEN
        RAISE EXCEPTION 'mvcert: invalid cron expression %', pg_catalog.quote_literal(p_cron)
            USING ERRCODE = 'invalid_parameter_value', HINT = v_hint;
    END IF;
    PERFORM audit._require_pg_cron();
    IF v_executor OPERATOR(pg_catalog.=) 'auto' THEN
        v_executor := CASE WHEN audit._pljava_available() THEN 'in_database' ELSE 'agent' END;
    ELSIF v_executor OPERATOR(pg_catalog.=) 'in_database' AND NOT audit._pljava_available() THEN
        RAISE EXCEPTION 'mvcert: cannot schedule % in-database: the Java engine is not deployed in database %',
                v_target, pg_catalog.quote_ident(pg_catalog.current_database())
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Deploy it with install/pljava.sh (needs PL/Java on the server), or schedule with p_executor => ''agent'' and run `mvcert serve`.';
    END IF;

    v_command := CASE
        WHEN v_executor OPERATOR(pg_catalog.=) 'agent'
            THEN pg_catalog.format('SELECT audit.request_run(%L, %L, %L)', v_target, v_mode, 'pg_cron job ' OPERATOR(pg_catalog.||) v_job)
        WHEN v_mode OPERATOR(pg_catalog.=) 'certify'
            THEN pg_catalog.format('CALL audit.run_certification(%L)', v_target)
        ELSE pg_catalog.format('CALL audit.refresh_and_certify(%L, true, %L)', v_target, v_mode)
    END;
    BEGIN
        -- dynamic: pg_cron is optional, so this function must not depend on its objects
        EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
           INTO v_job_id USING v_job, pg_catalog.btrim(p_cron), v_command, pg_catalog.current_database();
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'mvcert: invalid cron expression %', pg_catalog.quote_literal(p_cron)
            USING ERRCODE = 'invalid_parameter_value', DETAIL = SQLERRM, HINT = v_hint;
    END;
    RETURN v_job_id;
END
$$;
COMMENT ON FUNCTION audit.schedule(regclass, text, text, text, text) IS
  'Admin: creates or replaces the pg_cron job ''mvcert:<target>:<name>'' that runs the target in-database (PL/Java) or queues it for an agent; returns the job id.';

-- Sets the circuit-breaker policy for a materialized view, a target (the views refreshed for
-- it), or, with p_scope NULL, the default for all views. NULL threshold or cool-down keep
-- the current value (or the built-in default: 3 failures, 15 minutes).
CREATE OR REPLACE FUNCTION audit.set_breaker_policy(
    p_scope              regclass,
    p_failure_threshold  integer DEFAULT NULL,
    p_cool_down          interval DEFAULT NULL)
RETURNS audit.breaker_policy
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_scope  text := CASE WHEN p_scope IS NULL THEN '*' ELSE audit._require_view(p_scope, 'scope') END;
    v_row    audit.breaker_policy;
BEGIN
    IF p_failure_threshold OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'mvcert: failure threshold must be at least 1, got %', p_failure_threshold
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The breaker opens after this many consecutive failed runs.';
    END IF;
    IF p_cool_down OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: cool-down must be positive, got %', p_cool_down
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''15 minutes''';
    END IF;
    INSERT INTO audit.breaker_policy AS bp (scope, failure_threshold, cool_down)
    VALUES (v_scope, coalesce(p_failure_threshold, 3), coalesce(p_cool_down, interval '15 minutes'))
    ON CONFLICT (scope) DO UPDATE SET
        failure_threshold = coalesce(p_failure_threshold, bp.failure_threshold),
        cool_down         = coalesce(p_cool_down, bp.cool_down),
        updated_at        = pg_catalog.clock_timestamp(),
        updated_by        = SESSION_USER
    RETURNING bp.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.set_breaker_policy(regclass, integer, interval) IS
  'Admin: sets the breaker threshold and cool-down for a materialized view, a target, or (scope NULL) all views.';

-- Sets the historical days whose dataset hash certification compares with the baseline
-- (replacing the previous set). The target must have a day column (audit.register_target's
-- p_day_column), and every day must have rows in it: a day without rows would compare an
-- empty set with an empty baseline and pass for ever (a mistyped year, a day not loaded).
-- Returns how many days are configured.
CREATE OR REPLACE FUNCTION audit.set_hash_days(p_target regclass, p_days date[])
RETURNS integer
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_count     integer;
    v_column    text;
    v_missing   date[];
BEGIN
    IF COALESCE(pg_catalog.cardinality(p_days), 0) OPERATOR(pg_catalog.>) 0
       AND (SELECT t.day_column FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target) IS NULL THEN
        RAISE EXCEPTION 'mvcert: target % has no day column', v_target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('SELECT audit.register_target(%L, p_day_column => ''anchor_day'');', v_target);
    END IF;
    SELECT t.day_column INTO v_column FROM audit.target t WHERE t.target OPERATOR(pg_catalog.=) v_target;
    IF COALESCE(pg_catalog.cardinality(p_days), 0) OPERATOR(pg_catalog.>) 0 THEN
        EXECUTE pg_catalog.format(
            'SELECT pg_catalog.array_agg(x.d ORDER BY x.d)
               FROM (SELECT DISTINCT d FROM pg_catalog.unnest($1) AS d WHERE d IS NOT NULL) AS x(d)
              WHERE NOT EXISTS (SELECT 1 FROM %s AS t WHERE t.%I OPERATOR(pg_catalog.=) x.d)', v_target, v_column)
           INTO v_missing USING p_days;
        IF v_missing IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: % has no rows for day(s) % (day column %)',
                    v_target, pg_catalog.array_to_string(v_missing, ', '), pg_catalog.quote_ident(v_column)
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Pick historical days that are loaded; a day without rows would be certified as unchanged for ever.';
        END IF;
    END IF;
    DELETE FROM audit.hash_day h WHERE h.target OPERATOR(pg_catalog.=) v_target;
    INSERT INTO audit.hash_day (target, day)
    SELECT DISTINCT v_target, d FROM pg_catalog.unnest(p_days) AS d WHERE d IS NOT NULL;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION audit.set_hash_days(regclass, date[]) IS
  'Sets the historical days of a target whose dataset hashes certification compares with the baseline.';

-- Takes the per-view refresh lock for the rest of the current transaction without waiting:
-- true when this session now holds it, false when another session does. For SQL and
-- pg_cron refresh scripts, so they exclude each other and the engine the same way:
--   BEGIN; SELECT audit.try_refresh_lock('ml.x_mv'); REFRESH ...; COMMIT;
CREATE OR REPLACE FUNCTION audit.try_refresh_lock(p_matview regclass)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF p_matview IS NULL THEN
        RAISE EXCEPTION 'mvcert: matview must not be NULL'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass a materialized view, e.g. ''ml.x_mv''::regclass.';
    END IF;
    RETURN pg_catalog.pg_try_advisory_xact_lock(audit.refresh_lock_key(p_matview));
END
$$;
COMMENT ON FUNCTION audit.try_refresh_lock(regclass) IS
  'Takes the refresh lock of a materialized view until the end of the transaction, without waiting; false if another session holds it.';

-- Removes a declared dependency edge; returns whether there was one. The dependent need not
-- be a view any more, so edges left behind by a changed relation can still be removed.
-- SECURITY DEFINER for the same reason as audit.declare_dependency.
CREATE OR REPLACE FUNCTION audit.undeclare_dependency(p_dependent regclass, p_depends_on regclass)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_dependent  text := audit._qualified_name(p_dependent);
    v_depends_on text := audit._qualified_name(p_depends_on);
BEGIN
    IF p_dependent IS NULL OR p_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', CASE WHEN p_dependent IS NULL THEN 'dependent' ELSE 'depends_on' END
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass both relations of the declared edge, e.g. ''ml.features_mv''::regclass, ''ml.prices''::regclass.';
    END IF;
    IF v_dependent IS NULL OR v_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: % % does not exist',
                CASE WHEN v_dependent IS NULL THEN 'dependent' ELSE 'depends_on' END,
                CASE WHEN v_dependent IS NULL THEN p_dependent::oid ELSE p_depends_on::oid END
            USING ERRCODE = 'undefined_table';
    END IF;
    LOCK TABLE audit.declared_dependency IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM audit.declared_dependency d
     WHERE d.dependent OPERATOR(pg_catalog.=) v_dependent
       AND d.depends_on OPERATOR(pg_catalog.=) v_depends_on;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION audit.undeclare_dependency(regclass, regclass) IS
  'Removes a declared dependency edge; returns true if it existed.';

-- Removes a target's pg_cron job made by audit.schedule: the one named p_job_name, or with
-- p_job_name NULL every mvcert job of the target. Returns how many jobs were removed. Naming
-- a job that does not exist is an error (nothing changes), so typos do not pass silently.
CREATE OR REPLACE FUNCTION audit.unschedule(p_target regclass, p_job_name text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target  text := audit._require_view(p_target);
    v_job     text;
    v_prefix  text := pg_catalog.format('mvcert:%s:', v_target);
    v_ids     bigint[];
    v_id      bigint;
BEGIN
    IF p_job_name IS NOT NULL THEN
        v_job := audit._cron_job_name(v_target, p_job_name);
    END IF;
    PERFORM audit._require_pg_cron();
    EXECUTE 'SELECT pg_catalog.array_agg(j.jobid ORDER BY j.jobid) FROM cron.job j
              WHERE CASE WHEN $1 IS NULL
                         THEN pg_catalog.left(j.jobname::text, pg_catalog.length($2)) OPERATOR(pg_catalog.=) $2
                         ELSE j.jobname::text OPERATOR(pg_catalog.=) $1 END'
       INTO v_ids USING v_job, v_prefix;
    IF v_ids IS NULL AND v_job IS NOT NULL THEN
        RAISE EXCEPTION 'mvcert: no pg_cron job named % for %', pg_catalog.quote_literal(v_job), v_target
            USING ERRCODE = 'no_data_found',
                  HINT = 'SELECT jobname FROM cron.job WHERE jobname LIKE ''mvcert:%'' lists the jobs.';
    END IF;
    FOREACH v_id IN ARRAY coalesce(v_ids, '{}') LOOP
        EXECUTE 'SELECT cron.unschedule($1::bigint)' USING v_id;
    END LOOP;
    RETURN coalesce(pg_catalog.array_length(v_ids, 1), 0);
END
$$;
COMMENT ON FUNCTION audit.unschedule(regclass, text) IS
  'Admin: removes the target''s pg_cron job of that name, or all its mvcert jobs when the name is NULL; returns how many.';

-- The one path behind CALL audit.refresh_and_certify and CALL audit.run_certification (and
-- the pg_cron jobs that use them). Where the Java engine is deployed in-database (PL/Java) the
-- run happens in this session; otherwise it is queued for an agent and this waits for it,
-- committing between polls so the session holds no snapshot while it waits, and refusing at
-- once, changing nothing, when no agent is alive. Either way the run is reported by
-- audit._report_run: an error unless certified when p_raise, a WARNING otherwise. Commits, so
-- it must be called outside an explicit transaction block.
CREATE OR REPLACE PROCEDURE audit._run_and_report(
    p_target   regclass,
    p_mode     text,
    p_raise    boolean,
    p_timeout  interval,
    p_caller   text)
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
DECLARE
    v_target     text := audit._require_view(p_target);
    v_mode       text := audit._require_mode(COALESCE(p_mode, audit._default_run_mode(v_target)),
                                             ARRAY['incremental', 'atomic', 'certify']);
    v_agent_gap  constant interval := interval '30 seconds';
    v_deadline   timestamptz;
    v_request    bigint;
    v_row        audit.run_request;
    v_run        bigint;
BEGIN
    IF p_raise IS NULL THEN
        RAISE EXCEPTION 'mvcert: p_raise must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'true raises an error when the run does not end certified; false only warns.';
    END IF;
    IF p_timeout IS NULL OR p_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: timeout must be positive, got %', pg_catalog.quote_nullable(p_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''30 minutes''';
    END IF;
    IF audit._pljava_available() THEN
        -- In this session, through the Java engine. COMMIT before reporting, so the history
        -- and a FAILED status are kept when the report raises (an atomic run that did not
        -- certify has already undone its refreshes). An assignment, not EXECUTE or SELECT
        -- INTO: PL/pgSQL evaluates it as a simple expression, the one way a Java function
        -- may be called from a procedure that later commits (as a statement, PL/Java's
        -- snapshot bookkeeping and the procedure's non-atomic execution collide).
        v_run := audit._run_in_database(p_target, v_mode, p_raise);
        COMMIT;
        PERFORM audit._report_run(v_run, p_raise, p_caller);
        RETURN;
    END IF;

    -- Fail here, before anything changes, when called inside a transaction block (PostgreSQL
    -- then reports "invalid transaction termination"): the request must be committed for an
    -- agent to see it. No reliable test for a transaction block exists in PL/pgSQL.
    COMMIT;
    IF audit._live_agent_count(v_agent_gap) OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'mvcert: no mvcert agent is running for database %: start `mvcert serve`',
                pg_catalog.quote_ident(pg_catalog.current_database())
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('%s hands the work to an agent (no agent seen in the last %s; see audit.agent). '
                         'Start one: java -jar mvcert.jar serve --jdbc-url jdbc:postgresql://<host>/%s',
                         p_caller, v_agent_gap, pg_catalog.current_database());
    END IF;
    v_request := audit.request_run(p_target, v_mode, pg_catalog.format('%s by %s', p_caller, SESSION_USER));
    v_deadline := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) p_timeout;
    RAISE NOTICE 'mvcert: queued request % (% of %); waiting up to % for an agent', v_request, v_mode, v_target, p_timeout;
    COMMIT;
    LOOP
        SELECT * INTO v_row FROM audit.run_request r WHERE r.request_id OPERATOR(pg_catalog.=) v_request;
        EXIT WHEN v_row.status OPERATOR(pg_catalog.<>) ALL (ARRAY['queued', 'claimed']);
        IF pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>) v_deadline THEN
            RAISE EXCEPTION 'mvcert: timed out after % waiting for request % (% of %), which is still %',
                    p_timeout, v_request, v_mode, v_target, v_row.status
                USING ERRCODE = 'query_canceled',
                      HINT = pg_catalog.format('The request stays in the queue and an agent may still run it: see '
                             'audit.run_request where request_id = %s. Pass a longer p_timeout to wait longer.', v_request);
        END IF;
        IF audit._live_agent_count(v_agent_gap) OPERATOR(pg_catalog.=) 0 THEN
            RAISE EXCEPTION 'mvcert: no mvcert agent is running for database % any more; request % is still %',
                    pg_catalog.quote_ident(pg_catalog.current_database()), v_request, v_row.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Start `mvcert serve`; it will pick the request up (see audit.run_request).';
        END IF;
        PERFORM pg_catalog.pg_sleep(0.2);
        COMMIT;
    END LOOP;
    -- request_run returns the queued request an equal request was coalesced into, so v_row is
    -- the request that actually ran, and its run points at it.
    SELECT r.run_id INTO v_run FROM audit.run r
     WHERE r.request_id OPERATOR(pg_catalog.=) v_request ORDER BY r.run_id DESC LIMIT 1;
    IF v_run IS NOT NULL THEN
        PERFORM audit._report_run(v_run, p_raise, p_caller, v_request);
        RETURN;
    END IF;
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: % of % did not run: request % %: %', p_caller, v_target, v_request, v_row.status, v_row.outcome
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run_request (request_id = %s).', v_request);
    END IF;
    RAISE WARNING 'mvcert: % of % did not run: request % %: %', p_caller, v_target, v_request, v_row.status, v_row.outcome;
END
$$;
COMMENT ON PROCEDURE audit._run_and_report(regclass, text, boolean, interval, text) IS
  'Internal: runs a target in-database (PL/Java) or through an agent (queue, waiting, committing between polls) and reports the run; raises or warns unless certified.';

-- Refreshes a target's closure and certifies it, from psql or pg_cron:
--   CALL audit.refresh_and_certify('ml.features_v', true);
-- Where the Java engine is deployed in-database (PL/Java) the work runs in this session;
-- otherwise it is handed to a running agent through the queue and this waits for the result
-- (committing while it waits; call it outside a transaction block). With p_raise (default)
-- it raises an error unless the target ends certified; with false it only warns. p_mode NULL
-- (default): the target's run_mode (audit.target).
CREATE OR REPLACE PROCEDURE audit.refresh_and_certify(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_mode     text     DEFAULT NULL,
    p_timeout  interval DEFAULT interval '30 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
BEGIN
    PERFORM audit._require_view(p_target);
    IF p_mode IS NOT NULL THEN
        PERFORM audit._require_mode(p_mode, ARRAY['incremental', 'atomic']);
    END IF;
    CALL audit._run_and_report(p_target, p_mode, p_raise, p_timeout, 'audit.refresh_and_certify');
END
$$;
COMMENT ON PROCEDURE audit.refresh_and_certify(regclass, boolean, text, interval) IS
  'Refreshes (mode incremental or atomic; NULL: the target''s run_mode) and certifies a target, in-database with PL/Java or through an agent; raises unless certified when p_raise.';

-- Certifies a target as it is now, without refreshing, from psql or pg_cron:
--   CALL audit.run_certification('ml.features_v');
-- In-database where the Java engine is deployed (PL/Java), otherwise through a running
-- agent (queue mode 'certify'), waiting for the result; call it outside a transaction block.
-- With p_raise (default) it raises an error unless the target ends certified.
CREATE OR REPLACE PROCEDURE audit.run_certification(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_timeout  interval DEFAULT interval '10 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
BEGIN
    PERFORM audit._require_view(p_target);
    CALL audit._run_and_report(p_target, 'certify', p_raise, p_timeout, 'audit.run_certification');
END
$$;
COMMENT ON PROCEDURE audit.run_certification(regclass, boolean, interval) IS
  'Certifies a target without refreshing, in-database with PL/Java or through an agent; raises unless certified when p_raise.';

-- Circuit breakers as health checks and dashboards want them: one row per materialized view
-- that has a breaker row, with the policy in force (the view's own, else '*', else the
-- built-in default) and when an open breaker will allow its trial. Views without a row are
-- closed. audit.health joins this on matview.
CREATE OR REPLACE VIEW audit.breaker_status AS
SELECT b.matview,
       b.state,
       b.state OPERATOR(pg_catalog.<>) 'closed'          AS is_open,
       b.consecutive_failures,
       coalesce(p.failure_threshold, 3)                 AS failure_threshold,
       coalesce(p.cool_down, interval '15 minutes')     AS cool_down,
       b.opened_at,
       CASE WHEN b.state OPERATOR(pg_catalog.=) 'open'
            THEN b.opened_at OPERATOR(pg_catalog.+) coalesce(p.cool_down, interval '15 minutes') END AS trial_after,
       b.trial_started_at,
       b.last_failure_at,
       b.last_error,
       b.last_success_at,
       b.reset_at,
       b.reset_by,
       b.updated_at
  FROM audit.breaker b
  LEFT JOIN LATERAL (
        SELECT bp.failure_threshold, bp.cool_down
          FROM audit.breaker_policy bp
         WHERE bp.scope OPERATOR(pg_catalog.=) b.matview OR bp.scope OPERATOR(pg_catalog.=) '*'
         ORDER BY bp.scope OPERATOR(pg_catalog.=) '*'
         LIMIT 1) p ON true;
COMMENT ON VIEW audit.breaker_status IS
  'Circuit breaker per materialized view with its policy: state, is_open, failures, threshold, cool-down, trial_after, last error.';

-- Health of every registered target, for export jobs, dashboards and the agent's /health:
-- the registry status (UNCERTIFIED when never certified, STALE also when older than the
-- target's max_age), how old the last passing certification is, and whether exports are
-- allowed (CERTIFIED and younger than export_max_age), and the circuit breakers that are
-- not closed among its materialized views (those recorded by the last passing
-- certification, plus the target itself: reading the live closure here could fail).
-- change_detection: whether REFRESH and DDL run outside mvcert are caught (see
-- audit.change_detection; where false, readers should use the strict gate).
-- stuck_request: the oldest queued request of the target when it has waited longer than the
-- target's max_age and no agent is alive to run it (nothing will refresh the target).
-- live_inputs: relations the target reads through plain views only, whose rows change
-- without any refresh (audit._live_inputs; NULL when its closure cannot be read now).
CREATE OR REPLACE VIEW audit.health AS
SELECT t.target,
       CASE WHEN r.target IS NULL THEN 'UNCERTIFIED'
            WHEN r.status OPERATOR(pg_catalog.=) 'CERTIFIED'
                 AND pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.>) t.max_age THEN 'STALE'
            ELSE r.status END AS status,
       r.status AS registry_status,
       r.certified_at,
       pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at AS age,
       t.max_age,
       (r.status IS DISTINCT FROM 'CERTIFIED'
        OR pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.>) t.max_age) AS stale,
       COALESCE(r.status OPERATOR(pg_catalog.=) 'CERTIFIED'
                AND pg_catalog.now() OPERATOR(pg_catalog.-) r.certified_at OPERATOR(pg_catalog.<=) t.export_max_age,
                false) AS exports_allowed,
       t.export_max_age,
       COALESCE(r.failing_checks, '{}') AS failing_checks,
       r.stale_reason,
       r.last_certification_id,
       r.last_certification_at,
       r.certified_run_id,
       r.last_run_id,
       COALESCE(br.open_breakers, '{}') AS open_breakers,
       COALESCE(pg_catalog.cardinality(br.open_breakers) OPERATOR(pg_catalog.>) 0, false) AS breaker_open,
       audit.change_detection() AS change_detection,
       (SELECT pg_catalog.format('request %s (%s) queued since %s, %s ago, and no agent is alive to run it',
                                 q.request_id, q.mode, q.requested_at,
                                 pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) q.requested_at))
          FROM audit.run_request q
         WHERE q.target OPERATOR(pg_catalog.=) t.target AND q.status OPERATOR(pg_catalog.=) 'queued'
           AND pg_catalog.now() OPERATOR(pg_catalog.-) q.requested_at OPERATOR(pg_catalog.>) t.max_age
           AND audit._live_agent_count() OPERATOR(pg_catalog.=) 0
         ORDER BY q.requested_at LIMIT 1) AS stuck_request,
       audit._health_live_inputs(t.target) AS live_inputs
  FROM audit.target t
  LEFT JOIN audit.registry r ON r.target OPERATOR(pg_catalog.=) t.target
  LEFT JOIN LATERAL (
        SELECT pg_catalog.array_agg(bs.matview OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||) bs.state
                                    OPERATOR(pg_catalog.||) ')' ORDER BY bs.matview) AS open_breakers
          FROM audit.breaker_status bs
         WHERE bs.is_open
           AND (bs.matview OPERATOR(pg_catalog.=) t.target
                OR EXISTS (SELECT FROM audit.certified_object o
                            WHERE o.target OPERATOR(pg_catalog.=) t.target
                              AND o.object OPERATOR(pg_catalog.=) bs.matview))) br ON true;
COMMENT ON VIEW audit.health IS
  'Per target: certification status, age, stale flag, whether exports are allowed, open circuit breakers of its views, and live inputs (read through plain views only).';

-- Change detection: installed when the extension is created by a superuser (event triggers
-- need one). Otherwise the install goes on without it and says so; audit.change_detection()
-- and audit.health report it, and a superuser can run audit.enable_change_detection() later.
DO $$
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        PERFORM audit.enable_change_detection();
    ELSE
        RAISE WARNING 'mvcert: change detection is off: % is not a superuser, so REFRESH and DDL run outside mvcert on certified closures are not caught', CURRENT_USER
            USING HINT = 'A superuser can run SELECT audit.enable_change_detection(); until then readers should use audit.require_certified_strict.';
    END IF;
END
$$;

-- Privileges, as a fresh install sets them: mvcert's roles first lose what 0.1.0 gave them.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA audit FROM PUBLIC, mvcert_reader, mvcert_operator, mvcert_admin, mvcert_agent;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA audit FROM PUBLIC, mvcert_reader, mvcert_operator, mvcert_admin, mvcert_agent;
REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM PUBLIC, mvcert_reader, mvcert_operator, mvcert_admin, mvcert_agent;
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

-- pg_dump keeps the rows of the new configuration tables.
SELECT pg_catalog.pg_extension_config_dump('audit.analysis_exemption', '');
SELECT pg_catalog.pg_extension_config_dump('audit.analysis_exemption_exemption_id_seq', '');
