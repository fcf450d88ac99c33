package dev.mvcert.engine.certify;

import java.time.Duration;
import java.util.List;

/**
 * What {@code Mvcert.certify} found and recorded: one {@link CheckResult} per check and object;
 * for a STALE outcome, why (what changed in the closure while the checks ran).
 */
public record CertificationResult(String target, long certificationId, Long runId, CertificationStatus status,
                                  List<CheckResult> results, Duration duration, String staleReason) {

    public CertificationResult {
        results = List.copyOf(results);
    }

    public boolean certified() {
        return status == CertificationStatus.CERTIFIED;
    }

    public List<CheckResult> failures() {
        return results.stream().filter(r -> !r.passed()).toList();
    }

    /** One line per failure, for logs and exceptions. */
    public String failureSummary() {
        if (status == CertificationStatus.STALE && failures().isEmpty()) {
            return "every check passed, but " + (staleReason == null ? "the closure changed while certification ran; certify again"
                    : staleReason.replaceFirst("^certification \\d+ passed, but ", ""));
        }
        StringBuilder text = new StringBuilder();
        for (CheckResult failure : failures()) {
            text.append(failure.check()).append(' ').append(failure.object()).append(": ").append(failure.detail()).append('\n');
        }
        return text.toString().strip();
    }
}
