-- mvcert extension script, built by `make -C sql` from the files under sql/. Do not edit.
\echo Use "CREATE EXTENSION mvcert" to load this file. \quit

-- Functions refer to each other regardless of file order; bodies are checked when called.
SET LOCAL check_function_bodies = off;
-- Schema audit holds all of mvcert: state tables, catalog functions, gates, history.
-- Created by the script so that it belongs to the extension and DROP EXTENSION removes it.
CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'mvcert: certified materialized-view refresh (state, gates, history)';
-- A target is a view or materialized view whose closure mvcert refreshes and certifies,
-- and the policy that governs it. Keyed by the schema-qualified, quoted name
-- (format('%I.%I')), so rows survive pg_dump/restore where OIDs do not.
CREATE TABLE audit.target (
    target                      text PRIMARY KEY,
    description                 text,
    -- Freshness the gate and health use when the caller gives none.
    max_age                     interval NOT NULL DEFAULT interval '24 hours',
    -- Exports are allowed while the target is certified and younger than this.
    export_max_age              interval NOT NULL DEFAULT interval '24 hours',
    -- Per-step limits applied with SET LOCAL around each refresh.
    statement_timeout           interval NOT NULL DEFAULT interval '30 minutes',
    lock_timeout                interval NOT NULL DEFAULT interval '10 seconds',
    -- Daily maintenance window (server time zone) in which plain refreshes and
    -- index rebuilds are allowed. NULL start: no window.
    maintenance_window_start    time,
    maintenance_window_length   interval,
    -- Policy override: refresh with plain REFRESH even when CONCURRENTLY is possible.
    prefer_plain                boolean NOT NULL DEFAULT false,
    -- Historical-day column of the target, used by dataset hashing.
    day_column                  text,
    registered_at               timestamptz NOT NULL DEFAULT pg_catalog.now(),
    registered_by               text NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT target_max_age_positive CHECK (max_age > interval '0'),
    CONSTRAINT target_export_max_age_positive CHECK (export_max_age > interval '0'),
    CONSTRAINT target_statement_timeout_nonneg CHECK (statement_timeout >= interval '0'),
    CONSTRAINT target_lock_timeout_nonneg CHECK (lock_timeout >= interval '0'),
    CONSTRAINT target_window_complete CHECK ((maintenance_window_start IS NULL) = (maintenance_window_length IS NULL)),
    CONSTRAINT target_window_length CHECK (maintenance_window_length > interval '0' AND maintenance_window_length <= interval '24 hours')
);
COMMENT ON TABLE audit.target IS 'Registered targets of mvcert and their refresh and freshness policy.';
-- Dependencies PostgreSQL cannot see: a view that reads a table inside a function body
-- (plpgsql, dynamic SQL) has no pg_depend edge to it. Declared edges join the closure
-- and the refresh plan like catalog edges.
CREATE TABLE audit.declared_dependency (
    dependent       text NOT NULL,
    depends_on      text NOT NULL,
    reason          text,
    declared_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    declared_by     text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (dependent, depends_on),
    CONSTRAINT declared_dependency_not_self CHECK (dependent <> depends_on)
);
COMMENT ON TABLE audit.declared_dependency IS
  'User-declared dependency edges (for reads hidden inside functions); part of audit.closure and audit.refresh_plan.';
-- One row per run: a refresh (and, for atomic runs, certification) of one target's closure.
-- Written by the engine through audit functions; SQL clients and dashboards read it.
CREATE TABLE audit.run (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    mode            text NOT NULL,
    status          text NOT NULL DEFAULT 'running',
    requested_by    text NOT NULL DEFAULT SESSION_USER,
    -- The queue request this run serves, if it came through audit.request_run.
    request_id      bigint,
    -- Who executes it: 'agent:<name>' for an agent, 'backend' for PL/Java or psql.
    executor        text NOT NULL DEFAULT 'backend',
    backend_pid     integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    -- Liveness: the executor moves heartbeat_at forward; a running run whose heartbeat is
    -- older than lease is abandoned (its executor died) and its target may run again.
    heartbeat_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    lease           interval NOT NULL DEFAULT interval '5 minutes',
    -- Why the run ended the way it did (skip reason, failing view, abandonment).
    reason          text,
    -- Materialized views of the closure left stale by this run (failed or skipped steps).
    stale_views     text[] NOT NULL DEFAULT '{}',
    -- Materialized views skipped because they need a maintenance-window rebuild
    -- (an invalid unique index outside the target's maintenance window).
    needs_maintenance text[] NOT NULL DEFAULT '{}',
    CONSTRAINT run_mode_known CHECK (mode IN ('incremental', 'atomic')),
    CONSTRAINT run_status_known CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'cancelled')),
    CONSTRAINT run_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX run_target_started_idx ON audit.run (target, started_at DESC);
CREATE INDEX run_running_idx ON audit.run (target) WHERE status = 'running';
COMMENT ON TABLE audit.run IS 'Run history: one row per refresh run of a target (start, end, status, executor, heartbeat).';
-- One row per attempt to refresh one materialized view within a run: what runbook 07 asks
-- to observe (start/end, duration, rows after refresh, run id, query id, error class,
-- retry count) plus the mode used and why a step was skipped.
CREATE TABLE audit.step (
    step_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES audit.run (run_id) ON DELETE CASCADE,
    matview         text NOT NULL,
    plan_step       integer,
    plan_level      integer,
    -- 'concurrently' | 'plain' | 'rebuild' as planned and as actually used.
    planned_mode    text,
    mode_used       text,
    attempt         integer NOT NULL DEFAULT 1,
    retry_count     integer GENERATED ALWAYS AS (attempt - 1) STORED,
    status          text NOT NULL DEFAULT 'running',
    skip_reason     text,
    -- Why the engine refreshed or skipped, in words (e.g. which input changed).
    decision        text,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    duration        interval GENERATED ALWAYS AS (finished_at - started_at) STORED,
    rows_after      bigint,
    -- pg_stat_activity.query_id of the REFRESH statement (compute_query_id = on).
    query_id        bigint,
    -- audit.refresh_lock_key(matview): the advisory lock the step held (or lost).
    lock_key        bigint,
    backend_pid     integer,
    error_class     text,
    retryable       boolean,
    sqlstate        text,
    error_message   text,
    CONSTRAINT step_status_known CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned', 'cancelled')),
    CONSTRAINT step_attempt_positive CHECK (attempt >= 1)
);
CREATE INDEX step_run_idx ON audit.step (run_id);
CREATE INDEX step_matview_started_idx ON audit.step (matview, started_at DESC);
COMMENT ON TABLE audit.step IS 'Refresh step history: one row per attempt to refresh one materialized view in a run.';
-- Refresh policy of a target that belongs to the refresh engine: whether views whose
-- inputs have not changed since their last successful refresh are skipped. Added to
-- audit.target here so the policy stays in one row per target.
ALTER TABLE audit.target
    ADD COLUMN skip_unchanged boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN audit.target.skip_unchanged IS
  'Skip a materialized view of the closure when none of its inputs changed since mvcert last refreshed it (see audit.input_fingerprint).';
-- Ingestion feeds a target may require. Feeds report batches into audit.feed_batch, or
-- batch_source names a view or table of the user's own (columns feed text, batch_id text,
-- status text ('running' | 'succeeded' | 'failed'), finished_at timestamptz) that mvcert
-- reads instead, so an existing ingestion log can be mapped without copying rows.
CREATE TABLE audit.feed (
    feed            text PRIMARY KEY,
    description     text,
    -- A successful batch older than this does not satisfy the feed ("missing for the period").
    max_age         interval NOT NULL DEFAULT interval '24 hours',
    batch_source    text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT feed_max_age_positive CHECK (max_age > interval '0')
);
COMMENT ON TABLE audit.feed IS
  'Ingestion feeds; a target refreshes only when the latest batch of each feed it requires succeeded recently enough.';
