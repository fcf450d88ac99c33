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
