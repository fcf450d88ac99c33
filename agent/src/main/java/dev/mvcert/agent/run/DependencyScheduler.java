package dev.mvcert.agent.run;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Runs one task per view on at most {@code parallel} threads, starting each view as soon as
 * every view it depends on has finished well (rather than level by level, so one slow view
 * does not hold back unrelated ones). A view whose input did not finish well is not started:
 * it and, transitively, its dependents are reported as skipped. Each view runs at most once.
 */
final class DependencyScheduler {

    /** A view to run and the views (of the same run) it reads. Dependencies outside the run are ignored. */
    record Node(String name, List<String> dependsOn) {}

    /** The work for one view; returns whether its dependents may run. */
    @FunctionalInterface
    interface ViewTask {
        boolean run(Node node) throws Exception;
    }

    /** Told about views that are never started, and why ("upstream_failed", "cancelled"). */
    @FunctionalInterface
    interface SkipListener {
        void skipped(Node node, String reason, String detail);
    }

    private final int parallel;

    DependencyScheduler(int parallel) {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel must be at least 1, got " + parallel);
        }
        this.parallel = parallel;
    }

    /**
     * Runs every node; returns, per view name, whether it finished well (skipped views: false).
     * {@code stopping} is checked before each start: once it is true, nothing new starts and the
     * rest is reported as cancelled. A task that throws counts as not finished well; the first
     * such exception is rethrown after every started task has ended.
     */
    Map<String, Boolean> run(List<Node> nodes, ViewTask task, SkipListener skips, BooleanSupplier stopping) throws Exception {
        Map<String, Node> byName = new LinkedHashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        Map<String, Set<String>> waitingOn = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (Node n : nodes) {
            Set<String> inputs = new HashSet<>();
            for (String d : n.dependsOn()) {
                if (byName.containsKey(d) && !d.equals(n.name())) {
                    inputs.add(d);
                    dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(n.name());
                }
            }
            waitingOn.put(n.name(), inputs);
        }
        Map<String, Boolean> outcome = new LinkedHashMap<>();
        List<String> ready = new ArrayList<>();
        for (Node n : nodes) {
            if (waitingOn.get(n.name()).isEmpty()) {
                ready.add(n.name());
            }
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, Math.max(1, nodes.size())), r -> {
            Thread t = new Thread(r, "mvcert-refresh-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        CompletionService<Finished> done = new ExecutorCompletionService<>(pool);
        Exception firstFailure = null;
        int running = 0;
        try {
            while (outcome.size() < byName.size()) {
                while (!ready.isEmpty()) {
                    String name = ready.remove(0);
                    Node node = byName.get(name);
                    if (stopping.getAsBoolean()) {
                        skipTransitively(node, "cancelled", "the agent is shutting down", byName, dependents, outcome, skips);
                        continue;
                    }
                    running++;
                    done.submit(() -> {
                        try {
                            return new Finished(name, task.run(node), null);
                        } catch (Exception e) {
                            return new Finished(name, false, e);
                        }
                    });
                }
                if (running == 0) {
                    // Nothing runs and nothing is ready: everything left waits on skipped views
                    // (already reported) or the plan has a cycle the planner would have refused.
                    for (Node n : byName.values()) {
                        if (!outcome.containsKey(n.name())) {
                            skipTransitively(n, "upstream_failed", "an input did not finish", byName, dependents, outcome, skips);
                        }
                    }
                    break;
                }
                Finished f;
                try {
                    f = done.take().get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
                running--;
                outcome.put(f.name, f.ok);
                if (f.error != null && firstFailure == null) {
                    firstFailure = f.error;
                }
                for (String dependent : dependents.getOrDefault(f.name, List.of())) {
                    if (outcome.containsKey(dependent)) {
                        continue;
                    }
                    if (!f.ok) {
                        skipTransitively(byName.get(dependent), "upstream_failed", "input " + f.name + " did not finish",
                                byName, dependents, outcome, skips);
                    } else {
                        Set<String> inputs = waitingOn.get(dependent);
                        inputs.remove(f.name);
                        if (inputs.isEmpty()) {
                            ready.add(dependent);
                        }
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        if (firstFailure != null) {
            throw firstFailure;
        }
        return outcome;
    }

    private static void skipTransitively(Node node, String reason, String detail, Map<String, Node> byName,
                                         Map<String, List<String>> dependents, Map<String, Boolean> outcome, SkipListener skips) {
        if (outcome.containsKey(node.name())) {
            return;
        }
        outcome.put(node.name(), false);
        skips.skipped(node, reason, detail);
        for (String d : dependents.getOrDefault(node.name(), List.of())) {
            skipTransitively(byName.get(d), reason, "input " + node.name() + " was skipped (" + reason + ")",
                    byName, dependents, outcome, skips);
        }
    }

    private record Finished(String name, boolean ok, Exception error) {}
}
