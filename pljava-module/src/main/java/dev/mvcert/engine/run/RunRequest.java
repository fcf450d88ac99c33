package dev.mvcert.engine.run;

import java.time.Duration;

/**
 * What to run: a target and, when the caller has a say, its mode (null: the target's run_mode),
 * who asked (and the queue request it serves), who executes it ("agent:host-1", "pljava"),
 * its heartbeat lease, force (refresh even views whose inputs are unchanged) and the order of
 * ready views (null: the target's step_order). Start from {@link #of(String)} and use the withers.
 */
public record RunRequest(String target, RunMode mode, String requestedBy, Long requestId, String executor,
                         Duration lease, boolean force, StepOrder order) {

    public RunRequest {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("target must name a view or materialized view, got '" + target + "'");
        }
        if (lease != null && (lease.isNegative() || lease.isZero())) {
            throw new IllegalArgumentException("lease must be positive, got " + lease);
        }
    }

    public static RunRequest of(String target) {
        return new RunRequest(target, null, null, null, null, null, false, null);
    }

    public RunRequest withMode(RunMode value) { return new RunRequest(target, value, requestedBy, requestId, executor, lease, force, order); }
    public RunRequest withRequestedBy(String value) { return new RunRequest(target, mode, value, requestId, executor, lease, force, order); }
    public RunRequest withRequestId(Long value) { return new RunRequest(target, mode, requestedBy, value, executor, lease, force, order); }
    public RunRequest withExecutor(String value) { return new RunRequest(target, mode, requestedBy, requestId, value, lease, force, order); }
    public RunRequest withLease(Duration value) { return new RunRequest(target, mode, requestedBy, requestId, executor, value, force, order); }
    public RunRequest withForce(boolean value) { return new RunRequest(target, mode, requestedBy, requestId, executor, lease, value, order); }
    public RunRequest withOrder(StepOrder value) { return new RunRequest(target, mode, requestedBy, requestId, executor, lease, force, value); }
}