-- Batches reported by ingestion jobs (feed, batch id, status, finished at). The latest
-- batch of a feed (by finished_at, then started_at) decides whether runs may proceed.
CREATE TABLE audit.feed_batch (
    feed            text NOT NULL REFERENCES audit.feed (feed) ON DELETE CASCADE,
    batch_id        text NOT NULL,
    status          text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at     timestamptz,
    detail          text,
    PRIMARY KEY (feed, batch_id),
    CONSTRAINT feed_batch_status_known CHECK (status IN ('running', 'succeeded', 'failed')),
    CONSTRAINT feed_batch_finished_when_done CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX feed_batch_latest_idx ON audit.feed_batch (feed, finished_at DESC NULLS FIRST, started_at DESC);
COMMENT ON TABLE audit.feed_batch IS 'Ingestion batches per feed, as reported by the ingestion jobs.';
-- Which feeds a target requires. A run of the target is skipped, naming the feed, when
-- the feed's latest batch failed, is still running, or no successful batch finished
-- within max_age (the feed's own max_age when NULL).
CREATE TABLE audit.target_feed (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    feed            text NOT NULL REFERENCES audit.feed (feed) ON DELETE CASCADE,
    max_age         interval,
    PRIMARY KEY (target, feed),
    CONSTRAINT target_feed_max_age_positive CHECK (max_age > interval '0')
);
COMMENT ON TABLE audit.target_feed IS 'Required ingestion feeds of each target (run preconditions).';
-- What each materialized view's inputs looked like when mvcert last refreshed it
-- successfully: one jsonb object per input relation of its closure (statistics counters,
-- relfilenode, size, definition hash, ...) plus database-wide facts (stats reset time,
-- server start). Written in the refresh's own transaction, so a refresh that rolls back
-- leaves the previous fingerprint. Compared by the engine to skip views whose inputs are
-- unchanged; audit._inputs_fingerprint computes it.
CREATE TABLE audit.input_fingerprint (
    matview         text PRIMARY KEY,
    matview_oid     oid NOT NULL,
    fingerprint     jsonb NOT NULL,
    run_id          bigint,
    step_id         bigint,
    recorded_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE audit.input_fingerprint IS
  'Per materialized view: the fingerprint of its inputs at its last successful mvcert refresh (skip-unchanged).';
-- How long run and step history is kept (at most one row; none means the defaults below,
-- so pg_dump of this configuration table never clashes with a fresh install). audit.purge_history() deletes finished
-- runs older than keep_for, but always keeps the newest keep_runs_per_target runs of each
-- target, so a rarely refreshed target never loses its last runs.
CREATE TABLE audit.history_retention (
    singleton               boolean PRIMARY KEY DEFAULT true,
    keep_for                interval NOT NULL DEFAULT interval '90 days',
    keep_runs_per_target    integer NOT NULL DEFAULT 20,
    CONSTRAINT history_retention_one_row CHECK (singleton),
    CONSTRAINT history_retention_keep_for_positive CHECK (keep_for > interval '0'),
    CONSTRAINT history_retention_keep_runs_nonneg CHECK (keep_runs_per_target >= 0)
);
COMMENT ON TABLE audit.history_retention IS 'Retention of run/step history used by audit.purge_history().';
-- Forbidden dependencies of a target: objects its closure must never contain (legacy `_mv`
-- objects, label tables, "current" tables). A rule names an object exactly ('name': the
-- canonical schema-qualified name, e.g. ml.tom_labels_v1_mv), matches canonical names with
-- a PostgreSQL regular expression ('regex'), or forbids a whole schema ('schema').
CREATE TABLE audit.deny_rule (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    kind            text NOT NULL,
    pattern         text NOT NULL,
    reason          text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (target, kind, pattern),
    CONSTRAINT deny_rule_kind_known CHECK (kind IN ('name', 'regex', 'schema'))
);
COMMENT ON TABLE audit.deny_rule IS
  'Certification: objects a target''s closure must not contain (exact name, regex on the canonical name, or schema).';
-- Gated columns of a target: every column whose name matches column_regex (a PostgreSQL
-- regular expression on the column name, e.g. '^img__') must be NULL in every row where
-- gate_expression (an SQL boolean expression over the target's columns, e.g.
-- 'img_within_sla') is not true. Column names are matched with a regex, never LIKE,
-- where '_' would be a wildcard.
CREATE TABLE audit.gate_rule (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    column_regex    text NOT NULL,
    gate_expression text NOT NULL,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (target, column_regex, gate_expression)
);
COMMENT ON TABLE audit.gate_rule IS
  'Certification: columns matching column_regex must be NULL where gate_expression is not true.';
-- User-defined assertions of a target: a query that must return no rows. Certification
-- runs it and, when it returns rows, shows the first ones in the failure.
CREATE TABLE audit.sql_assertion (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    name            text NOT NULL,
    query           text NOT NULL,
    description     text,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      text NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (target, name)
);
COMMENT ON TABLE audit.sql_assertion IS
  'Certification: user-defined queries that must return no rows.';
-- The historical days of a target whose data certification hashes (row count and an
-- order-independent hash of the rows with that value in the target's day column) and
-- compares with the accepted baseline. Days should be closed: data that may still change
-- legitimately belongs to no baseline.
CREATE TABLE audit.hash_day (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    day             date NOT NULL,
    PRIMARY KEY (target, day)
);
COMMENT ON TABLE audit.hash_day IS
  'Certification: historical days of a target whose dataset hash is compared with the baseline.';
-- A baseline capture: definition hashes of a target's closure and dataset hashes of its
-- configured days, as measured at one moment. A capture changes nothing by itself: it
-- becomes the baseline only through audit.accept_baseline, the reviewed step.
CREATE TABLE audit.baseline_capture (
    capture_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    captured_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    captured_by     text NOT NULL DEFAULT SESSION_USER,
    note            text,
    accepted_at     timestamptz,
    accepted_by     text,
    accept_note     text,
    CONSTRAINT baseline_capture_accept_complete
        CHECK ((accepted_at IS NULL) = (accepted_by IS NULL) AND (accepted_at IS NULL) = (accept_note IS NULL))
);
-- kind 'definition': object is a view, materialized view or function of the closure, hash
-- its definition hash. kind 'dataset': object is a day (YYYY-MM-DD), hash the row hash sum.
CREATE TABLE audit.baseline_capture_item (
    capture_id      bigint NOT NULL REFERENCES audit.baseline_capture (capture_id) ON DELETE CASCADE,
    kind            text NOT NULL,
    object          text NOT NULL,
    hash            text NOT NULL,
    row_count       bigint,
    PRIMARY KEY (capture_id, kind, object),
    CONSTRAINT baseline_capture_item_kind_known CHECK (kind IN ('definition', 'dataset'))
);
COMMENT ON TABLE audit.baseline_capture IS
  'Baseline captures: measured definition and dataset hashes awaiting (or given) explicit acceptance.';
COMMENT ON TABLE audit.baseline_capture_item IS 'The hashes of one baseline capture.';
-- The reviewed baseline of each target: what certification compares definition and
-- dataset hashes with. Changed only by audit.accept_baseline, which records every change
-- in audit.baseline_change; certification never writes here.
CREATE TABLE audit.baseline (
    target          text NOT NULL REFERENCES audit.target (target) ON DELETE CASCADE,
    kind            text NOT NULL,
    object          text NOT NULL,
    hash            text NOT NULL,
    row_count       bigint,
    capture_id      bigint NOT NULL REFERENCES audit.baseline_capture (capture_id),
    accepted_at     timestamptz NOT NULL,
    accepted_by     text NOT NULL,
    PRIMARY KEY (target, kind, object),
    CONSTRAINT baseline_kind_known CHECK (kind IN ('definition', 'dataset'))
);
-- Every change accept_baseline made: who, when, why, the previous and the new value
-- (previous NULL: added; new NULL: removed).
CREATE TABLE audit.baseline_change (
    change_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target              text NOT NULL,
    kind                text NOT NULL,
    object              text NOT NULL,
    previous_hash       text,
    previous_row_count  bigint,
    new_hash            text,
    new_row_count       bigint,
    -- no foreign key: the history outlives the capture (unregistering a target deletes its captures)
    capture_id          bigint NOT NULL,
    changed_at          timestamptz NOT NULL,
    changed_by          text NOT NULL,
    note                text NOT NULL
);
CREATE INDEX baseline_change_target_idx ON audit.baseline_change (target, changed_at DESC);
COMMENT ON TABLE audit.baseline IS 'Accepted (reviewed) baselines per target; changed only by audit.accept_baseline.';
COMMENT ON TABLE audit.baseline_change IS 'History of baseline changes: who accepted what, when, why, and the previous value.';
-- Certification history: one row per certification of a target, and one row per check and
-- object it examined. Written by audit._record_certification only.
CREATE TABLE audit.certification (
    certification_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target              text NOT NULL,
    -- The refresh run this certification belongs to, if any.
    run_id              bigint,
    status              text NOT NULL,
    started_at          timestamptz NOT NULL,
    finished_at         timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    certified_by        text NOT NULL DEFAULT SESSION_USER,
    executor            text,
    failing_checks      text[] NOT NULL DEFAULT '{}',
    CONSTRAINT certification_status_known CHECK (status IN ('CERTIFIED', 'FAILED'))
);
CREATE INDEX certification_target_idx ON audit.certification (target, certification_id DESC);
CREATE TABLE audit.check_result (
    certification_id    bigint NOT NULL REFERENCES audit.certification (certification_id) ON DELETE CASCADE,
    ordinal             integer NOT NULL,
    check_name          text NOT NULL,
    object              text NOT NULL,
    passed              boolean NOT NULL,
    detail              text,
    PRIMARY KEY (certification_id, ordinal)
);
COMMENT ON TABLE audit.certification IS 'Certification history: one row per certification of a target.';
COMMENT ON TABLE audit.check_result IS 'Certification results: one row per check and object examined.';
-- The certification registry: the current status of each certified target, read by the
-- gates (audit.require_certified, audit.require_certified_strict) and audit.health.
-- Written only by audit._publish_certification and audit.mark_stale (SECURITY DEFINER).
CREATE TABLE audit.registry (
    target                      text PRIMARY KEY,
    status                      text NOT NULL,
    status_since                timestamptz NOT NULL,
    -- The last certification that passed (NULL: never certified).
    certified_at                timestamptz,
    certified_certification_id  bigint,
    certified_run_id            bigint,
    -- The latest certification, whatever its outcome.
    last_certification_id       bigint NOT NULL,
    last_certification_at       timestamptz NOT NULL,
    last_run_id                 bigint,
    failing_checks              text[] NOT NULL DEFAULT '{}',
    failure_detail              text,
    stale_reason                text,
    -- md5 over the definition hashes of the closure at the last passing certification.
    closure_hash                text,
    -- md5 over the dataset hashes of the configured days at the last passing certification.
    dataset_hash                text,
    -- Statistics reset time of the database when certified: a later reset fails the strict gate.
    stats_reset                 timestamptz,
    CONSTRAINT registry_status_known CHECK (status IN ('CERTIFIED', 'FAILED', 'STALE'))
);
-- What the strict gate compares: each object of the closure as certified (definition hash
-- of views, materialized views and functions; storage and modification counter of
-- materialized views).
CREATE TABLE audit.certified_object (
    target              text NOT NULL REFERENCES audit.registry (target) ON DELETE CASCADE,
    object              text NOT NULL,
    kind                text NOT NULL,
    objid               oid NOT NULL,
    definition_hash     text,
    relfilenode         oid,
    modifications       bigint,
    PRIMARY KEY (target, object)
);
COMMENT ON TABLE audit.registry IS
  'Certification registry: current status (CERTIFIED/FAILED/STALE) per target; written by certification only.';
COMMENT ON TABLE audit.certified_object IS
  'State of each closure object at the last passing certification, compared by audit.require_certified_strict.';
-- The run queue: one row per request to refresh (or certify) a target, from pg_cron, psql or
-- the CLI. Agents claim queued rows with FOR UPDATE SKIP LOCKED. Every request stays here and
-- says how it ended, so nothing asked for is ever silently lost: a request that arrives while
-- an equal one (same target and mode) is still queued is recorded as 'coalesced', pointing at
-- the request that will serve it.
CREATE TABLE audit.run_request (
    request_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          text NOT NULL,
    mode            text NOT NULL DEFAULT 'incremental',
    requested_by    text NOT NULL DEFAULT SESSION_USER,
    reason          text,
    requested_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    status          text NOT NULL DEFAULT 'queued',
    -- For status 'coalesced': the queued request that serves this one.
    coalesced_into  bigint REFERENCES audit.run_request (request_id) ON DELETE SET NULL,
    claimed_by      text,
    claimed_at      timestamptz,
    run_id          bigint,
    finished_at     timestamptz,
    -- How it ended, in words (certified, failing view, skip reason, abandonment, coalescing).
    outcome         text,
    certified       boolean,
    CONSTRAINT run_request_mode_known CHECK (mode IN ('incremental', 'atomic', 'certify')),
    CONSTRAINT run_request_status_known
        CHECK (status IN ('queued', 'claimed', 'done', 'failed', 'coalesced', 'skipped', 'abandoned')),
    -- (coalesced_into may become NULL when history purge removes the serving request)
    CONSTRAINT run_request_coalesced_points CHECK (status = 'coalesced' OR coalesced_into IS NULL),
    CONSTRAINT run_request_claimed_has_agent CHECK (status <> 'claimed' OR claimed_by IS NOT NULL),
    CONSTRAINT run_request_finished_when_done
        CHECK ((status IN ('queued', 'claimed')) = (finished_at IS NULL))
);
-- At most one queued request per target and mode: the queue never stacks up (coalescing
-- relies on this index to be safe under concurrent request_run calls).
CREATE UNIQUE INDEX run_request_one_queued_idx ON audit.run_request (target, mode) WHERE status = 'queued';
CREATE INDEX run_request_open_idx ON audit.run_request (requested_at, request_id) WHERE status IN ('queued', 'claimed');
CREATE INDEX run_request_target_idx ON audit.run_request (target, requested_at DESC);
COMMENT ON TABLE audit.run_request IS
  'Run queue: one row per requested run (queued, claimed, done, failed, coalesced, skipped, abandoned); agents claim with SKIP LOCKED.';
-- Agents that serve this database's queue. Each agent upserts its row every few seconds
-- (audit.agent_heartbeat); the SQL entry points use last_seen_at to tell a caller at once
-- when no agent is running, instead of waiting out a timeout.
CREATE TABLE audit.agent (
    name            text PRIMARY KEY,
    host            text,
    pid             integer,
    version         text,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    last_seen_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    -- Set by a graceful shutdown (audit.agent_stopped); NULL while running.
    stopped_at      timestamptz,
    CONSTRAINT agent_name_not_blank CHECK (pg_catalog.btrim(name) <> '')
);
COMMENT ON TABLE audit.agent IS 'mvcert agents serving this database: identity and liveness (last_seen_at).';
-- Circuit-breaker settings. scope is '*' (the default for every view), a target (applies to
-- the views refreshed for it) or a materialized view (that view only); the most specific row
-- wins. With no row at all the built-in default is 3 consecutive failed runs, 15 minutes.
CREATE TABLE audit.breaker_policy (
    scope               text PRIMARY KEY,
    failure_threshold   integer NOT NULL,
    cool_down           interval NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_by          text NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT breaker_policy_threshold_positive CHECK (failure_threshold >= 1),
    CONSTRAINT breaker_policy_cool_down_positive CHECK (cool_down > interval '0')
);
COMMENT ON TABLE audit.breaker_policy IS
  'Circuit-breaker policy: failures that open a breaker and cool-down before a trial; scope ''*'', a target or a materialized view.';
-- Circuit-breaker state per materialized view, in the database so every agent and SQL client
-- sees the same thing. closed: refresh normally; open: skip until the cool-down has passed;
-- half_open: one trial refresh is running (trial_started_at), everyone else skips.
-- A view without a row is closed.
CREATE TABLE audit.breaker (
    matview                 text PRIMARY KEY,
    state                   text NOT NULL DEFAULT 'closed',
    consecutive_failures    integer NOT NULL DEFAULT 0,
    opened_at               timestamptz,
    trial_started_at        timestamptz,
    last_failure_at         timestamptz,
    last_error              text,
    last_success_at         timestamptz,
    reset_at                timestamptz,
    reset_by                text,
    updated_at              timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CONSTRAINT breaker_state_known CHECK (state IN ('closed', 'open', 'half_open')),
    CONSTRAINT breaker_failures_nonneg CHECK (consecutive_failures >= 0),
    CONSTRAINT breaker_open_since CHECK (state = 'closed' OR opened_at IS NOT NULL),
    CONSTRAINT breaker_trial_when_half_open CHECK ((state = 'half_open') = (trial_started_at IS NOT NULL))
);
COMMENT ON TABLE audit.breaker IS
  'Circuit breaker per materialized view (closed / open / half_open), shared by all agents; see audit.breaker_status.';
-- The breaker key of a materialized view given by name (as the agent passes it): validates
-- that it names an existing materialized view and returns its canonical name, so
-- 'ml.x_mv', 'ML.X_MV' and '"ml"."x_mv"' share one breaker.
CREATE FUNCTION audit._breaker_key(p_matview text, p_argument text DEFAULT 'matview')
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
CREATE FUNCTION audit._breaker_policy(p_matview text, p_target text DEFAULT NULL,
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
-- The fail-closed gate behind audit.require_certified and audit.require_certified_strict:
-- true, or an error whose SQLSTATE says why (class MV, see audit.require_certified).
-- Reads the registry row of one target (a primary-key lookup) and, when strict, the
-- recorded state of its closure; it writes nothing, so it runs on a hot standby, and it is
-- STABLE, so a guarded view evaluates it once per query. SECURITY DEFINER so that readers
-- need no grant on the registry; it only reads.
CREATE FUNCTION audit._certification_gate(p_target regclass, p_max_age interval, p_strict boolean)
RETURNS boolean
LANGUAGE plpgsql
STABLE
PARALLEL SAFE
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text;
    v_reg       audit.registry;
    v_age       interval;
    v_changed   text;
    v_reset     timestamptz;
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
        -- Statistics (reset time, modification counters) are kept per server, so a standby
        -- cannot compare them with what the primary recorded: fail closed, and say so.
        IF pg_catalog.pg_is_in_recovery() THEN
            RAISE EXCEPTION 'mvcert: the strict gate cannot prove % unchanged on a hot standby: modification counters are kept per server',
                    v_target
                USING ERRCODE = 'MVC05',
                      HINT = 'On a standby use audit.require_certified (the registry is replicated); use the strict gate on the primary.';
        END IF;
        v_reset := pg_catalog.pg_stat_get_db_stat_reset_time(
            (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()));
        IF v_reset IS DISTINCT FROM v_reg.stats_reset THEN
            RAISE EXCEPTION 'mvcert: % cannot be proven unchanged since certification at %: statistics were reset at %',
                    v_target, v_reg.certified_at, COALESCE(v_reset::text, 'an unknown time')
                USING ERRCODE = 'MVC05', HINT = 'Certify it again (strict mode fails closed when modification counters are unknown).';
        END IF;
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
                            WHEN o.modifications IS NOT NULL
                                 AND audit._matview_modifications(o.objid) OPERATOR(pg_catalog.<>) o.modifications
                            THEN CASE WHEN audit._matview_modifications(o.objid) OPERATOR(pg_catalog.<) o.modifications
                                      THEN 'statistics reset' ELSE 'rows changed' END
                       END AS why
                  FROM audit.certified_object o
                 WHERE o.target OPERATOR(pg_catalog.=) v_target) x
         WHERE x.why IS NOT NULL;
        IF v_changed IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: % changed since certification at %: %', v_target, v_reg.certified_at, v_changed
                USING ERRCODE = 'MVC05', HINT = 'Certify it again; until then the strict gate refuses it.';
        END IF;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit._certification_gate(regclass, interval, boolean) IS
  'Internal: the fail-closed certification gate (registry lookup; strict also compares the closure with what certification recorded).';
-- The dependency graph below a target, one row per object: its depth (shortest distance
-- from the target), the object it was first reached through, and what it reads directly.
-- audit.closure and audit.refresh_plan are both views of this graph.
--
-- The walk is breadth-first, one set-based step (audit._direct_dependencies) per depth with a
-- visited set, so each object is expanded once: a recursive CTE carrying a path array would
-- enumerate every path, which grows exponentially on the diamond-shaped DAGs pipelines
-- are made of. Views cannot form cycles in the catalog, but declared edges (and functions
-- redefined to read the views that call them) can; the walk itself ends on them, and a
-- cycle is then found by peeling leaves (objects that read nothing still unpeeled): what
-- cannot be peeled lies on or above a cycle, and following edges inside it must come
-- back to a node, which names the cycle. The error (SQLSTATE 42P19, invalid_recursion)
-- spells it as a path `a -> b -> a`, where `a -> b` means a reads b.
CREATE FUNCTION audit._closure_graph(p_target regclass)
RETURNS TABLE (name text, classid oid, objid oid, kind text, depth integer, parent text,
               via text, reads text[])
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
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
BEGIN
    SELECT ARRAY[v_target], ARRAY['pg_catalog.pg_class'::pg_catalog.regclass::oid], ARRAY[c.oid],
           ARRAY[CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END],
           ARRAY[0], ARRAY[NULL::text], ARRAY[NULL::text]
      INTO v_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via
      FROM pg_catalog.pg_class c
     WHERE c.oid OPERATOR(pg_catalog.=) p_target;

    LOOP
        SELECT COALESCE(pg_catalog.array_agg(e.dependent), '{}'), COALESCE(pg_catalog.array_agg(e.name), '{}'),
               COALESCE(pg_catalog.array_agg(e.classid), '{}'), COALESCE(pg_catalog.array_agg(e.objid), '{}'),
               COALESCE(pg_catalog.array_agg(e.kind), '{}'), COALESCE(pg_catalog.array_agg(e.via), '{}')
          INTO v_step_from, v_step_to, v_step_classid, v_step_objid, v_step_kind, v_step_via
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
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND f.kind OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'materialized view'])), '{}'),
               COALESCE(pg_catalog.array_agg(f.objid) FILTER (
                   WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass), '{}')
          INTO v_new_name, v_classid, v_objid, v_kind, v_depths, v_parent, v_via,
               v_frontier_rel, v_frontier_fn
          FROM (SELECT DISTINCT ON (s.name) s.*
                  FROM ROWS FROM (pg_catalog.unnest(v_step_from),
                                  pg_catalog.unnest(v_step_to),
                                  pg_catalog.unnest(v_step_classid),
                                  pg_catalog.unnest(v_step_objid),
                                  pg_catalog.unnest(v_step_kind),
                                  pg_catalog.unnest(v_step_via))
                       AS s(dependent, name, classid, objid, kind, via)
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
        SELECT pg_catalog.string_agg(pg_catalog.format('%s -> %s', c.dependent, c.name), ', ' ORDER BY c.i)
          INTO v_declared
          FROM (SELECT i, v_cycle[i] AS dependent, v_cycle[i OPERATOR(pg_catalog.+) 1] AS name
                  FROM pg_catalog.generate_series(1, pg_catalog.cardinality(v_cycle) OPERATOR(pg_catalog.-) 1) AS i) AS c
         WHERE EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                              pg_catalog.unnest(v_edge_to),
                                              pg_catalog.unnest(v_edge_via)) AS e(dependent, name, via)
                        WHERE e.dependent OPERATOR(pg_catalog.=) c.dependent
                          AND e.name OPERATOR(pg_catalog.=) c.name
                          AND e.via OPERATOR(pg_catalog.=) 'declared');
        RAISE EXCEPTION 'mvcert: dependency cycle in the closure of %: %',
                v_target, pg_catalog.array_to_string(v_cycle, ' -> ')
            USING ERRCODE = 'invalid_recursion',
                  DETAIL = CASE WHEN v_declared IS NULL
                                THEN 'Each arrow means "reads"; every edge of the cycle is recorded by PostgreSQL (a function body reads a view that calls it).'
                                ELSE 'Each arrow means "reads". Declared edges on the cycle: ' OPERATOR(pg_catalog.||) v_declared OPERATOR(pg_catalog.||) '.' END,
                  HINT = CASE WHEN v_declared IS NULL
                              THEN 'Change one of the function bodies or views so the cycle is broken.'
                              ELSE 'Remove one of the declared edges with audit.undeclare_dependency(dependent, depends_on).' END;
    END IF;

    RETURN QUERY
    SELECT n.name, n.classid, n.objid, n.kind, n.depth, n.parent, n.via, COALESCE(r.reads, '{}')
      FROM ROWS FROM (pg_catalog.unnest(v_name),
                      pg_catalog.unnest(v_classid),
                      pg_catalog.unnest(v_objid),
                      pg_catalog.unnest(v_kind),
                      pg_catalog.unnest(v_depths),
                      pg_catalog.unnest(v_parent),
                      pg_catalog.unnest(v_via))
           AS n(name, classid, objid, kind, depth, parent, via)
      LEFT JOIN (SELECT e.dependent, pg_catalog.array_agg(DISTINCT e.name ORDER BY e.name) AS reads
                   FROM ROWS FROM (pg_catalog.unnest(v_edge_from),
                                   pg_catalog.unnest(v_edge_to)) AS e(dependent, name)
                  GROUP BY e.dependent) AS r ON r.dependent OPERATOR(pg_catalog.=) n.name;
