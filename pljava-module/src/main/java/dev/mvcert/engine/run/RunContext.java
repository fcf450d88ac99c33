package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.RefreshPlan;

/**
 * Everything a run's steps need, loaded once when it starts and handed to every step: the run
 * id, the canonical target, the mode and step order in effect, the target's policy, the plan
 * (with expected durations) and the request (force, who asked).
 */
public record RunContext(long runId, String target, RunMode mode, StepOrder order, TargetPolicy policy,
                         RefreshPlan plan, RunRequest request) {

    /** Whether the step of a view may skip it when its inputs are unchanged. */
    public boolean skipUnchanged() {
        return policy.skipUnchanged() && !request.force();
    }
}
