package dev.mvcert.engine.refresh;

import dev.mvcert.engine.errors.ErrorClass;
import java.time.Duration;

/**
 * How one step ended: refreshed (mode used, rows after, query id), skipped (reason such as
 * locked_elsewhere, inputs_unchanged, needs_maintenance:invalid_index, upstream_failed) or
 * failed (error class, retryable, SQLSTATE, message). {@code decision} says why in words.
 */
public record StepResult(long stepId, String matview, StepStatus status, String modeUsed, String skipReason,
                         String decision, Long rowsAfter, Long queryId, Duration duration, ErrorClass errorClass,
                         boolean retryable, String sqlState, String message) {

    public boolean succeeded() { return status == StepStatus.SUCCEEDED; }
    public boolean failed() { return status == StepStatus.FAILED; }
    public boolean skipped() { return status == StepStatus.SKIPPED; }
}