END
$$;
COMMENT ON FUNCTION audit._closure_graph(regclass) IS
  'Internal: the dependency graph below a view or materialized view (depth, first parent, direct reads per object); raises invalid_recursion naming a cycle.';
-- The pg_cron job name mvcert uses for a target's schedule: 'mvcert:<target>:<name>'.
-- Validates the name part and that the whole fits pg_cron's job name (a 63-byte "name"),
-- which would otherwise be cut silently and could collide with another target's job.
CREATE FUNCTION audit._cron_job_name(p_target text, p_job_name text)
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
-- The hash of one object's definition, as certification, baselines and the strict gate
-- compare it: md5 of the deparsed definition (pg_get_viewdef for views and materialized
-- views, pg_get_functiondef for functions and procedures, the pg_aggregate row for
-- aggregates), prefixed with the kind so that turning a view into a materialized view
-- counts as a change. The search_path is pinned, so deparsed names are always qualified
-- the same way. NULL for an object that no longer exists or has no definition (tables).
CREATE FUNCTION audit._definition_hash(p_kind text, p_objid oid)
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
-- certification reads them). Operators count as the function behind them. System functions
-- (pg_catalog, information_schema) are left out. Declared edges (audit.declared_dependency)
-- are added for views and materialized views; one that names a relation which no longer
-- exists is an error, since the dependency it records would silently vanish otherwise.
-- Objects are identified by their canonical name: audit._qualified_name for relations,
-- schema.name(identity arguments) for functions. Tables and other relations are leaves: the
-- caller passes only what it wants expanded; relations that are not views are ignored.
CREATE FUNCTION audit._direct_dependencies(p_relations oid[], p_functions oid[])
RETURNS TABLE (dependent text, name text, classid oid, objid oid, kind text, via text)
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_stale record;
BEGIN
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

    RETURN QUERY
    WITH source_relation AS (
        SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
         WHERE c.oid OPERATOR(pg_catalog.=) ANY (p_relations)
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
    ), source_function AS (
        SELECT p.oid, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                        pg_catalog.pg_get_function_identity_arguments(p.oid)) AS name
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
         WHERE p.oid OPERATOR(pg_catalog.=) ANY (p_functions)
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
                    THEN o.oprcode::oid ELSE e.refobjid END AS objid,
               e.via
          FROM edge e
          LEFT JOIN pg_catalog.pg_operator o
            ON e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass
           AND o.oid OPERATOR(pg_catalog.=) e.refobjid
         WHERE e.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_class'::pg_catalog.regclass,
                                                             'pg_catalog.pg_proc'::pg_catalog.regclass,
                                                             'pg_catalog.pg_operator'::pg_catalog.regclass]::oid[])
    ), named AS (
        SELECT ob.dependent, ob.classid, ob.objid, ob.via,
               CASE WHEN c.oid IS NOT NULL THEN pg_catalog.format('%I.%I', cn.nspname, c.relname)
                    ELSE pg_catalog.format('%I.%I(%s)', pn.nspname, p.proname,
                                           pg_catalog.pg_get_function_identity_arguments(p.oid)) END AS name,
               CASE WHEN c.oid IS NOT NULL THEN
                    CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                                   WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                   WHEN 'f' THEN 'foreign table' WHEN 'S' THEN 'sequence'
                                   WHEN 'c' THEN 'composite type' WHEN 'i' THEN 'index'
                                   WHEN 'I' THEN 'partitioned index' WHEN 't' THEN 'toast table'
                                   ELSE 'relation of kind ' OPERATOR(pg_catalog.||) c.relkind::text END
                    ELSE CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'p' THEN 'procedure'
                                        ELSE 'function' END
               END AS kind
          FROM object ob
          LEFT JOIN pg_catalog.pg_class c
            ON ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
           AND c.oid OPERATOR(pg_catalog.=) ob.objid
          LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) c.relnamespace
          LEFT JOIN pg_catalog.pg_proc p
            ON ob.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND p.oid OPERATOR(pg_catalog.=) ob.objid
          LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.pronamespace
         WHERE c.oid IS NOT NULL
            OR (p.oid IS NOT NULL
                AND pn.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::name[]))
    )
    -- a declared edge the catalog also records is shown as a catalog edge
    SELECT DISTINCT ON (nd.dependent, nd.name) nd.dependent, nd.name, nd.classid, nd.objid, nd.kind, nd.via
      FROM named nd
     ORDER BY nd.dependent, nd.name, nd.via OPERATOR(pg_catalog.=) 'declared';
