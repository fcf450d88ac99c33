package dev.mvcert.agent.report;

import dev.mvcert.agent.report.RunReport.Attempt;
import dev.mvcert.agent.report.RunReport.PastDurations;
import dev.mvcert.agent.report.RunReport.PlanEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes every section of the page talks about: each materialized view of the closure (as
 * planned now, plus any the run refreshed that the plan no longer has) and the target, with
 * its level, outcome, attempts and anchors. Ordered by level, schema and name; the target last.
 */
final class ClosureViews {

    /** One node. {@code dependsOn} are names of other nodes. */
    record View(int index, String name, String schema, String relname, int level, PlanEntry plan, ViewOutcome outcome,
                List<Attempt> attempts, PastDurations past, List<String> dependsOn, boolean target) {

        String anchor() {
            return "view-" + index;
        }

        String timelineAnchor() {
            return "step-" + index;
        }

        Attempt last() {
            return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
        }

        /** Rows after the last successful attempt of this run, else null. */
        Long rows() {
            for (int i = attempts.size() - 1; i >= 0; i--) {
                if ("succeeded".equals(attempts.get(i).status())) {
                    return attempts.get(i).rowsAfter();
                }
            }
            return null;
        }

        String modeAndReason() {
            if (plan == null) {
                return target ? "target (not a materialized view)" : "no longer in the plan";
            }
            if (plan.reason() == null || plan.reason().startsWith(plan.mode())) {
                return plan.reason() == null ? plan.mode() : plan.reason();
            }
            return plan.mode() + " (" + plan.reason() + ")";
        }
    }

    final List<View> views;
    final Map<String, View> byName = new LinkedHashMap<>();
    final int maxLevel;

    private ClosureViews(List<View> views) {
        this.views = views;
        views.forEach(v -> byName.put(v.name(), v));
        this.maxLevel = views.stream().mapToInt(View::level).max().orElse(0);
    }

    static ClosureViews of(RunReport report) {
        Map<String, List<Attempt>> attempts = new LinkedHashMap<>();
        for (Attempt a : report.attempts()) {
            attempts.computeIfAbsent(a.matview(), k -> new ArrayList<>()).add(a);
        }
        attempts.values().forEach(list -> list.sort(Comparator.comparing(Attempt::startedAt).thenComparingInt(Attempt::attempt)));
        record Node(String name, int level, PlanEntry plan, List<String> dependsOn) {
        }
        List<Node> nodes = new ArrayList<>();
        Set<String> planned = new HashSet<>();
        Set<String> dependedOn = new HashSet<>();
        for (PlanEntry p : report.plan()) {
            nodes.add(new Node(p.matview(), p.level(), p, p.dependsOn()));
            planned.add(p.matview());
            dependedOn.addAll(p.dependsOn());
        }
        for (Map.Entry<String, List<Attempt>> e : attempts.entrySet()) {
            if (!planned.contains(e.getKey())) {
                Integer level = e.getValue().get(0).planLevel();
                nodes.add(new Node(e.getKey(), level == null ? 0 : level, null, List.of()));
            }
        }
        int top = nodes.stream().mapToInt(Node::level).max().orElse(-1);
        boolean targetPlanned = planned.contains(report.target());
        if (!targetPlanned) {
            // A matview no other matview reads is read by the target itself (through plain views).
            List<String> direct = report.plan().stream().map(PlanEntry::matview).filter(m -> !dependedOn.contains(m)).toList();
            nodes.add(new Node(report.target(), top + 1, null, direct));
        }
        nodes.sort(Comparator.comparing((Node n) -> n.name().equals(report.target()) && !targetPlanned)
                .thenComparingInt(Node::level)
                .thenComparing(n -> schemaOf(n.name()))
                .thenComparing(Node::name));
        List<View> views = new ArrayList<>();
        for (Node n : nodes) {
            boolean isTarget = n.name().equals(report.target());
            List<Attempt> own = attempts.getOrDefault(n.name(), List.of());
            ViewOutcome outcome = isTarget && !targetPlanned ? ViewOutcome.ofTarget(report)
                    : ViewOutcome.of(own.isEmpty() ? null : own.get(own.size() - 1), report.run(), n.name());
            String schema = schemaOf(n.name());
            String relname = n.name().length() > schema.length() + 1 ? unquote(n.name().substring(schema.length() + 1)) : n.name();
            views.add(new View(views.size() + 1, n.name(), unquote(schema), relname, n.level(), n.plan(), outcome, own,
                    report.pastDurations().get(n.name()), n.dependsOn(), isTarget));
        }
        return new ClosureViews(views);
    }

    View get(String name) {
        return byName.get(name);
    }

    /** The schema part of a canonical name as written (quoted when the name needs quotes). */
    static String schemaOf(String qualified) {
        if (qualified.startsWith("\"")) {
            int i = 1;
            while (i < qualified.length()) {
                if (qualified.charAt(i) == '"') {
                    if (i + 1 < qualified.length() && qualified.charAt(i + 1) == '"') {
                        i += 2;
                        continue;
                    }
                    return qualified.substring(0, i + 1);
                }
                i++;
            }
            return qualified;
        }
        int dot = qualified.indexOf('.');
        return dot < 0 ? "" : qualified.substring(0, dot);
    }

    /** An identifier as a person reads it: without the quotes %I added. */
    static String unquote(String identifier) {
        if (identifier.length() >= 2 && identifier.startsWith("\"") && identifier.endsWith("\"")) {
            return identifier.substring(1, identifier.length() - 1).replace("\"\"", "\"");
        }
        return identifier;
    }
}
