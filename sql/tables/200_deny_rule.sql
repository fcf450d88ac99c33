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
