-- Records that an object changed in the transaction calling it, and moves every target whose
-- certified closure holds the object out of CERTIFIED (to STALE, with the reason), so no
-- reader sees the change as certified: the gates read the registry row this updates, and the
-- update becomes visible exactly when the change does. Called by mvcert's refresh steps
-- before each REFRESH (p_run_id names the run) and by the change-detection event triggers
-- for REFRESH and DDL run by anyone (p_run_id NULL). An object in no certified closure costs
-- one index lookup. A change is recorded once per target and transaction. Returns how many
-- targets left CERTIFIED.
CREATE FUNCTION audit._invalidate(p_classid oid, p_objid oid, p_command text, p_run_id bigint DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
    v_hit       record;
    v_reason    text;
    v_moved     integer := 0;
    v_run       audit.run;
    v_left      boolean;
BEGIN
    FOR v_hit IN
        SELECT o.target, o.object FROM audit.certified_object o
         WHERE o.objid OPERATOR(pg_catalog.=) p_objid AND o.classid OPERATOR(pg_catalog.=) p_classid
         ORDER BY o.target
    LOOP
        IF EXISTS (SELECT FROM audit.closure_change c
                    WHERE c.target OPERATOR(pg_catalog.=) v_hit.target
                      AND c.xact OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()
                      AND c.objid OPERATOR(pg_catalog.=) p_objid) THEN
            CONTINUE;
        END IF;
        IF p_run_id IS NOT NULL THEN
            SELECT * INTO v_run FROM audit.run r WHERE r.run_id OPERATOR(pg_catalog.=) p_run_id;
            v_reason := pg_catalog.format('mvcert run %s (%s) published %s; readers fail closed until the run''s certification passes',
                                          p_run_id, COALESCE(v_run.mode, 'unknown mode'), v_hit.object);
        ELSE
            v_reason := pg_catalog.format('%s of %s by %s at %s, outside mvcert; certify %s again',
                                          p_command, v_hit.object, SESSION_USER,
                                          pg_catalog.date_trunc('second', pg_catalog.clock_timestamp()), v_hit.target);
        END IF;
        UPDATE audit.registry r
           SET status = 'STALE', status_since = pg_catalog.clock_timestamp(), stale_reason = v_reason
         WHERE r.target OPERATOR(pg_catalog.=) v_hit.target AND r.status OPERATOR(pg_catalog.=) 'CERTIFIED';
        v_left := FOUND;
        INSERT INTO audit.closure_change (target, object, objid, command, run_id, invalidated)
        VALUES (v_hit.target, v_hit.object, p_objid, p_command, p_run_id, v_left);
        IF v_left THEN
            v_moved := v_moved OPERATOR(pg_catalog.+) 1;
        END IF;
    END LOOP;
    RETURN v_moved;
END
$$;
COMMENT ON FUNCTION audit._invalidate(oid, oid, text, bigint) IS
  'Internal: records a change of an object of certified closures and moves their targets from CERTIFIED to STALE in the changing transaction.';
