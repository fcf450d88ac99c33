package dev.mvcert.agent.report;

import dev.mvcert.agent.report.RunReport.Attempt;
import dev.mvcert.agent.report.RunReport.Run;

/**
 * How a node of the closure graph came out of the run, with the colour and symbol the page
 * draws it in. The order is severity (a plain refresh blocked readers; a view skipped as
 * unchanged needed nothing): a collapsed group shows its worst member.
 */
enum ViewOutcome {
    SKIPPED_UNCHANGED("skipped: inputs unchanged", "=", "#bbdefb", "#0d2b45"),
    REFRESHED_CONCURRENTLY("refreshed concurrently", "\u2713", "#2e7d32", "#ffffff"),
    REFRESHED_PLAIN("refreshed plainly", "\u2713", "#00838f", "#ffffff"),
    NOT_IN_RUN("not in this run", "\u2013", "#eeeeee", "#424242"),
    RUNNING("running", "\u25b6", "#7986cb", "#ffffff"),
    SKIPPED_LOCKED("skipped: locked elsewhere", "\u2298", "#fdd835", "#3e2723"),
    STALE("stale: not refreshed", "!", "#ef6c00", "#ffffff"),
    FAILED("failed", "\u2717", "#c62828", "#ffffff"),
    TARGET_CERTIFIED("target: certified by this run", "\u2605", "#1b5e20", "#ffffff"),
    TARGET_NOT_CERTIFIED("target: certification failed", "\u2605", "#b71c1c", "#ffffff"),
    TARGET_NO_CERTIFICATION("target: no certification in this run", "\u2606", "#ffffff", "#212121");

    final String label;
    final String symbol;
    final String fill;
    final String ink;

    ViewOutcome(String label, String symbol, String fill, String ink) {
        this.label = label;
        this.symbol = symbol;
        this.fill = fill;
        this.ink = ink;
    }

    /** The CSS class and data-outcome value: "failed", "skipped-locked", ... */
    String key() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    boolean isTarget() {
        return name().startsWith("TARGET_");
    }

    /**
     * A view's outcome from its last attempt in the run; a view without a step row is stale when
     * the run lists it among its stale views (a run skipped before any step), else not in the run.
     */
    static ViewOutcome of(Attempt last, Run run, String matview) {
        if (last == null) {
            return run != null && run.staleViews().contains(matview) ? STALE : NOT_IN_RUN;
        }
        return switch (last.status()) {
            case "running" -> RUNNING;
            case "succeeded" -> "concurrently".equals(last.modeUsed()) ? REFRESHED_CONCURRENTLY : REFRESHED_PLAIN;
            case "failed" -> FAILED;
            case "skipped" -> switch (String.valueOf(last.skipReason())) {
                case "inputs_unchanged" -> SKIPPED_UNCHANGED;
                case "locked_elsewhere" -> SKIPPED_LOCKED;
                default -> STALE;
            };
            default -> STALE; // abandoned, cancelled
        };
    }

    /** The target node: whether this run's certification passed. */
    static ViewOutcome ofTarget(RunReport report) {
        RunReport.Certification c = report.certification();
        if (report.run() == null || c == null || c.runId() == null || c.runId() != report.run().id()) {
            return TARGET_NO_CERTIFICATION;
        }
        return c.certified() ? TARGET_CERTIFIED : TARGET_NOT_CERTIFIED;
    }
}
