package dev.mvcert.engine.run;

import dev.mvcert.engine.certify.CertificationResult;
import dev.mvcert.engine.refresh.StepResult;
import java.time.Duration;
import java.util.List;

/**
 * How a run ended: its outcome (the one vocabulary, also in audit.run.status), why, every step
 * attempt, the views left with their previous snapshot (failed, or not refreshed for another
 * reason than unchanged inputs), the views needing a maintenance-window rebuild, and the
 * certification when one ran. {@link #publish()} is the caller's decision in atomic mode:
 * commit when true, roll back otherwise (incremental runs have committed step by step). An
 * atomic run publishes when certified, and when its target was never certified (a bootstrap:
 * there is no certified snapshot to keep readers on).
 */
public record RunResult(long runId, String target, RunMode mode, RunOutcome outcome, String reason,
                        List<StepResult> steps, List<String> staleViews, List<String> needsMaintenance,
                        CertificationResult certification, Duration duration, boolean publish) {

    public RunResult {
        steps = List.copyOf(steps);
        staleViews = List.copyOf(staleViews);
        needsMaintenance = List.copyOf(needsMaintenance);
    }

    public boolean certified() {
        return outcome == RunOutcome.CERTIFIED;
    }

    /** The failing checks as "check object: detail", for reports. */
    public List<String> failedChecks() {
        return certification == null ? List.of()
                : certification.failures().stream()
                        .map(c -> c.check() + (c.object() == null ? "" : " " + c.object()) + (c.detail() == null ? "" : ": " + c.detail()))
                        .toList();
    }
}
