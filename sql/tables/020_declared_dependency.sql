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
