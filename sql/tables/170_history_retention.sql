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
