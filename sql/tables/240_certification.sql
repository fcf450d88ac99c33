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