END
$$;
COMMENT ON FUNCTION audit._direct_dependencies(oid[], oid[]) IS
  'Internal: direct dependencies (catalog and declared) of the given views, materialized views and functions, by canonical name.';
-- (Named _inputs_fingerprint: audit._input_fingerprint would be the array type of table audit.input_fingerprint.)
-- The fingerprint of a materialized view's inputs now: for every relation of its closure
-- (tables, leaf partitions of partitioned tables, views, upstream materialized views)
-- its oid, relfilenode, size and tuple counters, for views the hash of their query tree,
-- for upstream materialized views the step that last refreshed them; for user functions
-- of the closure the hash of their body; and the database's statistics reset time and
-- the server start time (a restart or crash can lose counters). Tuple counters are the
-- shared statistics plus this backend's not yet flushed ones (pg_stat_get_xact_*), so
-- changes made earlier in the current transaction count; the statistics snapshot is
-- cleared first, since within a transaction it is otherwise cached.
CREATE FUNCTION audit._inputs_fingerprint(p_matview regclass)
RETURNS jsonb
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_inputs jsonb;
BEGIN
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    WITH cl AS (
        SELECT c.relation, c.relid, c.kind FROM audit.closure(p_matview) c
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

    RETURN pg_catalog.jsonb_build_object(
        'matview_oid', p_matview::oid,
        'stats_reset', (SELECT pg_catalog.pg_stat_get_db_stat_reset_time(d.oid) FROM pg_catalog.pg_database d
                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()),
        'server_started', pg_catalog.pg_postmaster_start_time(),
        'inputs', v_inputs);
END
$$;
COMMENT ON FUNCTION audit._inputs_fingerprint(regclass) IS
  'Internal: fingerprint of the inputs of a materialized view now (counters, relfilenodes, sizes, definition hashes, stats reset, server start).';
-- How many agents are alive: not stopped and seen within p_within. The SQL entry points
-- refuse to wait for a result nobody will produce.
CREATE FUNCTION audit._live_agent_count(p_within interval DEFAULT interval '30 seconds')
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
-- How many rows of a relation were ever inserted, updated or deleted, as far as this
-- session can tell: the shared statistics plus what this backend has not flushed yet
-- (its own transaction, and committed work waiting for the next statistics flush). A
-- concurrent refresh keeps the relfilenode but moves this counter, so the strict gate
-- compares it. Counters only grow; a smaller value means the statistics were reset.
CREATE FUNCTION audit._matview_modifications(p_relid oid)
RETURNS bigint
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_stat_get_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_tuples_deleted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_inserted(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_updated(p_relid) OPERATOR(pg_catalog.+)
           pg_catalog.pg_stat_get_xact_tuples_deleted(p_relid)
$$;
COMMENT ON FUNCTION audit._matview_modifications(oid) IS
  'Internal: rows ever inserted+updated+deleted in a relation (shared statistics plus this backend''s unflushed counts).';
-- Whether the Java engine is deployed in this database (PL/Java with mvcert's jar): then the
-- SQL entry points run the work in-database; otherwise they hand it to an agent through the
-- queue. The in-database deployment provides audit._run_in_database(regclass, text, boolean)
-- as a PL/Java function; until it exists this returns false.
CREATE FUNCTION audit._pljava_available()
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
           AND l.lanname OPERATOR(pg_catalog.=) 'java')
$$;
COMMENT ON FUNCTION audit._pljava_available() IS
  'Internal: true when the Java engine is deployed in-database (PL/Java function audit._run_in_database exists).';
-- Makes a recorded certification the current status of its target in the registry. Run in
-- the work transaction of the certification: in an atomic run the new status is published
-- together with the refreshed data, or not at all. A CERTIFIED outcome also records what
-- the strict gate compares later: the definition hash of every view, materialized view
-- and function of the closure, and the relfilenode and modification counter of every
-- materialized view, plus the database's statistics reset time. A FAILED outcome keeps the
-- time of the last passing certification (history) but the gates refuse the target.
-- SECURITY DEFINER: the registry has no INSERT/UPDATE grants for anybody.
CREATE FUNCTION audit._publish_certification(p_certification_id bigint, p_dataset_hash text DEFAULT NULL)
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
                                         failing_checks, failure_detail, stale_reason, dataset_hash, stats_reset)
        VALUES (v_cert.target, 'CERTIFIED', v_cert.finished_at, v_cert.finished_at, v_cert.certification_id,
                v_cert.run_id, v_cert.certification_id, v_cert.finished_at, v_cert.run_id,
                '{}', NULL, NULL, p_dataset_hash,
                pg_catalog.pg_stat_get_db_stat_reset_time(
                    (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())))
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
            stats_reset = EXCLUDED.stats_reset;

        DELETE FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        INSERT INTO audit.certified_object (target, object, kind, objid, definition_hash, relfilenode, modifications)
        SELECT v_cert.target, c.relation, c.kind, c.relid,
               audit._definition_hash(c.kind, c.relid),
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN (SELECT pc.relfilenode FROM pg_catalog.pg_class pc WHERE pc.oid OPERATOR(pg_catalog.=) c.relid) END,
               CASE WHEN c.kind OPERATOR(pg_catalog.=) 'materialized view'
                    THEN audit._matview_modifications(c.relid) END
          FROM audit.closure(v_target) c
         WHERE c.kind OPERATOR(pg_catalog.=) ANY (ARRAY['view', 'materialized view', 'function', 'procedure', 'aggregate']);

        SELECT pg_catalog.md5(pg_catalog.string_agg(o.object OPERATOR(pg_catalog.||) '=' OPERATOR(pg_catalog.||)
                                                    COALESCE(o.definition_hash, ''), ',' ORDER BY o.object))
          INTO v_closure_hash
          FROM audit.certified_object o WHERE o.target OPERATOR(pg_catalog.=) v_cert.target;
        UPDATE audit.registry r SET closure_hash = v_closure_hash WHERE r.target OPERATOR(pg_catalog.=) v_cert.target;
    ELSE
        SELECT pg_catalog.string_agg(pg_catalog.format('%s %s: %s', cr.check_name, cr.object, cr.detail), E'\n' ORDER BY cr.ordinal)
          INTO v_detail
          FROM (SELECT * FROM audit.check_result x
                 WHERE x.certification_id OPERATOR(pg_catalog.=) p_certification_id AND NOT x.passed
                 ORDER BY x.ordinal LIMIT 5) cr;
        INSERT INTO audit.registry AS r (target, status, status_since, last_certification_id, last_certification_at,
                                         last_run_id, failing_checks, failure_detail)
        VALUES (v_cert.target, 'FAILED', v_cert.finished_at, v_cert.certification_id, v_cert.finished_at,
                v_cert.run_id, v_cert.failing_checks, v_detail)
        ON CONFLICT (target) DO UPDATE SET
            status = 'FAILED',
            status_since = CASE WHEN r.status OPERATOR(pg_catalog.=) 'FAILED' THEN r.status_since ELSE EXCLUDED.status_since END,
            last_certification_id = EXCLUDED.last_certification_id,
            last_certification_at = EXCLUDED.last_certification_at,
            last_run_id = EXCLUDED.last_run_id,
            failing_checks = EXCLUDED.failing_checks,
            failure_detail = EXCLUDED.failure_detail,
            stale_reason = NULL;
    END IF;
    RETURN v_cert.status;
END
$$;
COMMENT ON FUNCTION audit._publish_certification(bigint, text) IS
  'Internal (certification engine): makes a recorded certification the registry status of its target; returns the status.';
-- The canonical name mvcert stores for a relation: schema-qualified, each part quoted
-- only where needed, independent of the caller's search_path.
CREATE FUNCTION audit._qualified_name(p_rel regclass)
RETURNS text
LANGUAGE sql
STABLE STRICT
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
     WHERE c.oid OPERATOR(pg_catalog.=) p_rel
$$;
COMMENT ON FUNCTION audit._qualified_name(regclass) IS
  'Internal: schema-qualified, quoted name of a relation, independent of search_path.';
-- Records a baseline capture of a registered target: the definition and dataset hashes the
-- engine measured. The capture is only a proposal; audit.accept_baseline makes it the
-- baseline. SECURITY DEFINER: captures are written only through this function.
--
-- p_items: a JSON array of {"kind": "definition"|"dataset", "object": text, "hash": text, "rows": bigint|null}.
CREATE FUNCTION audit._record_baseline_capture(p_target regclass, p_note text, p_items jsonb)
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
CREATE FUNCTION audit._record_certification(
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
-- being absorbed). Runs in the refresh's transaction: rolled back with it.
CREATE FUNCTION audit._record_input_fingerprint(p_matview regclass, p_fingerprint jsonb, p_run_id bigint, p_step_id bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
    INSERT INTO audit.input_fingerprint AS f (matview, matview_oid, fingerprint, run_id, step_id, recorded_at)
    VALUES (audit._qualified_name(p_matview), p_matview::oid, p_fingerprint, p_run_id, p_step_id, pg_catalog.clock_timestamp())
    ON CONFLICT (matview) DO UPDATE SET
        matview_oid = EXCLUDED.matview_oid, fingerprint = EXCLUDED.fingerprint,
        run_id = EXCLUDED.run_id, step_id = EXCLUDED.step_id, recorded_at = EXCLUDED.recorded_at
$$;
COMMENT ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint, bigint) IS
  'Internal: records the input fingerprint of a materialized view at a successful refresh.';
-- How each given materialized view would be refreshed, and why, judged the way the server
-- judges it. REFRESH ... CONCURRENTLY needs a populated view and at least one unique
-- index that is valid, btree, immediate, has no WHERE clause and only plain columns as
-- keys (matview.c, is_usable_unique_index; indexes being dropped do not count); it then
-- matches old and new rows on the key columns of EVERY such index at once. Hence:
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
CREATE FUNCTION audit._refresh_modes(p_matviews oid[])
RETURNS TABLE (relid oid, mode text, reason text, unique_index text, warning text, detail text)
LANGUAGE sql
STABLE
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
           i.indpred IS NOT NULL AS partial,
           i.indexprs IS NOT NULL
             OR 0::pg_catalog.int2 OPERATOR(pg_catalog.=) ANY (i.indkey::pg_catalog.int2[]) AS on_expressions,
           -- what is_usable_unique_index demands besides validity
           COALESCE(i.indisunique AND i.indimmediate AND i.indislive
                    AND ic.relam OPERATOR(pg_catalog.=) (SELECT am.oid FROM pg_catalog.pg_am am
                                                          WHERE am.amname OPERATOR(pg_catalog.=) 'btree')
                    AND i.indnatts OPERATOR(pg_catalog.>) 0
                    AND i.indpred IS NULL AND i.indexprs IS NULL
                    AND 0::pg_catalog.int2 OPERATOR(pg_catalog.<) ALL (i.indkey::pg_catalog.int2[]), false) AS eligible,
           k.key_count, k.columns, k.nullable_count, k.nullable_columns, k.not_null_filter
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) c.oid
      LEFT JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
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
-- Reports the outcome of work the Java engine did in this session (audit._run_in_database:
-- text starting with CERTIFIED or FAILED) the way the queue path reports an agent's: a NOTICE
-- when certified, else an error when p_raise, a WARNING otherwise. The procedures call it
-- after COMMIT, so the run's history and a FAILED status stay recorded when it raises.
CREATE FUNCTION audit._report_in_database(p_outcome text, p_raise boolean, p_caller text)
RETURNS void
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.starts_with(p_outcome, 'CERTIFIED') THEN
        RAISE NOTICE 'mvcert: % in-database: %', p_caller, p_outcome;
    ELSIF p_raise THEN
        RAISE EXCEPTION 'mvcert: % in-database did not end certified: %', p_caller, p_outcome
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'See audit.certification and audit.check_result (and audit.run / audit.step for a refresh) for details.';
    ELSE
        RAISE WARNING 'mvcert: % in-database did not end certified: %', p_caller, p_outcome;
    END IF;
