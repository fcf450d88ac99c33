-- Change detection: installed when the extension is created by a superuser (event triggers
-- need one). Otherwise the install goes on without it and says so; audit.change_detection()
-- and audit.health report it, and a superuser can run audit.enable_change_detection() later.
DO $$
BEGIN
    IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        PERFORM audit.enable_change_detection();
    ELSE
        RAISE WARNING 'mvcert: change detection is off: % is not a superuser, so REFRESH and DDL run outside mvcert on certified closures are not caught', CURRENT_USER
            USING HINT = 'A superuser can run SELECT audit.enable_change_detection(); until then readers should use audit.require_certified_strict.';
    END IF;
END
$$;
