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
