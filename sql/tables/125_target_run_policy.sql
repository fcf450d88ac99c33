-- How a target's runs are made when the caller does not say (the CLI, the queue and
-- audit.schedule all use these):
--   run_mode    incremental: each view publishes as soon as it is refreshed, readers of the
--               target fail closed from the first publish until certification passes;
--               atomic: every refresh and the certification in one transaction, readers keep the
--               last certified snapshot until the new one is published at once
--   fail_fast   stop starting views after the first failure (runbook 07: cheap views first, so a
--               data problem shows before the heaviest view runs)
--   step_order  among views ready to start: cheapest_first (by the median of their recent
--               refreshes; views without history last) or critical_path_first (longest remaining
--               chain first, to shorten the whole run)
ALTER TABLE audit.target
    ADD COLUMN run_mode text NOT NULL DEFAULT 'incremental',
    ADD COLUMN fail_fast boolean NOT NULL DEFAULT false,
    ADD COLUMN step_order text NOT NULL DEFAULT 'cheapest_first',
    ADD CONSTRAINT target_run_mode_known CHECK (run_mode IN ('incremental', 'atomic')),
    ADD CONSTRAINT target_step_order_known CHECK (step_order IN ('cheapest_first', 'critical_path_first'));
COMMENT ON COLUMN audit.target.run_mode IS
  'Default run mode: incremental (readers fail closed during the run) or atomic (readers keep the last certified snapshot; locks held until publish).';
COMMENT ON COLUMN audit.target.fail_fast IS 'Stop starting views after the first failed one.';
COMMENT ON COLUMN audit.target.step_order IS 'Order among ready views: cheapest_first (runbook 07) or critical_path_first.';
