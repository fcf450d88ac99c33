package dev.mvcert.agent.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the run report shows about one run of one target, read in one snapshot by
 * {@link RunReportReader}. {@code run} is null when the target has never run; {@code certification}
 * is that run's certification, else the target's latest one, else null.
 */
public record RunReport(String target, Instant generatedAt, Run run, List<PlanEntry> plan, List<Attempt> attempts,
                        Map<String, PastDurations> pastDurations, Certification certification, Status status,
                        List<OpenBreaker> openBreakers) {

    /** One row of audit.run. */
    public record Run(long id, String mode, String status, String executor, String requestedBy, Instant startedAt,
                      Instant finishedAt, String reason, List<String> staleViews) {

        /** The end of the run, or {@code now} while it is still running. */
        Instant endOr(Instant now) {
            return finishedAt != null ? finishedAt : now;
        }
    }

    /** One row of audit.refresh_plan(target): a materialized view of the closure. */
    public record PlanEntry(int step, int level, String matview, String mode, String reason, List<String> dependsOn,
                            String warning) {
    }

    /** One row of audit.step: one attempt to refresh one view in the run. */
    public record Attempt(long stepId, String matview, Integer planLevel, int attempt, String status, String modeUsed,
                          String skipReason, String decision, Instant startedAt, Instant finishedAt, Long rowsAfter,
                          String errorClass, String sqlState, String errorMessage) {

        Duration duration(Instant now) {
            return Duration.between(startedAt, finishedAt != null ? finishedAt : now);
        }
    }

    /** The median duration of a view's previous successful refreshes. */
    public record PastDurations(int samples, double medianSeconds) {
    }

    /** One row of audit.certification with its audit.check_result rows. */
    public record Certification(long id, Long runId, String status, Instant startedAt, Instant finishedAt,
                                String executor, List<Check> checks) {

        boolean certified() {
            return "CERTIFIED".equals(status);
        }
    }

    public record Check(int ordinal, String name, String object, boolean passed, String detail) {
    }

    /** The target's row of audit.health. */
    public record Status(String status, String registryStatus, Instant certifiedAt, Double ageSeconds, String maxAge,
                         boolean exportsAllowed, String exportMaxAge, String staleReason, List<String> failingChecks,
                         Long lastCertificationId, Long certifiedRunId, String stuckRequest) {
    }

    /** A breaker of a closure view that is not closed (audit.breaker_status). */
    public record OpenBreaker(String matview, String state, int consecutiveFailures, int threshold, Instant openedAt,
                              Instant trialAfter, String lastError) {
    }
}