END
$$;
COMMENT ON FUNCTION audit._report_in_database(text, boolean, text) IS
  'Internal: NOTICE when the in-database outcome is CERTIFIED, else an error (p_raise) or a WARNING.';
-- Validates a run mode (or another enumerated) argument against the modes an entry point accepts, so every entry
-- point rejects a bad mode with the same clear error naming the value. Returns the mode.
CREATE FUNCTION audit._require_mode(p_mode text, p_allowed text[], p_argument text DEFAULT 'mode')
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
CREATE FUNCTION audit._require_pg_cron()
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
CREATE FUNCTION audit._require_registered(p_target regclass)
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
-- Refuses SQL text that is not exactly one query, without running it. The engine calls this
-- before it runs SQL composed from user rules (gate expressions, assertion queries), so a
-- rule smuggling in more statements ('true); DROP ...') never runs any of them, however it
-- was stored. The text is planned (EXPLAIN, opened as a cursor) as the caller, never executed.
CREATE FUNCTION audit._require_single_query(p_sql text)
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
            USING ERRCODE = 'syntax_error', HINT = 'Fix the rule (audit.gate_rule / audit.sql_assertion).';
    END;
END
$$;
COMMENT ON FUNCTION audit._require_single_query(text) IS
  'Internal: raises unless the text is exactly one query; plans it as the caller, never runs it.';
-- Validates a target argument: not null, exists, and is a view or materialized view.
-- Returns the canonical name. Every public entry point that takes a target calls this,
-- so bad input gets the same clear error everywhere.
CREATE FUNCTION audit._require_view(p_target regclass, p_argument text DEFAULT 'target')
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_kind "char";
BEGIN
    IF p_target IS NULL THEN
        RAISE EXCEPTION 'mvcert: % must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a view or materialized view, e.g. ''ml.features_v''::regclass.';
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_target;
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
    RETURN audit._qualified_name(p_target);
END
$$;
COMMENT ON FUNCTION audit._require_view(regclass, text) IS
  'Internal: raises a clear error unless the argument is an existing view or materialized view; returns its canonical name.';
-- What in a materialized view's definition can change its result without any input
-- changing, so skip-unchanged must never skip it: volatile functions (random(),
-- clock_timestamp(), ...), time-of-query functions (now() and its kin, which are STABLE),
-- SQL value functions (CURRENT_DATE, CURRENT_USER, ...), and user functions that are not
-- IMMUTABLE and whose bodies PostgreSQL does not parse (they may read tables the
-- fingerprint cannot see). Looks at the view's own query and the plain views it reads,
-- not past other materialized views: those are evaluated when they are refreshed.
-- Function calls are read from the stored query trees (pg_rewrite.ev_action), since
-- pg_depend does not record calls to built-in functions.
CREATE FUNCTION audit._volatile_calls(p_matview regclass)
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
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
        SELECT 'SQL value function (CURRENT_DATE, CURRENT_USER, ...)'
         WHERE EXISTS (SELECT 1 FROM tree t WHERE t.action OPERATOR(pg_catalog.~~) '%{SQLVALUEFUNCTION %')
    )
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT f.what ORDER BY f.what), '{}')
      FROM finding f
     WHERE f.what IS NOT NULL
$$;
COMMENT ON FUNCTION audit._volatile_calls(regclass) IS
  'Internal: volatile, time-of-query and opaque non-immutable calls in a materialized view''s definition (and the plain views it reads).';
-- The reviewed step of re-baselining (runbook 001 section 3.2): makes a capture the
-- baseline of its target, replacing the previous one, and records every difference in
-- audit.baseline_change with who accepted it, when, why, and the previous value. This is
-- the only way a baseline changes: certification never writes baselines, and nobody has
-- write grants on audit.baseline. A note saying what was reviewed is required; a capture
-- is accepted at most once. Returns the number of baseline entries that changed.
CREATE FUNCTION audit.accept_baseline(p_capture_id bigint, p_note text)
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
CREATE FUNCTION audit.add_deny_rule(p_target regclass, p_kind text, p_pattern text, p_reason text DEFAULT NULL)
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
CREATE FUNCTION audit.add_gate_rule(p_target regclass, p_column_regex text, p_gate_expression text,
                                    p_description text DEFAULT NULL)
RETURNS audit.gate_rule
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_row       audit.gate_rule;
    v_check     refcursor;
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
    -- Parses, type-checks and plans the expression against the target without running it:
    -- EXPLAIN does not execute (so rules can be set before the first refresh populates the
    -- view), and it is opened as a cursor, never EXECUTEd, so a string smuggling in more
    -- statements ('true); DROP ...') is refused before any of it runs.
    BEGIN
        OPEN v_check FOR EXECUTE pg_catalog.format(E'EXPLAIN SELECT 1 FROM %s WHERE (%s\n)', v_target, p_gate_expression);
        CLOSE v_check;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        IF v_state OPERATOR(pg_catalog.=) '42P11' THEN
            v_state := '42601';
            v_error := 'it must be one expression, not several statements';
        END IF;
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
CREATE FUNCTION audit.add_sql_assertion(p_target regclass, p_name text, p_query text, p_description text DEFAULT NULL)
RETURNS audit.sql_assertion
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target    text := audit._require_registered(p_target);
    v_query     text := pg_catalog.rtrim(pg_catalog.btrim(p_query), '; ');
    v_row       audit.sql_assertion;
    v_check     refcursor;
    v_state     text;
    v_error     text;
