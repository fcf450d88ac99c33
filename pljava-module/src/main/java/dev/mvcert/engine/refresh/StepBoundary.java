package dev.mvcert.engine.refresh;

import java.sql.SQLException;

/**
 * Called by an incremental run after each step, with the work connection's transaction still
 * open: the caller commits it (step succeeded or skipped) or rolls it back (step failed) and
 * leaves the connection ready for the next step. The engine itself never commits.
 */
@FunctionalInterface
public interface StepBoundary {
    void afterStep(StepResult result) throws SQLException;
}
