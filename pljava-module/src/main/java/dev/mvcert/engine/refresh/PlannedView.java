package dev.mvcert.engine.refresh;

import java.util.List;

/**
 * One row of {@code audit.refresh_plan}: a materialized view, its position, the mode the plan
 * chose ('concurrently' | 'plain' | 'rebuild') and why, and the views it waits for.
 */
public record PlannedView(int step, int level, String matview, String mode, String reason,
                          String uniqueIndex, List<String> dependsOn, String warning) {
    public PlannedView {
        dependsOn = List.copyOf(dependsOn);
    }
}
