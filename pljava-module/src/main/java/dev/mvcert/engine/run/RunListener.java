package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;

/**
 * Follows a run as it goes (the agent's heartbeat, metrics and terminal progress; tests). Called
 * from the threads steps run on: implementations must be thread-safe.
 */
public interface RunListener {

    RunListener NONE = new RunListener() { };

    /** The run row exists and its context is loaded. */
    default void runStarted(RunContext run) { }

    default void stepStarted(RunContext run, PlannedView view, int attempt) { }

    /** An attempt ended (refreshed, skipped by the step itself, or failed). */
    default void stepFinished(RunContext run, PlannedView view, StepResult result) { }

    /** A view was never started (upstream not refreshed, breaker open, fail-fast, cancelled, ...). */
    default void stepSkipped(RunContext run, PlannedView view, StepResult result) { }

    default void runFinished(RunResult result) { }

    /** Tells both, in order. */
    static RunListener both(RunListener first, RunListener second) {
        return new RunListener() {
            @Override
            public void runStarted(RunContext run) {
                first.runStarted(run);
                second.runStarted(run);
            }

            @Override
            public void stepStarted(RunContext run, PlannedView view, int attempt) {
                first.stepStarted(run, view, attempt);
                second.stepStarted(run, view, attempt);
            }

            @Override
            public void stepFinished(RunContext run, PlannedView view, StepResult result) {
                first.stepFinished(run, view, result);
                second.stepFinished(run, view, result);
            }

            @Override
            public void stepSkipped(RunContext run, PlannedView view, StepResult result) {
                first.stepSkipped(run, view, result);
                second.stepSkipped(run, view, result);
            }

            @Override
            public void runFinished(RunResult result) {
                first.runFinished(result);
                second.runFinished(result);
            }
        };
    }
}
