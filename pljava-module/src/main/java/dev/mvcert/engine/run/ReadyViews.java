package dev.mvcert.engine.run;

import dev.mvcert.engine.refresh.PlannedView;
import dev.mvcert.engine.refresh.RefreshPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The views of a run that may start now, in the order the run wants them, and what the end of
 * each view means for the views that read it: a view starts once every view of the plan it
 * depends on ended well (refreshed, or unchanged); when one did not, every view downstream of it
 * is blocked. Not thread-safe: the orchestrator owns it.
 */
final class ReadyViews {

    /** A view that will not start because an upstream view did not end well. */
    record Blocked(PlannedView view, String upstream) {}

    private final Map<String, PlannedView> byName = new LinkedHashMap<>();
    private final Map<String, Set<String>> waitingOn = new HashMap<>();
    private final Map<String, List<String>> dependents = new HashMap<>();
    private final Map<String, Duration> remainingPath = new HashMap<>();
    private final PriorityQueue<PlannedView> ready;
    private final Set<String> ended = new HashSet<>();

    ReadyViews(RefreshPlan plan, StepOrder order) {
        for (PlannedView v : plan.views()) {
            byName.put(v.matview(), v);
        }
        for (PlannedView v : plan.views()) {
            Set<String> inputs = new HashSet<>();
            for (String d : v.dependsOn()) {
                if (byName.containsKey(d) && !d.equals(v.matview())) {
                    inputs.add(d);
                    dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(v.matview());
                }
            }
            waitingOn.put(v.matview(), inputs);
        }
        // plan steps are a topological order: walk it backwards to get each view's longest remaining chain
        List<PlannedView> reversed = new ArrayList<>(plan.views());
        reversed.sort((a, b) -> Integer.compare(b.step(), a.step()));
        for (PlannedView v : reversed) {
            Duration longestAfter = Duration.ZERO;
            for (String d : dependents.getOrDefault(v.matview(), List.of())) {
                Duration after = remainingPath.getOrDefault(d, Duration.ZERO);
                if (after.compareTo(longestAfter) > 0) {
                    longestAfter = after;
                }
            }
            remainingPath.put(v.matview(), longestAfter.plus(orZero(v.expectedDuration())));
        }
        // Written out, not composed with Comparator.comparing and thenComparing: the JDK generates
        // the classes of its own combinators' lambdas when a process first uses them (the agent's
        // class-data archive cannot hold them), a few milliseconds before a run's first step.
        Comparator<PlannedView> cmp = order == StepOrder.CRITICAL_PATH_FIRST
                // the longest remaining chain first
                ? (a, b) -> {
                    int byPath = remainingPath.get(b.matview()).compareTo(remainingPath.get(a.matview()));
                    return byPath != 0 ? byPath : Integer.compare(a.step(), b.step());
                }
                // cheapest first; views without history last
                : (a, b) -> {
                    int byHistory = Boolean.compare(a.expectedDuration() == null, b.expectedDuration() == null);
                    if (byHistory != 0) {
                        return byHistory;
                    }
                    int byCost = orZero(a.expectedDuration()).compareTo(orZero(b.expectedDuration()));
                    return byCost != 0 ? byCost : Integer.compare(a.step(), b.step());
                };
        ready = new PriorityQueue<>(cmp);
        for (PlannedView v : plan.views()) {
            if (waitingOn.get(v.matview()).isEmpty()) {
                ready.add(v);
            }
        }
    }

    boolean hasReady() {
        return !ready.isEmpty();
    }

    PlannedView take() {
        return ready.remove();
    }

    /** Views not started yet (ready or waiting), in plan order, and forgets them: for a run that stops starting views. */
    List<PlannedView> drain() {
        List<PlannedView> left = byName.values().stream().filter(v -> !ended.contains(v.matview())).toList();
        ready.clear();
        ended.addAll(left.stream().map(PlannedView::matview).toList());
        return left;
    }

    /** Marks a started view ended; returns the views it blocks (transitively) when it did not end well. */
    List<Blocked> ended(PlannedView view, boolean well) {
        ended.add(view.matview());
        List<Blocked> blocked = new ArrayList<>();
        for (String dependent : dependents.getOrDefault(view.matview(), List.of())) {
            if (ended.contains(dependent)) {
                continue;
            }
            if (well) {
                Set<String> inputs = waitingOn.get(dependent);
                inputs.remove(view.matview());
                if (inputs.isEmpty()) {
                    ready.add(byName.get(dependent));
                }
            } else {
                block(byName.get(dependent), view.matview(), blocked);
            }
        }
        return blocked;
    }

    /** Expected time from the start of each view to the end of the longest chain it begins. */
    Duration remainingPath(String matview) {
        return remainingPath.getOrDefault(matview, Duration.ZERO);
    }

    private void block(PlannedView view, String upstream, List<Blocked> out) {
        if (ended.contains(view.matview())) {
            return;
        }
        ended.add(view.matview());
        ready.remove(view);
        out.add(new Blocked(view, upstream));
        for (String d : dependents.getOrDefault(view.matview(), List.of())) {
            block(byName.get(d), view.matview(), out);
        }
    }

    private static Duration orZero(Duration d) {
        return d == null ? Duration.ZERO : d;
    }
}
