package dev.mvcert.agent.report;

import static dev.mvcert.agent.report.Html.escape;
import static dev.mvcert.agent.report.Html.n;

import dev.mvcert.agent.report.ClosureViews.View;
import dev.mvcert.agent.report.RunReport.Attempt;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The run's steps as a Gantt chart in inline SVG: one row per view, one bar per attempt
 * (retries hatched), the critical path outlined, and the median of the view's previous
 * successful refreshes as a dashed reference box from the start of its last attempt. Above
 * {@link #MAX_ROWS} views only the critical path, failures, retries and the longest steps get
 * a row; the views table lists every step.
 */
final class Timeline {

    static final int MAX_ROWS = 150;

    private static final int LABEL_W = 240;
    private static final int PLOT_W = 860;
    private static final int RIGHT = 90;
    private static final int ROW_H = 22;
    private static final int BAR_H = 12;
    private static final int AXIS = 30;

    private final RunReport report;
    private final ClosureViews closure;
    private final Instant now;
    private final List<View> stepped;
    private final List<View> criticalPath;

    Timeline(RunReport report, ClosureViews closure) {
        this.report = report;
        this.closure = closure;
        this.now = report.generatedAt();
        this.stepped = closure.views.stream().filter(v -> !v.attempts().isEmpty())
                .sorted(Comparator.comparing((View v) -> v.attempts().get(0).startedAt()).thenComparing(View::name)).toList();
        this.criticalPath = findCriticalPath();
    }

    List<View> criticalPath() {
        return criticalPath;
    }

    /** The chain of dependencies that ended last: from the view that finished last, back through the input that finished last. */
    private List<View> findCriticalPath() {
        View last = stepped.stream().max(Comparator.comparing(this::end)).orElse(null);
        List<View> path = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (View v = last; v != null && seen.add(v.name()); ) {
            path.add(0, v);
            View before = null;
            for (String dep : v.dependsOn()) {
                View d = closure.get(dep);
                if (d != null && !d.attempts().isEmpty() && (before == null || end(d).isAfter(end(before)))) {
                    before = d;
                }
            }
            v = before;
        }
        return path;
    }

    private Instant end(View v) {
        Attempt last = v.last();
        return last.finishedAt() != null ? last.finishedAt() : now;
    }

    Duration criticalPathDuration() {
        if (criticalPath.isEmpty()) {
            return Duration.ZERO;
        }
        return Duration.between(criticalPath.get(0).attempts().get(0).startedAt(), end(criticalPath.get(criticalPath.size() - 1)));
    }

    /** Views that get a row: all of them, or above MAX_ROWS the ones a DBA looks for first. */
    List<View> rows() {
        if (stepped.size() <= MAX_ROWS) {
            return stepped;
        }
        Set<View> chosen = new LinkedHashSet<>(criticalPath);
        stepped.stream().filter(v -> v.outcome() == ViewOutcome.FAILED || v.attempts().size() > 1)
               .limit(MAX_ROWS / 2).forEach(chosen::add);
        stepped.stream().sorted(Comparator.comparing((View v) -> Duration.between(v.attempts().get(0).startedAt(), end(v))).reversed())
               .takeWhile(v -> chosen.size() < MAX_ROWS).forEach(chosen::add);
        return stepped.stream().filter(chosen::contains).toList();
    }

    int stepCount() {
        return stepped.size();
    }

    String svg() {
        RunReport.Run run = report.run();
        Instant t0 = run.startedAt();
        Instant t1 = run.endOr(now);
        for (View v : stepped) {
            if (end(v).isAfter(t1)) {
                t1 = end(v);
            }
            if (v.attempts().get(0).startedAt().isBefore(t0)) {
                t0 = v.attempts().get(0).startedAt();
            }
            if (v.past() != null) {
                // the reference mark must fit too: a view far slower than usual is what it shows
                Instant usualEnd = v.last().startedAt().plusNanos((long) (v.past().medianSeconds() * 1e9));
                if (usualEnd.isAfter(t1)) {
                    t1 = usualEnd;
                }
            }
        }
        double total = Math.max(Duration.between(t0, t1).toNanos() / 1e9, 0.001);
        List<View> rows = rows();
        Set<String> critical = new LinkedHashSet<>();
        criticalPath.forEach(v -> critical.add(v.name()));
        double width = LABEL_W + PLOT_W + RIGHT;
        double height = AXIS + rows.size() * ROW_H + 8;
        StringBuilder svg = new StringBuilder(16_384);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline-svg\" width=\"").append(n(width)).append("\" height=\"")
           .append(n(height)).append("\" viewBox=\"0 0 ").append(n(width)).append(' ').append(n(height))
           .append("\" role=\"img\" aria-labelledby=\"timeline-svg-title\"><title id=\"timeline-svg-title\">")
           .append(escape("Timeline of run " + run.id() + " of " + report.target())).append("</title>")
           .append("<defs><pattern id=\"retry-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
           .append("<rect width=\"3\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.55\"/></pattern></defs>");
        axis(svg, total, height);
        for (int i = 0; i < rows.size(); i++) {
            row(svg, rows.get(i), AXIS + i * ROW_H, t0, total, critical.contains(rows.get(i).name()));
        }
        return svg.append("</svg>").toString();
    }

    private void axis(StringBuilder svg, double total, double height) {
        double step = niceStep(total / 8);
        svg.append("<g class=\"axis\">");
        for (double t = 0; t <= total + 1e-9; t += step) {
            double x = LABEL_W + PLOT_W * t / total;
            svg.append("<line x1=\"").append(n(x)).append("\" y1=\"").append(AXIS - 6).append("\" x2=\"").append(n(x))
               .append("\" y2=\"").append(n(height - 4)).append("\" stroke=\"#e0e0e0\"/>")
               .append("<text x=\"").append(n(x)).append("\" y=\"").append(AXIS - 10).append("\" text-anchor=\"middle\" class=\"tick\">+")
               .append(escape(Html.seconds(t))).append("</text>");
        }
        svg.append("</g>");
    }

    private void row(StringBuilder svg, View v, double y, Instant t0, double total, boolean critical) {
        svg.append("<g class=\"tl-row\" id=\"").append(v.timelineAnchor()).append("\" data-view=\"").append(escape(v.name()))
           .append("\" data-attempts=\"").append(v.attempts().size()).append("\"").append(critical ? " data-critical=\"true\"" : "")
           .append('>');
        svg.append("<a href=\"#").append(v.anchor()).append("\"><text x=\"").append(LABEL_W - 8).append("\" y=\"").append(n(y + 15))
           .append("\" text-anchor=\"end\" class=\"").append(critical ? "tl-label critical" : "tl-label").append("\"><title>")
           .append(escape(v.name())).append("</title>").append(escape(Html.shorten(v.name(), 36))).append("</text></a>");
        double lastEnd = LABEL_W;
        for (Attempt a : v.attempts()) {
            ViewOutcome o = ViewOutcome.of(a, report.run(), v.name());
            double x = LABEL_W + PLOT_W * seconds(t0, a.startedAt()) / total;
            double w = Math.max(2, PLOT_W * a.duration(now).toNanos() / 1e9 / total);
            boolean onPath = critical && a == v.last();
            String title = v.name() + "\nattempt " + a.attempt() + (a.attempt() > 1 ? " (retry " + (a.attempt() - 1) + ")" : "")
                    + ": " + o.label + "\nstarted +" + Html.seconds(seconds(t0, a.startedAt())) + ", took " + Html.duration(a.duration(now))
                    + (a.rowsAfter() != null ? "\nrows after: " + Html.count(a.rowsAfter()) : "")
                    + (a.skipReason() != null ? "\nskipped: " + a.skipReason() : "")
                    + (a.errorMessage() != null ? "\nerror: " + a.errorClass() + " " + a.sqlState() + ": " + Html.shorten(a.errorMessage(), 200) : "")
                    + (onPath ? "\non the critical path" : "");
            svg.append("<g class=\"attempt\" data-attempt=\"").append(a.attempt()).append("\" data-outcome=\"").append(o.key())
               .append("\"><title>").append(escape(title)).append("</title><rect x=\"").append(n(x)).append("\" y=\"")
               .append(n(y + (ROW_H - BAR_H) / 2.0)).append("\" width=\"").append(n(w)).append("\" height=\"").append(BAR_H)
               .append("\" fill=\"").append(o.fill).append("\" stroke=\"").append(onPath ? "#000000" : "#546e7a")
               .append("\" stroke-width=\"").append(onPath ? "2.5" : "0.8").append("\"/>");
            if (a.attempt() > 1) {
                svg.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y + (ROW_H - BAR_H) / 2.0)).append("\" width=\"")
                   .append(n(w)).append("\" height=\"").append(BAR_H).append("\" fill=\"url(#retry-hatch)\"/>");
            }
            svg.append("</g>");
            lastEnd = Math.max(lastEnd, x + w);
        }
        RunReport.PastDurations past = v.past();
        if (past != null && past.samples() > 0) {
            double x = LABEL_W + PLOT_W * seconds(t0, v.last().startedAt()) / total;
            double w = Math.max(1, PLOT_W * past.medianSeconds() / total);
            svg.append("<g class=\"median\"><title>").append(escape(v.name() + "\nmedian of the " + past.samples()
                    + " previous successful refreshes: " + Html.seconds(past.medianSeconds()))).append("</title><rect x=\"")
               .append(n(x)).append("\" y=\"").append(n(y + 2)).append("\" width=\"").append(n(w)).append("\" height=\"")
               .append(ROW_H - 4).append("\" fill=\"none\" stroke=\"#212121\" stroke-width=\"1\" stroke-dasharray=\"3 2\"/>")
               .append("<line x1=\"").append(n(x + w)).append("\" y1=\"").append(n(y)).append("\" x2=\"").append(n(x + w))
               .append("\" y2=\"").append(n(y + ROW_H)).append("\" stroke=\"#212121\" stroke-width=\"2\"/></g>");
            lastEnd = Math.max(lastEnd, x + w);
        }
        if (v.attempts().size() > 1) {
            svg.append("<text x=\"").append(n(lastEnd + 5)).append("\" y=\"").append(n(y + 15)).append("\" class=\"retry-note\">\u21bb ")
               .append(v.attempts().size()).append(" attempts</text>");
        }
        svg.append("</g>");
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1e-3))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= rough) {
                return m * power;
            }
        }
        return 10 * power;
    }
}
