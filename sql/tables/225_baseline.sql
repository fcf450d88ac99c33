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
