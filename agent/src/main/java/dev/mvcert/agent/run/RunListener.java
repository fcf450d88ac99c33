package dev.mvcert.agent.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import dev.mvcert.engine.refresh.StepResult;

/** Follows a run as it goes (terminal progress, tests). Called from worker threads: implementations must be thread-safe. */
public interface RunListener {

    RunListener NONE = new RunListener() { };

    default void runStarted(long runId, RefreshPlan plan) { }

    default void stepStarted(PlannedView view, int attempt) { }

    default void stepFinished(PlannedView view, StepResult result) { }

    /** A view never started (upstream_failed, breaker_open, cancelled). */
    default void stepSkipped(PlannedView view, String reason) { }

    default void runFinished(RunOutcome outcome) { }
}
