package dev.mvcert.agent.run;

import java.time.Duration;
import java.util.List;

/**
 * How a run ended, as the agent reports it (exit code, queue outcome, metrics).
 *
 * @param runId       the audit.run row, null when the run never started (e.g. unknown target)
 * @param staleViews  views of the closure left with their previous snapshot
 * @param failedChecks for NOT_CERTIFIED: the failing checks, "check object: detail"
 */
public record RunOutcome(Long runId, Kind kind, String reason, List<String> staleViews, List<String> failedChecks,
                         Duration duration) {

    public enum Kind {
        /** Refreshed (or nothing needed refreshing) and certified. */
        CERTIFIED,
        /** Refreshed, but certification failed. */
        NOT_CERTIFIED,
        /** A refresh step failed. */
        REFRESH_FAILED,
        /** Not run: required feed failed, breaker open, target busy. */
        SKIPPED,
        /** Stopped by shutdown. */
        CANCELLED
    }

    public boolean certified() {
        return kind == Kind.CERTIFIED;
    }

    /** The run status written to the queue request ('done' or 'failed' etc. are decided by the caller). */
    public String summary() {
        StringBuilder b = new StringBuilder(kind.name().toLowerCase());
        if (reason != null) {
            b.append(": ").append(reason);
        }
        if (!staleViews.isEmpty()) {
            b.append(" (stale: ").append(String.join(", ", staleViews)).append(')');
        }
        return b.toString();
    }
}
