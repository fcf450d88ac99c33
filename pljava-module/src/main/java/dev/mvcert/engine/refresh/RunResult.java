package dev.mvcert.engine.refresh;

import java.util.List;

/**
 * How a run ended. {@code publish} is the caller's decision in atomic mode: commit when true,
 * roll back when false (incremental runs have committed step by step; publish says whether
 * every view was refreshed or skipped as unchanged). {@code staleViews}: views the run failed
 * or did not refresh for another reason than unchanged inputs; {@code needsMaintenance}:
 * views skipped for an invalid index outside the maintenance window.
 */
public record RunResult(long runId, String target, RunMode mode, RunStatus status, String reason,
                        List<StepResult> steps, List<String> staleViews, List<String> needsMaintenance,
                        Certifier.Verdict certification, boolean publish) {
    public RunResult {
        steps = List.copyOf(steps);
        staleViews = List.copyOf(staleViews);
        needsMaintenance = List.copyOf(needsMaintenance);
    }
}