BEGIN
    IF p_name IS NULL OR v_query IS NULL OR v_query OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'mvcert: an assertion needs a name and a query'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'e.g. audit.add_sql_assertion(''ml.x_v'', ''no_negative_price'', ''SELECT * FROM ml.x_v WHERE price < 0'')';
    END IF;
    -- Planned, never run: EXPLAIN does not execute (so assertions can be added before the
    -- first refresh populates the views), and it is opened as a cursor, not EXECUTEd, so a
    -- string smuggling in more statements ('SELECT 1) q; DROP ...') is refused before any runs.
    BEGIN
        OPEN v_check FOR EXECUTE pg_catalog.format(E'EXPLAIN SELECT 1 FROM (%s\n) AS q', v_query);
        CLOSE v_check;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_error = MESSAGE_TEXT;
        IF v_state OPERATOR(pg_catalog.=) '42P11' THEN
            v_state := '42601';
            v_error := 'it must be one query, not several statements';
        END IF;
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
CREATE FUNCTION audit.agent_heartbeat(
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
CREATE FUNCTION audit.agent_stopped(p_agent text)
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
-- Records the start of a refresh run of a target and returns its run id. Called by the
-- engine (through its history connection when it has one, so the row survives a rollback
-- of the work) and usable by SQL refresh scripts that want their runs in the history.
CREATE FUNCTION audit.begin_run(
    p_target        regclass,
    p_mode          text     DEFAULT 'incremental',
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
    v_run_id bigint;
BEGIN
    IF p_mode IS NULL OR p_mode OPERATOR(pg_catalog.<>) ALL (ARRAY['incremental', 'atomic']) THEN
        RAISE EXCEPTION 'mvcert: unknown run mode %', pg_catalog.quote_nullable(p_mode)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use incremental or atomic.';
    END IF;
    IF p_lease <= interval '0' THEN
        RAISE EXCEPTION 'mvcert: lease must be positive, got %', p_lease USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO audit.run (target, mode, requested_by, request_id, executor, lease, backend_pid)
    VALUES (v_name, p_mode, COALESCE(p_requested_by, SESSION_USER::text), p_request_id,
            COALESCE(p_executor, 'backend'), COALESCE(p_lease, interval '5 minutes'),
            COALESCE(p_backend_pid, pg_catalog.pg_backend_pid()))
    RETURNING run_id INTO v_run_id;
    RETURN v_run_id;
END
$$;
COMMENT ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) IS
  'Records the start of a refresh run (history) and returns its run id.';
-- Records the start of one attempt to refresh one materialized view within a run and
-- returns its step id. p_backend_pid is the session doing the refresh (which is not the
-- session writing history when the engine has a separate history connection). The
-- materialized view is validated and stored under its canonical name, so the step history
-- (and the no-overlap check over it) never holds names that do not denote a view.
CREATE FUNCTION audit.begin_step(
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
    VALUES (p_run_id, v_matview, p_plan_step, p_plan_level, p_planned_mode, COALESCE(p_attempt, 1), p_lock_key,
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
CREATE FUNCTION audit.breaker_permit(p_matview text, p_target text DEFAULT NULL)
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
CREATE FUNCTION audit.breaker_record(
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
-- An agent takes the oldest queued request it may run: at most one row, locked with
-- FOR UPDATE SKIP LOCKED so concurrent agents never take the same request, and never one
-- whose target is busy (a live running run, i.e. running with a heartbeat within its lease,
-- or another claimed request). A transaction-scoped advisory lock per target closes the
-- window in which two agents could each claim a different request of the same target.
-- The claim is visible to others when the agent commits.
CREATE FUNCTION audit.claim_request(p_agent text)
RETURNS SETOF audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
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
-- A cycle (only possible through declared edges or functions) raises invalid_recursion
-- naming it as a path `a -> b -> a`.
CREATE FUNCTION audit.closure(p_target regclass)
RETURNS TABLE (relation text, relid oid, kind text, depth integer, parent text, via text)
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT g.name, g.objid, g.kind, g.depth, g.parent, g.via
      FROM audit._closure_graph(p_target) AS g
     ORDER BY g.depth, g.name
$$;
COMMENT ON FUNCTION audit.closure(regclass) IS
  'Every relation and user function a view or materialized view depends on, transitively (catalog and declared edges), with depth, kind and the parent it was first reached through.';
-- An agent records how a claimed request ended: done (ran; certified says whether the target
-- ended certified), failed, skipped (with the reason in p_outcome) or abandoned. Only the
-- claimed request can be completed, once; a second completion is an error, so an agent whose
-- claim was reaped learns that its result was not recorded as the request's outcome.
CREATE FUNCTION audit.complete_request(
    p_request_id  bigint,
    p_status      text,
    p_run_id      bigint DEFAULT NULL,
    p_outcome     text DEFAULT NULL,
    p_certified   boolean DEFAULT NULL)
RETURNS audit.run_request
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_status  text := audit._require_mode(p_status, ARRAY['done', 'failed', 'skipped', 'abandoned'], 'status');
    v_row     audit.run_request;
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
        RAISE EXCEPTION 'mvcert: request % is %, not claimed: it cannot be completed as %',
                p_request_id, v_row.status, v_status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only a request returned by audit.claim_request and not yet completed or reaped can be completed.';
    END IF;
    UPDATE audit.run_request r
       SET status = v_status, run_id = coalesce(p_run_id, r.run_id), outcome = p_outcome,
           certified = p_certified, finished_at = pg_catalog.clock_timestamp()
     WHERE r.request_id OPERATOR(pg_catalog.=) p_request_id
    RETURNING r.* INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.complete_request(bigint, text, bigint, text, boolean) IS
  'Agent: records the end of a claimed request (done, failed, skipped, abandoned) with its run, outcome and certification.';
-- Creates the view training and export jobs read instead of the target itself:
--   CREATE VIEW <p_view_name> AS SELECT * FROM <p_source> WHERE audit.require_certified(<p_source>, <p_max_age>)
-- (require_certified_strict when p_strict). The gate has only constant arguments, so the
-- planner turns it into a one-time filter: it runs once per query, before any row is read,
-- and a refused gate returns no rows but an error. p_view_name is 'schema.name' (quoted
-- parts allowed, as in SQL); the source is referenced by OID, so renaming it keeps the view
-- working. Returns the new view.
CREATE FUNCTION audit.create_guarded_view(p_source regclass, p_view_name text, p_max_age interval,
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
    EXECUTE pg_catalog.format(
        'CREATE VIEW %s AS SELECT * FROM %s WHERE audit.%s(%L::pg_catalog.regclass, %L::pg_catalog.interval)',
        v_view, v_source, CASE WHEN p_strict THEN 'require_certified_strict' ELSE 'require_certified' END,
        v_source, p_max_age);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', v_view,
        pg_catalog.format('Guarded read of %s: fails unless it is certified and younger than %s.', v_source, p_max_age));
    RETURN pg_catalog.to_regclass(v_view);
END
$$;
COMMENT ON FUNCTION audit.create_guarded_view(regclass, text, interval, boolean) IS
  'Creates a view over a target that reads it only while it is certified (audit.require_certified in the WHERE clause).';
-- Records that a view or materialized view depends on a relation PostgreSQL cannot see it
-- read (a function body, dynamic SQL, a foreign server), so audit.closure and
-- audit.refresh_plan include it like a catalog edge. Idempotent: declaring an edge again
-- only replaces its reason (a NULL reason keeps the old one). An edge that would close a
-- cycle is refused with the cycle spelled out (`a -> b -> a`, each arrow meaning "reads")
-- and nothing is recorded. SECURITY DEFINER so that mvcert_admin needs EXECUTE only and
-- cannot write edges that bypass these checks; the caller is recorded as session_user,
-- since current_user inside the function is its owner.
CREATE FUNCTION audit.declare_dependency(p_dependent regclass, p_depends_on regclass, p_reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_dependent  text := audit._require_view(p_dependent, 'dependent');
    v_depends_on text;
    v_kind       "char";
    v_path       text[];
BEGIN
    IF p_depends_on IS NULL THEN
        RAISE EXCEPTION 'mvcert: depends_on must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the relation the view reads, e.g. ''ml.prices''::regclass.';
    END IF;
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_depends_on;
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
    IF v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[]) THEN
        WITH RECURSIVE graph AS MATERIALIZED (
            SELECT g.name, g.parent FROM audit._closure_graph(p_depends_on) AS g
        ), back (name, parent, i) AS (
            SELECT g.name, g.parent, 1 FROM graph g WHERE g.name OPERATOR(pg_catalog.=) v_dependent
            UNION ALL
            SELECT g.name, g.parent, b.i OPERATOR(pg_catalog.+) 1
              FROM back b JOIN graph g ON g.name OPERATOR(pg_catalog.=) b.parent
        )
        SELECT pg_catalog.array_agg(b.name ORDER BY b.i DESC) INTO v_path FROM back b;
        IF v_path IS NOT NULL THEN
            RAISE EXCEPTION 'mvcert: declaring % -> % would close the dependency cycle %',
                    v_dependent, v_depends_on,
                    pg_catalog.array_to_string(ARRAY[v_dependent] OPERATOR(pg_catalog.||) v_path, ' -> ')
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
-- Classifies an error by SQLSTATE (and, for 57014, the message, which tells a statement
-- timeout from a cancel) into the classes the engine records and the agent retries on.
-- Mirrors dev.mvcert.engine.errors.ErrorClass; a test keeps the two in step.
CREATE FUNCTION audit.error_class(p_sqlstate text, p_message text DEFAULT NULL)
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
CREATE FUNCTION audit.error_class_retryable(p_error_class text)
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
CREATE FUNCTION audit.execution_path()
RETURNS text
LANGUAGE sql
STABLE
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN audit._pljava_available() THEN 'pljava' ELSE 'agent' END
$$;
COMMENT ON FUNCTION audit.execution_path() IS
  'Where the engine runs for this database: pljava (deployed in-database) or agent (through the queue).';
-- The reasons a target may not refresh now because of its required ingestion feeds: one
-- row per required feed whose latest batch failed, is still running, or which has no
-- successful batch finished within its max_age ("missing for the period"). No rows: the
-- preconditions hold. Batches come from audit.feed_batch, or from the feed's batch_source
-- relation (columns feed, batch_id, status, finished_at) when the user mapped one.
CREATE FUNCTION audit.feed_problems(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (feed text, problem text)
LANGUAGE plpgsql
STABLE
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
-- Records the end of a run: its status, why, which materialized views it left stale and
-- which need a maintenance-window rebuild. Only a running run is finished; returns false
-- when the run had already ended (e.g. marked abandoned because its heartbeat lapsed).
CREATE FUNCTION audit.finish_run(
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
    IF p_status IS NULL OR p_status OPERATOR(pg_catalog.<>) ALL (ARRAY['succeeded', 'failed', 'skipped', 'cancelled']) THEN
        RAISE EXCEPTION 'mvcert: a run cannot finish with status %', pg_catalog.quote_nullable(p_status)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use succeeded, failed, skipped or cancelled.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id) THEN
        RAISE EXCEPTION 'mvcert: run % does not exist', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE audit.run r
       SET status = p_status, reason = p_reason, finished_at = pg_catalog.clock_timestamp(),
           heartbeat_at = pg_catalog.clock_timestamp(),
           stale_views = COALESCE(p_stale_views, '{}'), needs_maintenance = COALESCE(p_needs_maintenance, '{}')
     WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id AND r.status OPERATOR(pg_catalog.=) 'running';
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) IS
  'Records the end of a running run (status, reason, stale views, views needing maintenance); false if it had already ended.';
-- Records how a step attempt ended: succeeded (mode used, rows after refresh, query id),
-- skipped (reason) or failed (error class derived from the SQLSTATE, retryable flag,
-- message). The decision says in words why the view was refreshed or skipped.
CREATE FUNCTION audit.finish_step(
    p_step_id        bigint,
    p_status         text,
    p_mode_used      text   DEFAULT NULL,
    p_skip_reason    text   DEFAULT NULL,
    p_decision       text   DEFAULT NULL,
    p_rows_after     bigint DEFAULT NULL,
    p_query_id       bigint DEFAULT NULL,
    p_sqlstate       text   DEFAULT NULL,
    p_error_message  text   DEFAULT NULL)
RETURNS void
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
END
$$;
COMMENT ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) IS
  'Records how a refresh step attempt ended (status, mode used, skip reason, rows, query id, error class from SQLSTATE).';
-- The executor of a running run proves it is alive: moves audit.run.heartbeat_at. Returns
-- false when the run is no longer running (e.g. it was reaped as abandoned after a long
-- pause), which tells the executor to stop: its work is no longer the run of record.
CREATE FUNCTION audit.heartbeat(p_run_id bigint)
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
CREATE FUNCTION audit.in_maintenance_window(p_target regclass, p_at timestamptz DEFAULT pg_catalog.now())
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
-- Why a materialized view must be refreshed, or NULL when none of its inputs changed since
-- mvcert last refreshed it successfully (then the engine skips it as inputs_unchanged).
-- Conservative: it answers with a reason whenever it cannot prove nothing changed: never
-- refreshed by mvcert, not populated, recreated, a volatile or time-of-query call in its
-- definition, a foreign table among its inputs, statistics reset or server restarted
-- since, or any input whose oid, relfilenode, size, tuple counters, query tree, function
-- body or (for upstream materialized views) last refresh differs from the fingerprint.
CREATE FUNCTION audit.input_changes(p_matview regclass)
RETURNS text
LANGUAGE plpgsql
VOLATILE
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name     text := audit._require_view(p_matview, 'matview');
    v_calls    text[];
    v_stored   audit.input_fingerprint;
    v_now      jsonb;
    v_input    record;
    v_old      jsonb;
    v_diff     text;
BEGIN
    IF NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p_matview) THEN
        RETURN 'not populated';
    END IF;
    v_calls := audit._volatile_calls(p_matview);
    IF pg_catalog.cardinality(v_calls) OPERATOR(pg_catalog.>) 0 THEN
        RETURN 'definition calls ' OPERATOR(pg_catalog.||) pg_catalog.array_to_string(v_calls, ', ');
    END IF;
    SELECT * INTO v_stored FROM audit.input_fingerprint f WHERE f.matview OPERATOR(pg_catalog.=) v_name;
    IF NOT FOUND THEN
        RETURN 'never refreshed by mvcert';
    END IF;
    IF v_stored.matview_oid OPERATOR(pg_catalog.<>) p_matview::oid THEN
        RETURN 'recreated since its last refresh';
    END IF;
    v_now := audit._inputs_fingerprint(p_matview);
    IF v_now->'server_started' IS DISTINCT FROM v_stored.fingerprint->'server_started' THEN
        RETURN 'server restarted since the last refresh (statistics may have been lost)';
    END IF;
    IF v_now->'stats_reset' IS DISTINCT FROM v_stored.fingerprint->'stats_reset' THEN
        RETURN 'statistics were reset since the last refresh';
    END IF;
    FOR v_input IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v_now->'inputs') e ORDER BY e.key LOOP
        IF v_input.value->>'kind' OPERATOR(pg_catalog.=) 'foreign table' THEN
            RETURN pg_catalog.format('foreign table %s: its changes cannot be observed', v_input.key);
        END IF;
        v_old := v_stored.fingerprint->'inputs'->v_input.key;
        IF v_old IS NULL THEN
            RETURN pg_catalog.format('new input %s', v_input.key);
        END IF;
        IF v_old OPERATOR(pg_catalog.<>) v_input.value THEN
            SELECT pg_catalog.string_agg(pg_catalog.format('%s %s -> %s', n.key, COALESCE(v_old->>n.key, 'none'), n.value), ', ' ORDER BY n.key)
              INTO v_diff
              FROM pg_catalog.jsonb_each_text(v_input.value) n
             WHERE (v_old->>n.key) IS DISTINCT FROM n.value;
            RETURN pg_catalog.format('input %s changed (%s)', v_input.key, COALESCE(v_diff, 'attributes removed'));
        END IF;
    END LOOP;
    SELECT pg_catalog.string_agg(o.key, ', ' ORDER BY o.key) INTO v_diff
      FROM pg_catalog.jsonb_object_keys(v_stored.fingerprint->'inputs') o(key)
     WHERE NOT (v_now->'inputs') ? o.key;
    IF v_diff IS NOT NULL THEN
        RETURN 'inputs no longer read: ' OPERATOR(pg_catalog.||) v_diff;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit.input_changes(regclass) IS
  'Why a materialized view needs a refresh (which input changed, volatile calls, never refreshed, ...), or NULL when its inputs are unchanged since mvcert last refreshed it.';
-- Marks a certified target STALE: its data changed (a refresh published new rows) or an
-- operator knows it is wrong, and it must not be read until certification passes again.
-- Only a CERTIFIED status moves to STALE; FAILED stays FAILED. Returns whether it changed.
-- SECURITY DEFINER: the registry is written only through functions of mvcert.
CREATE FUNCTION audit.mark_stale(p_target regclass, p_reason text)
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
CREATE FUNCTION audit.purge_history(p_keep_for interval DEFAULT NULL, p_keep_runs_per_target integer DEFAULT NULL)
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
CREATE FUNCTION audit.reap_abandoned(p_claim_timeout interval DEFAULT interval '2 minutes')
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
           SET status = 'abandoned', finished_at = v_now, run_id = dead.run_id,
               outcome = pg_catalog.format('run %s %s', dead.run_id, dead.reason)
          FROM dead
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND (q.request_id OPERATOR(pg_catalog.=) dead.request_id OR q.run_id OPERATOR(pg_catalog.=) dead.run_id)
        RETURNING q.request_id
    )
    SELECT pg_catalog.count(*)::integer INTO v_runs FROM dead;

    -- Claims whose run ended but whose request was never completed (the agent lost its
    -- connection, or the server its last commit, between the two): the run's end is the
    -- request's. Left for p_claim_timeout after the run's end so a live agent completes it.
    WITH ended AS (
        UPDATE audit.run_request q
           SET status = CASE r.status WHEN 'succeeded' THEN 'done' WHEN 'skipped' THEN 'skipped'
                                      WHEN 'abandoned' THEN 'abandoned' ELSE 'failed' END,
               finished_at = v_now, run_id = r.run_id,
               outcome = pg_catalog.format('closed by the reaper: run %s ended %s at %s, the request was never completed',
                                           r.run_id, r.status, r.finished_at)
          FROM audit.run r
         WHERE q.status OPERATOR(pg_catalog.=) 'claimed'
           AND (r.request_id OPERATOR(pg_catalog.=) q.request_id OR r.run_id OPERATOR(pg_catalog.=) q.run_id)
           AND r.status OPERATOR(pg_catalog.<>) 'running'
           AND r.finished_at OPERATOR(pg_catalog.<) (v_now OPERATOR(pg_catalog.-) p_claim_timeout)
           AND NOT EXISTS (SELECT 1 FROM audit.run live
                            WHERE live.status OPERATOR(pg_catalog.=) 'running'
                              AND (live.request_id OPERATOR(pg_catalog.=) q.request_id OR live.run_id OPERATOR(pg_catalog.=) q.run_id))
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
                          AND (r.request_id OPERATOR(pg_catalog.=) q.request_id OR r.run_id OPERATOR(pg_catalog.=) q.run_id))
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
CREATE FUNCTION audit.refresh_lock_holder(p_matview regclass)
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
CREATE FUNCTION audit.refresh_lock_key(p_matview regclass)
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
-- per line; detail explains the choice in words.
CREATE FUNCTION audit.refresh_plan(p_target regclass)
RETURNS TABLE (step integer, level integer, matview text, relid oid, mode text, reason text,
               unique_index text, depends_on text[], warning text, detail text)
