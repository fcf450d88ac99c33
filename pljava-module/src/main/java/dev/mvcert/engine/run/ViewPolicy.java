package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.StepResult;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What the run's caller decides per view, around the engine's steps: whether the view may start
 * at all (the agent asks its circuit breaker), how often it is tried (the agent retries
 * retryable failures with backoff within a budget), and what its final result means for the
 * caller (the breaker records it). {@link #NONE}: every view starts, one attempt each.
 */
public interface ViewPolicy {

    ViewPolicy NONE = new ViewPolicy() { };

    /** One attempt of the view (a step row of its own); numbered from 1. */
    @FunctionalInterface
    interface Attempt {
        StepResult run(int number) throws SQLException;
    }

    /** Why the view must not start now (recorded as the step's skip reason, e.g. breaker_open), or empty. */
    default Optional<String> refusal(RunContext run, PlannedView view) throws SQLException {
        return Optional.empty();
    }

    /**
     * Runs the view's attempts and returns the last result. {@code retriesAllowed} is false where
     * a failed attempt ends the transaction (atomic runs, in-database): then exactly one attempt.
     */
    default StepResult attempts(RunContext run, PlannedView view, Attempt attempt, boolean retriesAllowed) throws SQLException {
        return attempt.run(1);
    }

    /** The view's final result in this run (after retries). */
    default void finished(RunContext run, PlannedView view, StepResult result) throws SQLException {
    }
}
