package dev.mvcert.engine.run;

/**
 * The target's rules for its runs, read once at the start of a run (audit._run_policy): the
 * per-step timeouts (as PostgreSQL setting values), prefer_plain, skip_unchanged, whether the
 * maintenance window is open now, fail_fast, its defaults for mode and step order, whether
 * it is a registered target at all (only those can be certified), and whether a certification of
 * it ever passed (an atomic run of a target never certified has no certified snapshot to keep
 * readers on: it publishes what it refreshed, certified or not).
 */
public record TargetPolicy(String statementTimeout, String lockTimeout, boolean preferPlain, boolean skipUnchanged,
                           boolean inMaintenanceWindow, boolean failFast, RunMode defaultMode, StepOrder defaultOrder,
                           boolean registered, boolean everCertified) {
}
