-- Event trigger (ddl_command_end): REFRESH MATERIALIZED VIEW and DDL (CREATE OR REPLACE, ALTER,
-- CREATE/DROP INDEX, rules, policies, ...) on an object of a certified closure moves its
-- targets out of CERTIFIED in the transaction that runs the command, whoever runs it.
-- A change to a part of a relation (an index, a rule, a policy, a constraint) counts as a
-- change of the relation. Comments and security labels change no rows and are ignored.
CREATE FUNCTION audit._on_closure_ddl()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_cmd   record;
    v_rel   oid;
BEGIN
    FOR v_cmd IN SELECT c.classid, c.objid, c.command_tag FROM pg_catalog.pg_event_trigger_ddl_commands() c LOOP
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) ANY (ARRAY['COMMENT', 'SECURITY LABEL']) THEN
            CONTINUE;
        END IF;
        -- an mvcert refresh step's own REFRESH: audit._step_done invalidates, naming the run
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) 'REFRESH MATERIALIZED VIEW'
           AND pg_catalog.current_setting('mvcert.step_matview', true) OPERATOR(pg_catalog.=) v_cmd.objid::text THEN
            CONTINUE;
        END IF;
        PERFORM audit._invalidate(v_cmd.classid, v_cmd.objid, v_cmd.command_tag);
        -- a REFRESH outside an mvcert step (those were passed over above) makes the row count
        -- mvcert recorded for the view unknown: the next step counts again
        IF v_cmd.command_tag OPERATOR(pg_catalog.=) 'REFRESH MATERIALIZED VIEW' THEN
            UPDATE audit.input_fingerprint f SET rows_after = NULL
             WHERE f.matview_oid OPERATOR(pg_catalog.=) v_cmd.objid AND f.rows_after IS NOT NULL;
        END IF;
        v_rel := CASE v_cmd.classid
                   WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN
                     (SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
                     (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass THEN
                     (SELECT p.polrelid FROM pg_catalog.pg_policy p WHERE p.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
                     (SELECT t.tgrelid FROM pg_catalog.pg_trigger t WHERE t.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
                     (SELECT c.conrelid FROM pg_catalog.pg_constraint c WHERE c.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                   WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN
                     (SELECT d.adrelid FROM pg_catalog.pg_attrdef d WHERE d.oid OPERATOR(pg_catalog.=) v_cmd.objid)
                 END;
        IF v_rel IS NOT NULL AND v_rel OPERATOR(pg_catalog.<>) 0 THEN
            PERFORM audit._invalidate('pg_catalog.pg_class'::pg_catalog.regclass, v_rel, v_cmd.command_tag);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION audit._on_closure_ddl() IS
  'Internal (event trigger mvcert_closure_ddl): REFRESH and DDL on an object of a certified closure move its targets to STALE in the same transaction.';
