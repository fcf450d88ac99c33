package dev.mvcert.agent.report;

import static dev.mvcert.agent.report.Html.escape;
import static dev.mvcert.agent.report.Html.n;

import dev.mvcert.agent.report.ClosureViews.View;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The closure graph as inline SVG: one column per plan level, one node per view coloured by its
 * outcome, edges from depends_on. Above {@link #COLLAPSE_ABOVE} views it draws one box per
 * schema and level instead (count, worst outcome, a bar of the outcomes), so a 1,000-view
 * closure stays readable; the views table beside it always lists every view.
 */
final class ClosureGraph {

    static final int COLLAPSE_ABOVE = 150;

    private static final int NODE_W = 220;
    private static final int NODE_H = 36;
    private static final int GROUP_H = 52;
    private static final int V_GAP = 10;
    private static final int COL_GAP = 64;
    private static final int HEADER = 26;
    private static final int PAD = 8;

    private final ClosureViews closure;

    ClosureGraph(ClosureViews closure) {
        this.closure = closure;
    }

    boolean collapsed() {
        return closure.views.size() > COLLAPSE_ABOVE;
    }

    String svg(String target) {
        return collapsed() ? collapsedSvg(target) : detailedSvg(target);
    }

    // --- one node per view ----------------------------------------------------------------

    private String detailedSvg(String target) {
        List<List<View>> columns = orderedColumns();
        Map<String, double[]> at = new HashMap<>();
        int rows = 0;
        for (int level = 0; level < columns.size(); level++) {
            List<View> column = columns.get(level);
            rows = Math.max(rows, column.size());
            for (int i = 0; i < column.size(); i++) {
                at.put(column.get(i).name(), new double[] {x(level), HEADER + PAD + i * (NODE_H + V_GAP)});
            }
        }
        StringBuilder svg = open(columns.size(), HEADER + PAD * 2 + rows * (NODE_H + V_GAP), "Closure graph of " + target);
        headers(svg, columns.size());
        svg.append("<g class=\"edges\">");
        for (View v : closure.views) {
            for (String dep : v.dependsOn()) {
                double[] from = at.get(dep);
                double[] to = at.get(v.name());
                if (from != null && to != null) {
                    View source = closure.get(dep);
                    boolean broken = v.outcome() == ViewOutcome.STALE && source.outcome().ordinal() >= ViewOutcome.SKIPPED_LOCKED.ordinal();
                    edge(svg, from, NODE_H, to, NODE_H, broken, source.name() + " \u2192 " + v.name());
                }
            }
        }
        svg.append("</g><g class=\"nodes\">");
        for (View v : closure.views) {
            double[] p = at.get(v.name());
            node(svg, v, p[0], p[1]);
        }
        return svg.append("</g></svg>").toString();
    }

    /** Views per level, each level ordered by where its dependencies sit (fewer crossing edges). */
    private List<List<View>> orderedColumns() {
        List<List<View>> columns = new ArrayList<>();
        for (int i = 0; i <= closure.maxLevel; i++) {
            columns.add(new ArrayList<>());
        }
        closure.views.forEach(v -> columns.get(v.level()).add(v));
        Map<String, Integer> position = new HashMap<>();
        for (List<View> column : columns) {
            Map<String, Double> key = new HashMap<>();
            for (int i = 0; i < column.size(); i++) {
                View v = column.get(i);
                double sum = 0;
                int known = 0;
                for (String dep : v.dependsOn()) {
                    Integer p = position.get(dep);
                    if (p != null) {
                        sum += p;
                        known++;
                    }
                }
                key.put(v.name(), known == 0 ? i : sum / known);
            }
            column.sort(Comparator.comparingDouble((View v) -> key.get(v.name())).thenComparing(View::name));
            for (int i = 0; i < column.size(); i++) {
                position.put(column.get(i).name(), i);
            }
        }
        return columns;
    }

    private void node(StringBuilder svg, View v, double x, double y) {
        ViewOutcome o = v.outcome();
        svg.append("<a href=\"#").append(v.anchor()).append("\"><g class=\"node\" id=\"node-").append(v.index())
           .append("\" data-view=\"").append(escape(v.name())).append("\" data-outcome=\"").append(o.key()).append("\">")
           .append("<title>").append(escape(nodeTitle(v))).append("</title>")
           .append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(NODE_W)
           .append("\" height=\"").append(NODE_H).append("\" rx=\"5\" fill=\"").append(o.fill)
           .append("\" stroke=\"").append(v.target() ? "#000000" : "#37474f").append("\" stroke-width=\"")
           .append(v.target() ? 3 : 1).append("\"").append(o == ViewOutcome.NOT_IN_RUN ? " stroke-dasharray=\"4 3\"" : "").append("/>")
           .append("<text x=\"").append(n(x + 8)).append("\" y=\"").append(n(y + 15)).append("\" fill=\"").append(o.ink)
           .append("\" class=\"n1\">").append(escape(o.symbol + " " + Html.shorten(v.relname(), 30))).append("</text>")
           .append("<text x=\"").append(n(x + 8)).append("\" y=\"").append(n(y + 29)).append("\" fill=\"").append(o.ink)
           .append("\" class=\"n2\">").append(escape(Html.shorten(nodeSubtitle(v), 22))).append("</text>")
           .append("</g></a>");
        if (!v.attempts().isEmpty()) {
            // A second link, beside the node's own: straight to its row in the timeline.
            svg.append("<a href=\"#").append(v.timelineAnchor()).append("\" class=\"to-timeline\"><title>")
               .append(escape(v.name() + ": timeline")).append("</title><text x=\"").append(n(x + NODE_W - 8)).append("\" y=\"")
               .append(n(y + 29)).append("\" text-anchor=\"end\" fill=\"").append(o.ink).append("\" class=\"n2\">\u25a4 timeline</text></a>");
        }
    }

    private static String nodeSubtitle(View v) {
        Long rows = v.rows();
        return v.schema() + (rows != null ? " \u00b7 " + Html.count(rows) + " rows" : v.target() ? " \u00b7 target" : "");
    }

    static String nodeTitle(View v) {
        StringBuilder t = new StringBuilder(v.name()).append('\n').append(v.outcome().label);
        t.append("\nmode: ").append(v.modeAndReason());
        Long rows = v.rows();
        t.append("\nrows after refresh: ").append(rows == null ? "\u2014" : Html.count(rows));
        if (!v.attempts().isEmpty()) {
            t.append("\nattempts: ").append(v.attempts().size());
            RunReport.Attempt last = v.last();
            if (last.skipReason() != null) {
                t.append("\nskipped: ").append(last.skipReason());
            }
            if (last.errorMessage() != null) {
                t.append("\nerror: ").append(last.errorClass()).append(' ').append(last.sqlState()).append(": ")
                 .append(Html.shorten(last.errorMessage(), 200));
            }
        }
        return t.toString();
    }

    // --- one box per schema and level ------------------------------------------------------

    private record Group(int index, int level, String schema, List<View> views) {
        ViewOutcome worst() {
            return views.stream().map(View::outcome).max(Comparator.naturalOrder()).orElse(ViewOutcome.NOT_IN_RUN);
        }

        Map<ViewOutcome, Integer> counts() {
            Map<ViewOutcome, Integer> counts = new EnumMap<>(ViewOutcome.class);
            views.forEach(v -> counts.merge(v.outcome(), 1, Integer::sum));
            return counts;
        }
    }

    private String collapsedSvg(String target) {
        Map<String, Group> groups = new LinkedHashMap<>();
        Map<String, Group> groupOf = new HashMap<>();
        View targetNode = null;
        for (View v : closure.views) {
            if (v.target() && v.plan() == null) {
                targetNode = v;
                continue;
            }
            Group g = groups.computeIfAbsent(v.level() + "\u0000" + v.schema(),
                    k -> new Group(groups.size() + 1, v.level(), v.schema(), new ArrayList<>()));
            g.views().add(v);
            groupOf.put(v.name(), g);
        }
        List<List<Group>> columns = new ArrayList<>();
        for (int i = 0; i <= closure.maxLevel; i++) {
            columns.add(new ArrayList<>());
        }
        groups.values().forEach(g -> columns.get(g.level()).add(g));
        int rows = 0;
        Map<Group, double[]> at = new HashMap<>();
        for (int level = 0; level < columns.size(); level++) {
            List<Group> column = columns.get(level);
            rows = Math.max(rows, column.size());
            for (int i = 0; i < column.size(); i++) {
                at.put(column.get(i), new double[] {x(level), HEADER + PAD + i * (GROUP_H + V_GAP)});
            }
        }
        double[] targetAt = null;
        if (targetNode != null) {
            targetAt = new double[] {x(targetNode.level()), HEADER + PAD};
            rows = Math.max(rows, 1);
        }
        StringBuilder svg = open(columns.size(), HEADER + PAD * 2 + rows * (GROUP_H + V_GAP),
                "Closure graph of " + target + ", one box per schema and level");
        headers(svg, columns.size());
        // Edges between groups, each drawn once with how many view edges it stands for.
        Map<String, Integer> edges = new LinkedHashMap<>();
        Map<String, Group[]> ends = new HashMap<>();
        for (View v : closure.views) {
            for (String dep : v.dependsOn()) {
                Group from = groupOf.get(dep);
                if (from == null) {
                    continue;
                }
                if (v == targetNode) {
                    ends.putIfAbsent("t" + from.index(), new Group[] {from, null});
                    edges.merge("t" + from.index(), 1, Integer::sum);
                    continue;
                }
                Group to = groupOf.get(v.name());
                if (to == null || to == from) {
                    continue;
                }
                String key = from.index() + ">" + to.index();
                ends.putIfAbsent(key, new Group[] {from, to});
                edges.merge(key, 1, Integer::sum);
            }
        }
        svg.append("<g class=\"edges\">");
        for (Map.Entry<String, Integer> e : edges.entrySet()) {
            Group[] fromTo = ends.get(e.getKey());
            double[] to = fromTo[1] == null ? targetAt : at.get(fromTo[1]);
            String toName = fromTo[1] == null ? target : fromTo[1].schema() + " (level " + fromTo[1].level() + ")";
            edge(svg, at.get(fromTo[0]), GROUP_H, to, fromTo[1] == null ? NODE_H : GROUP_H, false, fromTo[0].schema() + " (level " + fromTo[0].level() + ") \u2192 "
                    + toName + ": " + e.getValue() + " dependencies");
        }
        svg.append("</g><g class=\"nodes\">");
        for (Group g : groups.values()) {
            group(svg, g, at.get(g));
        }
        if (targetNode != null) {
            node(svg, targetNode, targetAt[0], targetAt[1]);
        }
        return svg.append("</g></svg>").toString();
    }

    private void group(StringBuilder svg, Group g, double[] p) {
        ViewOutcome worst = g.worst();
        Map<ViewOutcome, Integer> counts = g.counts();
        StringBuilder title = new StringBuilder(g.schema()).append(", level ").append(g.level()).append(": ")
                .append(g.views().size()).append(" views");
        List<ViewOutcome> severe = new ArrayList<>(counts.keySet());
        severe.sort(Comparator.reverseOrder());
        StringBuilder summary = new StringBuilder();
        for (ViewOutcome o : severe) {
            title.append('\n').append(counts.get(o)).append(' ').append(o.label);
        }
        for (int i = 0; i < Math.min(2, severe.size()); i++) {
            summary.append(i == 0 ? "" : ", ").append(counts.get(severe.get(i))).append(' ').append(shortLabel(severe.get(i)));
        }
        double x = p[0];
        double y = p[1];
        svg.append("<a href=\"#").append(g.views().get(0).anchor()).append("\"><g class=\"group\" data-schema=\"")
           .append(escape(g.schema())).append("\" data-level=\"").append(g.level()).append("\" data-views=\"")
           .append(g.views().size()).append("\" data-outcome=\"").append(worst.key()).append("\">")
           .append("<title>").append(escape(title.toString())).append("</title>")
           .append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(NODE_W)
           .append("\" height=\"").append(GROUP_H).append("\" rx=\"5\" fill=\"").append(worst.fill)
           .append("\" stroke=\"#37474f\"/>")
           .append("<text x=\"").append(n(x + 8)).append("\" y=\"").append(n(y + 15)).append("\" fill=\"").append(worst.ink)
           .append("\" class=\"n1\">").append(escape(worst.symbol + " " + Html.shorten(g.schema(), 22) + " \u00d7" + g.views().size()))
           .append("</text><text x=\"").append(n(x + 8)).append("\" y=\"").append(n(y + 30)).append("\" fill=\"").append(worst.ink)
           .append("\" class=\"n2\">").append(escape(Html.shorten(summary.toString(), 38))).append("</text>");
        // A bar of the outcomes, in severity order, so the mix shows at a glance.
        double bx = x + 8;
        double width = NODE_W - 16;
        for (ViewOutcome o : severe) {
            double w = width * counts.get(o) / g.views().size();
            svg.append("<rect x=\"").append(n(bx)).append("\" y=\"").append(n(y + 38)).append("\" width=\"").append(n(Math.max(w, 1)))
               .append("\" height=\"7\" fill=\"").append(o.fill).append("\" stroke=\"#ffffff\" stroke-width=\"0.5\"/>");
            bx += w;
        }
        svg.append("</g></a>");
    }

    private static String shortLabel(ViewOutcome o) {
        return switch (o) {
            case REFRESHED_CONCURRENTLY -> "concurrent";
            case REFRESHED_PLAIN -> "plain";
            case SKIPPED_UNCHANGED -> "unchanged";
            case SKIPPED_LOCKED -> "locked";
            case NOT_IN_RUN -> "not run";
            default -> o.label;
        };
    }

    // --- shared drawing --------------------------------------------------------------------

    private static double x(int level) {
        return PAD + level * (NODE_W + COL_GAP);
    }

    private static StringBuilder open(int levels, double height, String title) {
        double width = PAD * 2 + levels * NODE_W + (levels - 1) * COL_GAP;
        StringBuilder svg = new StringBuilder(16_384);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"graph-svg\" width=\"").append(n(width)).append("\" height=\"")
           .append(n(height)).append("\" viewBox=\"0 0 ").append(n(width)).append(' ').append(n(height))
           .append("\" role=\"img\" aria-labelledby=\"graph-svg-title\"><title id=\"graph-svg-title\">").append(escape(title))
           .append("</title><defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
           .append("<path d=\"M0,0 L8,4 L0,8 z\" fill=\"#78909c\"/></marker>")
           .append("<marker id=\"arrow-broken\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
           .append("<path d=\"M0,0 L8,4 L0,8 z\" fill=\"#ef6c00\"/></marker></defs>");
        return svg;
    }

    private void headers(StringBuilder svg, int levels) {
        boolean targetColumn = closure.views.stream().anyMatch(v -> v.target() && v.plan() == null);
        for (int level = 0; level < levels; level++) {
            String label = targetColumn && level == levels - 1 ? "target" : "level " + level;
            svg.append("<text x=\"").append(n(x(level) + NODE_W / 2.0)).append("\" y=\"16\" class=\"colhead\" text-anchor=\"middle\">")
               .append(label).append("</text>");
        }
    }

    private static void edge(StringBuilder svg, double[] from, int fromHeight, double[] to, int toHeight, boolean broken,
                             String title) {
        double x1 = from[0] + NODE_W;
        double y1 = from[1] + fromHeight / 2.0;
        double x2 = to[0];
        double y2 = to[1] + toHeight / 2.0;
        double bend = Math.max(COL_GAP / 2.0, Math.abs(x2 - x1) / 3);
        svg.append("<path d=\"M").append(n(x1)).append(',').append(n(y1)).append(" C").append(n(x1 + bend)).append(',').append(n(y1))
           .append(' ').append(n(x2 - bend)).append(',').append(n(y2)).append(' ').append(n(x2)).append(',').append(n(y2))
           .append("\" fill=\"none\" stroke=\"").append(broken ? "#ef6c00" : "#90a4ae").append("\" stroke-width=\"")
           .append(broken ? "2" : "1.2").append('"').append(broken ? " stroke-dasharray=\"5 3\"" : "")
           .append(" marker-end=\"url(#").append(broken ? "arrow-broken" : "arrow").append(")\"><title>")
           .append(escape(title)).append("</title></path>");
    }
}
