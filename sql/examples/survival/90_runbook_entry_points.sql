-- Runbook 001's own entry points for the survival feature store, as thin wrappers over the
-- generic ones, so its commands work as written:
--   CALL audit.refresh_and_certify_survival_v1(true);
--   CALL audit.run_t0_cert_survival_v1();
-- Loaded after the example and the mvcert extension exist. Both commit while an agent works
-- (or run in-database with PL/Java): call them outside a transaction block. The runbook's
-- procedure refreshes and certifies in one transaction: its wrapper makes an atomic run, so
-- readers keep the last certified snapshot until the new one is certified.

CREATE OR REPLACE PROCEDURE audit.refresh_and_certify_survival_v1(p_raise boolean DEFAULT true)
LANGUAGE plpgsql
-- No SET search_path: a procedure with a SET clause cannot commit; names are qualified.
AS $$
BEGIN
    CALL audit.refresh_and_certify('ml.survival_feature_store_t0_v1_v'::regclass, p_raise, 'atomic');
END
$$;
COMMENT ON PROCEDURE audit.refresh_and_certify_survival_v1(boolean) IS
  'Runbook 001: refreshes and certifies ml.survival_feature_store_t0_v1_v in one atomic run (audit.refresh_and_certify).';

CREATE OR REPLACE PROCEDURE audit.run_t0_cert_survival_v1()
LANGUAGE plpgsql
AS $$
BEGIN
    CALL audit.run_certification('ml.survival_feature_store_t0_v1_v'::regclass, true);
END
$$;
COMMENT ON PROCEDURE audit.run_t0_cert_survival_v1() IS
  'Runbook 001: certifies ml.survival_feature_store_t0_v1_v without refreshing; raises unless certified (audit.run_certification).';

GRANT EXECUTE ON PROCEDURE audit.refresh_and_certify_survival_v1(boolean) TO mvcert_operator;
GRANT EXECUTE ON PROCEDURE audit.run_t0_cert_survival_v1() TO mvcert_operator;
