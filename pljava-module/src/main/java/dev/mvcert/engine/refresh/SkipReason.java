package dev.mvcert.engine.refresh;

/** Why a view was not refreshed in a run: the values of audit.step.skip_reason the engine writes. */
public final class SkipReason {

    private SkipReason() {}

    /** Another session holds the view's refresh lock (it is being refreshed now). */
    public static final String LOCKED_ELSEWHERE = "locked_elsewhere";
    /** None of its inputs changed since mvcert last refreshed it. */
    public static final String INPUTS_UNCHANGED = "inputs_unchanged";
    /** An invalid unique index, outside the target's maintenance window. */
    public static final String NEEDS_MAINTENANCE = "needs_maintenance:invalid_index";
    /** A view it reads failed or was not refreshed in this run. */
    public static final String UPSTREAM_NOT_REFRESHED = "upstream_not_refreshed";
    /** An earlier step of this atomic run failed (or a view of it may not run): nothing is published. */
    public static final String ATOMIC_RUN_FAILED = "atomic_run_failed";
    /** The target's fail_fast: an earlier view failed. */
    public static final String FAIL_FAST = "fail_fast";
    /** The run was asked to stop (shutdown, signal). */
    public static final String CANCELLED = "cancelled";

    /** Whether a view skipped for this reason holds data as current as a refresh would have made it. */
    public static boolean current(String reason) {
        return INPUTS_UNCHANGED.equals(reason) || LOCKED_ELSEWHERE.equals(reason);
    }
}
