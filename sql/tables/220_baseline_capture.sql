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