LANGUAGE sql
STABLE
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
)
SELECT pg_catalog.row_number() OVER (ORDER BY p.level, p.name)::integer,
       p.level, p.name, p.objid, rm.mode, rm.reason, rm.unique_index, COALESCE(d.depends_on, '{}'),
       rm.warning, rm.detail
  FROM planned p
  LEFT JOIN depends d ON d.matview OPERATOR(pg_catalog.=) p.name
  JOIN audit._refresh_modes((SELECT pg_catalog.array_agg(m.objid) FROM matview m)) AS rm
    ON rm.relid OPERATOR(pg_catalog.=) p.objid
 ORDER BY p.level, p.name
$$;
COMMENT ON FUNCTION audit.refresh_plan(regclass) IS
  'The materialized views of a target''s closure in refresh order: step, parallel level, mode (concurrently, plain, rebuild), reason, unique index, direct matview dependencies and warnings.';
-- Registers a view or materialized view as an mvcert target, or updates its policy.
-- Arguments left NULL keep the current value (or the default for a new target).
CREATE FUNCTION audit.register_target(
    p_target                  regclass,
    p_description             text     DEFAULT NULL,
    p_max_age                 interval DEFAULT NULL,
    p_export_max_age          interval DEFAULT NULL,
    p_statement_timeout       interval DEFAULT NULL,
    p_lock_timeout            interval DEFAULT NULL,
    p_day_column              text     DEFAULT NULL)
RETURNS audit.target
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := audit._require_view(p_target);
    v_row  audit.target;
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
    IF p_day_column IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) p_target
           AND a.attname OPERATOR(pg_catalog.=) p_day_column
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'mvcert: day column % does not exist in %', pg_catalog.quote_ident(p_day_column), v_name
            USING ERRCODE = 'undefined_column';
    END IF;

    INSERT INTO audit.target AS t (target, description, max_age, export_max_age,
                                   statement_timeout, lock_timeout, day_column)
    VALUES (v_name, p_description,
            coalesce(p_max_age, interval '24 hours'),
            coalesce(p_export_max_age, interval '24 hours'),
            coalesce(p_statement_timeout, interval '30 minutes'),
            coalesce(p_lock_timeout, interval '10 seconds'),
            p_day_column)
    ON CONFLICT (target) DO UPDATE SET
        description       = coalesce(EXCLUDED.description, t.description),
        max_age           = coalesce(p_max_age, t.max_age),
        export_max_age    = coalesce(p_export_max_age, t.export_max_age),
        statement_timeout = coalesce(p_statement_timeout, t.statement_timeout),
        lock_timeout      = coalesce(p_lock_timeout, t.lock_timeout),
        day_column        = coalesce(p_day_column, t.day_column)
    RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION audit.register_target(regclass, text, interval, interval, interval, interval, text) IS
  'Registers a view or materialized view as an mvcert target, or updates its policy (NULL arguments keep the current value).';
