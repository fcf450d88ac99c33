package dev.mvcert.engine.refresh;

import java.time.Duration;
import java.util.Objects;

/**
 * How a run is started: mode, who asked (and the queue request it serves), who executes it
 * ("agent:host-1", "backend"), its heartbeat lease, and force (refresh even views whose inputs
 * are unchanged). Start from {@link #defaults()} and use the withers.
 */
public record RunOptions(RunMode mode, String requestedBy, Long requestId, String executor, Duration lease, boolean force) {

    public RunOptions {
        Objects.requireNonNull(mode, "mode");
        if (lease != null && (lease.isNegative() || lease.isZero())) {
            throw new IllegalArgumentException("lease must be positive, got " + lease);
        }
    }

    public static RunOptions defaults() {
        return new RunOptions(RunMode.INCREMENTAL, null, null, null, null, false);
    }

    public RunOptions withMode(RunMode value) { return new RunOptions(value, requestedBy, requestId, executor, lease, force); }
    public RunOptions withRequestedBy(String value) { return new RunOptions(mode, value, requestId, executor, lease, force); }
    public RunOptions withRequestId(Long value) { return new RunOptions(mode, requestedBy, value, executor, lease, force); }
    public RunOptions withExecutor(String value) { return new RunOptions(mode, requestedBy, requestId, value, lease, force); }
    public RunOptions withLease(Duration value) { return new RunOptions(mode, requestedBy, requestId, executor, value, force); }
    public RunOptions withForce(boolean value) { return new RunOptions(mode, requestedBy, requestId, executor, lease, value); }
}
