package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.RefreshPlan;

/**
 * Everything a run's steps need, loaded once when it starts and handed to every step: the run
 * id, the canonical target, the mode and step order in effect, the target's policy, the plan
 * (with expected durations), the request (force, who asked), and what kept the target's
 * required feeds from being ready when the run started (null when they were).
 */
public record RunContext(long runId, String target, RunMode mode, StepOrder order, TargetPolicy policy,
                         RefreshPlan plan, RunRequest request, String feedProblem) {

    /** Whether the step of a view may skip it when its inputs are unchanged. */
    public boolean skipUnchanged() {
        return policy.skipUnchanged() && !request.force();
    }
}
