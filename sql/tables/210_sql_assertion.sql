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
