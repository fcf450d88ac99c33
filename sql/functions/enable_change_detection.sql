-- Installs the event triggers that catch REFRESH and DDL on objects of certified closures,
-- whoever runs them (audit._on_closure_ddl, audit._on_closure_drop). CREATE EXTENSION does
-- this when run by a superuser; elsewhere (a non-superuser install, the flat script) a
-- superuser runs it once. ENABLE ALWAYS: they fire under session_replication_role = replica
-- too. Idempotent. Not SECURITY DEFINER: creating event triggers needs a superuser caller.
CREATE FUNCTION audit.enable_change_detection()
RETURNS boolean
LANGUAGE plpgsql
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_trigger   record;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        RAISE EXCEPTION 'mvcert: only a superuser can install change detection (event triggers); % is not one', CURRENT_USER
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask a superuser to run SELECT audit.enable_change_detection(); until then use audit.require_certified_strict.';
    END IF;
    FOR v_trigger IN
        SELECT * FROM (VALUES ('mvcert_closure_ddl', 'ddl_command_end', 'audit._on_closure_ddl()'),
                              ('mvcert_closure_drop', 'sql_drop', 'audit._on_closure_drop()')) t(name, event, fn)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger e WHERE e.evtname OPERATOR(pg_catalog.=) v_trigger.name) THEN
            EXECUTE pg_catalog.format('CREATE EVENT TRIGGER %I ON %s EXECUTE FUNCTION %s',
                                      v_trigger.name, v_trigger.event, v_trigger.fn);
        END IF;
        EXECUTE pg_catalog.format('ALTER EVENT TRIGGER %I ENABLE ALWAYS', v_trigger.name);
        -- an extension's objects must belong to it, so DROP EXTENSION removes them too
        IF EXISTS (SELECT FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'mvcert')
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_event_trigger e ON e.oid OPERATOR(pg_catalog.=) d.objid
                            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                              AND e.evtname OPERATOR(pg_catalog.=) v_trigger.name AND d.deptype OPERATOR(pg_catalog.=) 'e') THEN
            EXECUTE pg_catalog.format('ALTER EXTENSION mvcert ADD EVENT TRIGGER %I', v_trigger.name);
        END IF;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION audit.enable_change_detection() IS
  'Installs the event triggers that move certified targets to STALE when anyone REFRESHes or alters an object of their closure (superuser only; CREATE EXTENSION does it when run by a superuser).';
