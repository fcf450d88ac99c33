package dev.mvcert.engine.refresh;

import java.util.List;

/** The materialized views of a target's closure in refresh order. */
public record RefreshPlan(String target, List<PlannedView> views) {
    public RefreshPlan {
        views = List.copyOf(views);
    }
}