-- Called by ingestion jobs to report a batch of a feed: 'running' when it starts,
-- 'succeeded' or 'failed' when it ends (finished_at is set then). Creates the feed on
-- first use with the default max_age.
CREATE FUNCTION audit.report_feed_batch(p_feed text, p_batch_id text, p_status text, p_detail text DEFAULT NULL)
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
CREATE FUNCTION audit.request_run(
    p_target    regclass,
    p_mode      text DEFAULT 'incremental',
    p_reason    text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(p_mode, ARRAY['incremental', 'atomic', 'certify']);
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
-- Makes a registered target require an ingestion feed (created if new): its runs are
-- skipped while the feed's latest batch failed, is running, or is older than max_age.
CREATE FUNCTION audit.require_feed(p_target regclass, p_feed text, p_max_age interval DEFAULT NULL)
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
CREATE FUNCTION audit.reset_breaker(p_matview regclass)
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
-- Schedules runs of a target with pg_cron: a named job 'mvcert:<target>:<name>' (name
-- defaults to the mode) whose command is SELECT audit.request_run(...), so scheduled runs go
-- through the queue, are coalesced rather than stacked, and are run by an agent. Scheduling
-- the same target and name again replaces the job's schedule. Returns the pg_cron job id.
-- An invalid cron expression is refused with the expression named, before anything changes.
CREATE FUNCTION audit.schedule(
    p_target    regclass,
    p_cron      text,
    p_mode      text DEFAULT 'incremental',
    p_job_name  text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_target   text := audit._require_view(p_target);
    v_mode     text := audit._require_mode(p_mode, ARRAY['incremental', 'atomic', 'certify']);
    v_job      text := audit._cron_job_name(v_target, coalesce(p_job_name, v_mode));
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

    v_command := pg_catalog.format('SELECT audit.request_run(%L, %L, %L)', v_target, v_mode, 'pg_cron job ' || v_job);
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
COMMENT ON FUNCTION audit.schedule(regclass, text, text, text) IS
  'Admin: creates or replaces the pg_cron job ''mvcert:<target>:<name>'' that queues runs of the target (SELECT audit.request_run(...)); returns the job id.';
-- Sets the circuit-breaker policy for a materialized view, a target (the views refreshed for
-- it), or, with p_scope NULL, the default for all views. NULL threshold or cool-down keep
-- the current value (or the built-in default: 3 failures, 15 minutes).
CREATE FUNCTION audit.set_breaker_policy(
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
CREATE FUNCTION audit.set_hash_days(p_target regclass, p_days date[])
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
CREATE FUNCTION audit.try_refresh_lock(p_matview regclass)
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
CREATE FUNCTION audit.undeclare_dependency(p_dependent regclass, p_depends_on regclass)
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
CREATE FUNCTION audit.unschedule(p_target regclass, p_job_name text DEFAULT NULL)
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
-- The queue path of the SQL entry points: queue a request, COMMIT so an agent can see and
-- claim it, then poll (COMMIT between polls, so this session holds no snapshot while it
-- waits) until the request ends, and report the outcome: an error when p_raise (the default)
-- and the run did not end certified, a WARNING otherwise. Refuses at once, changing nothing,
-- when no agent is alive, and stops waiting when the agents go away or p_timeout passes.
-- Must be called outside an explicit transaction block (it commits).
CREATE PROCEDURE audit._request_and_wait(
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
    v_mode       text := audit._require_mode(p_mode, ARRAY['incremental', 'atomic', 'certify']);
    v_agent_gap  constant interval := interval '30 seconds';
    v_deadline   timestamptz;
    v_request    bigint;
    v_row        audit.run_request;
    v_message    text;
BEGIN
    IF p_raise IS NULL THEN
        RAISE EXCEPTION 'mvcert: p_raise must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'true raises an error when the run does not end certified; false only warns.';
    END IF;
    IF p_timeout IS NULL OR p_timeout OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'mvcert: timeout must be positive, got %', pg_catalog.quote_nullable(p_timeout)
            USING ERRCODE = 'invalid_parameter_value', HINT = 'e.g. interval ''30 minutes''';
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
    -- the request that actually ran.
    IF v_row.status OPERATOR(pg_catalog.=) 'done' AND v_row.certified THEN
        RAISE NOTICE 'mvcert: % certified (request %, run %)%', v_target, v_request, v_row.run_id,
            coalesce(': ' OPERATOR(pg_catalog.||) v_row.outcome, '');
        RETURN;
    END IF;
    v_message := pg_catalog.format('%s of %s did not end certified: request %s %s%s%s',
                    p_caller, v_target, v_request, v_row.status,
                    CASE WHEN v_row.run_id IS NOT NULL THEN pg_catalog.format(' (run %s)', v_row.run_id) ELSE '' END,
                    coalesce(': ' OPERATOR(pg_catalog.||) v_row.outcome, ''));
    IF p_raise THEN
        RAISE EXCEPTION 'mvcert: %', v_message
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('See audit.run_request (request_id = %s) and audit.run / audit.step for the run.', v_request);
    END IF;
    RAISE WARNING 'mvcert: %', v_message;
END
$$;
COMMENT ON PROCEDURE audit._request_and_wait(regclass, text, boolean, interval, text) IS
  'Internal: queues a request, commits, and waits (committing between polls) for an agent to finish it; raises or warns unless certified.';
-- Refreshes a target's closure and certifies it, from psql or pg_cron:
--   CALL audit.refresh_and_certify('ml.features_v', true);
-- Where the Java engine is deployed in-database (PL/Java) the work runs in this session;
-- otherwise it is handed to a running agent through the queue and this waits for the result
-- (committing while it waits; call it outside a transaction block). With p_raise (default)
-- it raises an error unless the target ends certified; with false it only warns.
CREATE PROCEDURE audit.refresh_and_certify(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_mode     text     DEFAULT 'incremental',
    p_timeout  interval DEFAULT interval '30 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
DECLARE
    v_outcome  text;
BEGIN
    PERFORM audit._require_view(p_target);
    PERFORM audit._require_mode(p_mode, ARRAY['incremental', 'atomic']);
    IF audit._pljava_available() THEN
        -- In this session, through the Java engine. COMMIT before reporting, so the history
        -- and a FAILED status are kept when the report raises (an atomic run that did not
        -- certify has already undone its refreshes). An assignment, not EXECUTE or SELECT
        -- INTO: PL/pgSQL evaluates it as a simple expression, the one way a Java function
        -- may be called from a procedure that later commits (as a statement, PL/Java's
        -- snapshot bookkeeping and the procedure's non-atomic execution collide).
        v_outcome := audit._run_in_database(p_target, p_mode, p_raise);
        COMMIT;
        PERFORM audit._report_in_database(v_outcome, p_raise, 'audit.refresh_and_certify');
        RETURN;
    END IF;
    CALL audit._request_and_wait(p_target, p_mode, p_raise, p_timeout, 'audit.refresh_and_certify');
END
$$;
COMMENT ON PROCEDURE audit.refresh_and_certify(regclass, boolean, text, interval) IS
  'Refreshes (mode incremental or atomic) and certifies a target, in-database with PL/Java or through an agent; raises unless certified when p_raise.';
-- Certifies a target as it is now, without refreshing, from psql or pg_cron:
--   CALL audit.run_certification('ml.features_v');
-- In-database where the Java engine is deployed (PL/Java), otherwise through a running
-- agent (queue mode 'certify'), waiting for the result; call it outside a transaction block.
-- With p_raise (default) it raises an error unless the target ends certified.
CREATE PROCEDURE audit.run_certification(
    p_target   regclass,
    p_raise    boolean  DEFAULT true,
    p_timeout  interval DEFAULT interval '10 minutes')
LANGUAGE plpgsql
-- No SET search_path here: a procedure with a SET clause cannot COMMIT. Every name below is
-- schema-qualified instead, operators included.
AS $$
DECLARE
    v_outcome  text;
BEGIN
    PERFORM audit._require_view(p_target);
    IF audit._pljava_available() THEN
        -- In this session, through the Java engine. COMMIT before reporting, so the history
        -- and a FAILED status are kept when the report raises (an atomic run that did not
        -- certify has already undone its refreshes). An assignment, not EXECUTE or SELECT
        -- INTO: PL/pgSQL evaluates it as a simple expression, the one way a Java function
        -- may be called from a procedure that later commits (as a statement, PL/Java's
        -- snapshot bookkeeping and the procedure's non-atomic execution collide).
        v_outcome := audit._run_in_database(p_target, 'certify', p_raise);
        COMMIT;
        PERFORM audit._report_in_database(v_outcome, p_raise, 'audit.run_certification');
        RETURN;
    END IF;
    CALL audit._request_and_wait(p_target, 'certify', p_raise, p_timeout, 'audit.run_certification');
END
$$;
COMMENT ON PROCEDURE audit.run_certification(regclass, boolean, interval) IS
  'Certifies a target without refreshing, in-database with PL/Java or through an agent; raises unless certified when p_raise.';
-- Circuit breakers as health checks and dashboards want them: one row per materialized view
-- that has a breaker row, with the policy in force (the view's own, else '*', else the
-- built-in default) and when an open breaker will allow its trial. Views without a row are
-- closed. audit.health joins this on matview.
CREATE VIEW audit.breaker_status AS
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
CREATE VIEW audit.health AS
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
       COALESCE(pg_catalog.cardinality(br.open_breakers) OPERATOR(pg_catalog.>) 0, false) AS breaker_open
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
  'Per target: certification status, age, stale flag, whether exports are allowed, and open circuit breakers of its views.';
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
GRANT EXECUTE ON FUNCTION audit.complete_request(bigint, text, bigint, text, boolean) TO mvcert_agent;
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
GRANT EXECUTE ON PROCEDURE audit._request_and_wait(regclass, text, boolean, interval, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._require_view(regclass, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._require_mode(text, text[], text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._live_agent_count(interval) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._pljava_available() TO mvcert_operator;
-- Admin: pg_cron schedules and breaker policy.
GRANT EXECUTE ON FUNCTION audit.schedule(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.unschedule(regclass, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.set_breaker_policy(regclass, integer, interval) TO mvcert_admin;

-- certify: certification, baselines, registry and gates.
-- The gates are for everybody (they only read; SECURITY DEFINER lets them read the registry).
GRANT EXECUTE ON FUNCTION audit.require_certified(regclass, interval) TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit.require_certified_strict(regclass, interval) TO PUBLIC;
GRANT EXECUTE ON FUNCTION audit._certification_gate(regclass, interval, boolean) TO PUBLIC;
-- Reader: what the certification engine reads (and helpers the functions below call).
GRANT EXECUTE ON FUNCTION audit._qualified_name(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._require_view(regclass, text) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._require_registered(regclass) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._definition_hash(text, oid) TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._matview_modifications(oid) TO mvcert_reader;
-- Operator (the engine's role): certification history, registry and baseline captures are
-- written only through these SECURITY DEFINER functions; no role has write grants on the
-- tables (audit.certification, audit.check_result, audit.registry, audit.certified_object,
-- audit.baseline*).
GRANT EXECUTE ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._publish_certification(bigint, text) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) TO mvcert_operator;
GRANT EXECUTE ON FUNCTION audit.mark_stale(regclass, text) TO mvcert_operator;
-- Admin: rules, baseline acceptance (the reviewed step), guarded views.
GRANT EXECUTE ON FUNCTION audit.accept_baseline(bigint, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_deny_rule(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_gate_rule(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.add_sql_assertion(regclass, text, text, text) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.set_hash_days(regclass, date[]) TO mvcert_admin;
GRANT EXECUTE ON FUNCTION audit.create_guarded_view(regclass, text, interval, boolean) TO mvcert_admin;
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

-- The agent runs the engine: the same history, lock, fingerprint and certification writers
-- an operator's in-database run uses (but not request_run, reset_breaker or schedule).
GRANT EXECUTE ON FUNCTION audit.try_refresh_lock(regclass) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.begin_run(regclass, text, text, bigint, text, interval, integer) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.finish_run(bigint, text, text, text[], text[]) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.begin_step(bigint, text, integer, integer, text, integer, bigint, integer) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.finish_step(bigint, text, text, text, text, bigint, bigint, text, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_input_fingerprint(regclass, jsonb, bigint, bigint) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_certification(regclass, bigint, timestamptz, text, jsonb) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._publish_certification(bigint, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._record_baseline_capture(regclass, text, jsonb) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit.mark_stale(regclass, text) TO mvcert_agent;
GRANT EXECUTE ON FUNCTION audit._require_single_query(text) TO mvcert_operator, mvcert_agent;

-- pljava: which execution path this database has (the Java-backed functions themselves are
-- created and granted by the engine jar's deployment descriptor, not by the extension).
GRANT EXECUTE ON FUNCTION audit.execution_path() TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._pljava_available() TO mvcert_reader;
GRANT EXECUTE ON FUNCTION audit._report_in_database(text, boolean, text) TO mvcert_operator;

-- pg_dump keeps the rows of configuration tables (not of history: that is operational).
-- Every configuration table is listed here, nowhere else.
SELECT pg_catalog.pg_extension_config_dump('audit.target', '');
SELECT pg_catalog.pg_extension_config_dump('audit.declared_dependency', '');
SELECT pg_catalog.pg_extension_config_dump('audit.breaker_policy', '');

-- certify: rules and reviewed baselines (with the sequences behind their identity columns).
SELECT pg_catalog.pg_extension_config_dump('audit.deny_rule', '');
SELECT pg_catalog.pg_extension_config_dump('audit.gate_rule', '');
SELECT pg_catalog.pg_extension_config_dump('audit.sql_assertion', '');
SELECT pg_catalog.pg_extension_config_dump('audit.hash_day', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture_capture_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_capture_item', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_change', '');
SELECT pg_catalog.pg_extension_config_dump('audit.baseline_change_change_id_seq', '');

-- refresh: feeds and history retention.
SELECT pg_catalog.pg_extension_config_dump('audit.feed', '');
SELECT pg_catalog.pg_extension_config_dump('audit.target_feed', '');
SELECT pg_catalog.pg_extension_config_dump('audit.history_retention', '');
