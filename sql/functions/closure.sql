-- Everything a view or materialized view depends on, transitively: the views and
-- materialized views it reads (expanded in turn), the tables and other relations under
-- them (leaves: a table's own sequences and types are not followed), the user functions
-- the views call (system functions are left out), what functions with BEGIN ATOMIC bodies
-- read and call (other function bodies are not parsed here; certification reads them),
-- and the edges users declared with audit.declare_dependency. One row per object, at
-- its shortest distance from the target (the target itself at depth 0); `parent` is the
-- object at depth - 1 through which it was first reached, so following parents prints
-- the path target -> ... -> object, and `via` says whether that last edge is recorded by
-- PostgreSQL ('catalog') or declared ('declared'); both are NULL for the target.
-- `relid` is the pg_class oid of a relation, or the pg_proc oid of a function.
-- System catalogs and system views (pg_catalog, information_schema, pg_toast) the views
-- read are listed too, found in the stored query when pg_depend does not record them
-- (pinned catalogs such as pg_class), with `untracked` true: their contents are the
-- server's state, which changes without any DDL, refresh or statistics counter mvcert
-- could observe. They are leaves: what a system view reads is not followed.
-- A cycle (only possible through declared edges or functions) raises invalid_recursion
-- naming it as a path `a -> b -> a` and what each edge is.
CREATE FUNCTION audit.closure(p_target regclass)
RETURNS TABLE (relation text, relid oid, kind text, depth integer, parent text, via text, untracked boolean)
LANGUAGE sql
STABLE
ROWS 100
SET search_path TO pg_catalog, pg_temp
AS $$
    SELECT g.name, g.objid, g.kind, g.depth, g.parent, g.via, g.untracked
      FROM audit._closure_graph(p_target) AS g
     ORDER BY g.depth, g.name
$$;
COMMENT ON FUNCTION audit.closure(regclass) IS
  'Every relation and user function a view or materialized view depends on, transitively (catalog and declared edges), with depth, kind, the parent it was first reached through, and whether it is an untracked system catalog or view.';
