package dev.mvcert.engine.refresh;

import java.time.Duration;
import java.util.List;

/**
 * One row of {@code audit.refresh_plan}: a materialized view, its position, the mode the plan
 * chose ('concurrently' | 'plain' | 'rebuild') and why, the views it waits for, how long its
 * refresh is expected to take (median of its recent refreshes; null without history), and
 * whether it lies on the plan's critical path (the longest expected chain).
 */
public record PlannedView(int step, int level, String matview, String mode, String reason,
                          String uniqueIndex, List<String> dependsOn, String warning, Duration expectedDuration,
                          boolean criticalPath) {
    public PlannedView {
        dependsOn = List.copyOf(dependsOn);
    }
}
