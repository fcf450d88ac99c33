-- Refresh policy of a target that belongs to the refresh engine: whether views whose
-- inputs have not changed since their last successful refresh are skipped. Added to
-- audit.target here so the policy stays in one row per target.
ALTER TABLE audit.target
    ADD COLUMN skip_unchanged boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN audit.target.skip_unchanged IS
  'Skip a materialized view of the closure when none of its inputs changed since mvcert last refreshed it (see audit.input_fingerprint).';
