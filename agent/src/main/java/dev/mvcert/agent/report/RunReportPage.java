package dev.mvcert.agent.report;

import static dev.mvcert.agent.report.Html.escape;

import dev.mvcert.agent.report.ClosureViews.View;
import dev.mvcert.agent.report.RunReport.Attempt;
import dev.mvcert.agent.report.RunReport.Certification;
import dev.mvcert.agent.report.RunReport.Check;
import dev.mvcert.agent.report.RunReport.OpenBreaker;
import dev.mvcert.agent.report.RunReport.Run;
import dev.mvcert.agent.report.RunReport.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The run report: one self-contained HTML page (inline CSS and SVG, no request of any kind
 * when opened, complete without JavaScript; the one inline script only adds a filter box to
 * the views table). Sections: status, closure graph with the views table beside it, timeline,
 * certification, linked to each other by anchors.
 */
public final class RunReportPage {

    /** The page and the Content-Security-Policy that allows exactly its inline script and styles. */
    public record Rendered(String html, String contentSecurityPolicy) {
    }

    /** Adds a filter box to the views table; the page is complete without it. No '<' or '&': the page stays XML. */
    private static final String SCRIPT = """
            (function () {
              var box = document.getElementById('views-filter');
              var rows = document.querySelectorAll('#views-table tbody tr');
              if (!box) { return; }
              box.hidden = false;
              box.addEventListener('input', function () {
                var q = box.value.toLowerCase();
                Array.prototype.forEach.call(rows, function (r) {
                  r.hidden = q !== '' ? r.getAttribute('data-view').toLowerCase().indexOf(q) === -1 : false;
                });
              });
            })();
            """;

    private static final String CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '"
            + sha256(SCRIPT) + "'; base-uri 'none'; form-action 'none'";

    private static final Pattern FORBIDDEN_PATH = Pattern.compile("^forbidden dependency (.+?) matches ");
    private static final Pattern ROWS_NOW = Pattern.compile("^(\\d+) rows|\\((\\d+) rows now\\)");
    private static final Pattern ROWS_CHANGED = Pattern.compile("rows (\\d+) -> (\\d+)");

    private final RunReport report;
    private final ClosureViews closure;
    private final ClosureGraph graph;
    private final Timeline timeline;
    private final Map<String, String> dayAnchors = new LinkedHashMap<>();

    private RunReportPage(RunReport report) {
        this.report = report;
        this.closure = ClosureViews.of(report);
        this.graph = new ClosureGraph(closure);
        this.timeline = report.run() == null ? null : new Timeline(report, closure);
    }

    /** Reads the report of {@code runId} (null: the latest) of {@code target} and renders it. */
    public static Rendered of(Connection c, String target, Long runId) throws SQLException {
        return render(RunReportReader.read(c, target, runId));
    }

    public static Rendered render(RunReport report) {
        return new Rendered(new RunReportPage(report).html(), CSP);
    }

    private String html() {
        StringBuilder h = new StringBuilder(65_536);
        Run run = report.run();
        String title = "mvcert report: " + report.target() + (run == null ? "" : ", run " + run.id());
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
         .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
         .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(escape(CSP)).append("\"/>")
         .append("<meta name=\"generator\" content=\"mvcert\"/><link rel=\"icon\" href=\"data:,\"/>")
         .append("<title>").append(escape(title)).append("</title><style>").append(css()).append("</style></head>\n<body>");
        header(h);
        h.append("<main>");
        status(h);
        graph(h);
        timeline(h);
        certification(h);
        h.append("</main><footer>Generated ").append(Html.time(report.generatedAt()))
         .append(" by mvcert from audit.run, audit.step, audit.refresh_plan, audit.certification, audit.check_result,"
                 + " audit.health and audit.breaker_status.</footer>");
        h.append("<script>").append(SCRIPT).append("</script></body></html>\n");
        return h.toString();
    }

    // --- header ------------------------------------------------------------------------------

    private void header(StringBuilder h) {
        Run run = report.run();
        h.append("<header><h1>Run report: <span class=\"mono\" id=\"target-name\">").append(escape(report.target())).append("</span></h1>");
        if (run == null) {
            h.append("<p class=\"summary\" id=\"run-summary\">No run of this target is recorded yet: the graph shows the plan,"
                    + " nothing has been refreshed by mvcert.</p>");
        } else {
            Duration took = Duration.between(run.startedAt(), run.endOr(report.generatedAt()));
            h.append("<p class=\"summary\" id=\"run-summary\" data-run=\"").append(run.id()).append("\" data-status=\"")
             .append(escape(run.status())).append("\">Run <b>").append(run.id()).append("</b> \u00b7 ").append(escape(run.mode()))
             .append(" \u00b7 ").append(badge(run.status(), runTone(run.status()))).append(" \u00b7 started ")
             .append(Html.time(run.startedAt())).append(" \u00b7 ").append(run.finishedAt() == null ? "running for " : "took ")
             .append(Html.duration(took)).append(" \u00b7 ").append(escape(run.executor()))
             .append(" \u00b7 requested by ").append(escape(run.requestedBy())).append("</p>");
            if (run.reason() != null) {
                h.append("<p class=\"reason\">").append(escape(run.reason())).append("</p>");
            }
        }
        h.append("<nav><a href=\"#status\">Status</a><a href=\"#graph\">Closure graph</a><a href=\"#views\">Views</a>")
         .append("<a href=\"#timeline\">Timeline</a><a href=\"#certification\">Certification</a></nav></header>");
    }

    // --- status ------------------------------------------------------------------------------

    private void status(StringBuilder h) {
        Status s = report.status();
        h.append("<section id=\"status\"><h2>Status</h2><div class=\"cards\">");
        h.append("<div class=\"card\" id=\"registry\"><h3>Registry</h3>");
        if (s == null) {
            h.append("<p>Not in audit.health.</p>");
        } else {
            h.append("<p>").append(badge(s.status(), statusTone(s.status()))).append(" <span class=\"muted\">registry: ")
             .append(escape(s.registryStatus() == null ? "never certified" : s.registryStatus())).append("</span></p><dl>")
             .append("<dt>certified at</dt><dd>").append(Html.time(s.certifiedAt())).append("</dd>")
             .append("<dt>age</dt><dd>").append(s.ageSeconds() == null ? "\u2014" : escape(Html.seconds(s.ageSeconds())))
             .append(" <span class=\"muted\">(max age ").append(escape(s.maxAge())).append(")</span></dd>")
             .append("<dt>exports</dt><dd>").append(s.exportsAllowed() ? "allowed" : "<b>not allowed</b>")
             .append(" <span class=\"muted\">(export max age ").append(escape(s.exportMaxAge())).append(")</span></dd>");
            if (s.staleReason() != null) {
                h.append("<dt>stale reason</dt><dd>").append(escape(s.staleReason())).append("</dd>");
            }
            if (s.stuckRequest() != null) {
                h.append("<dt>stuck</dt><dd><b>").append(escape(s.stuckRequest())).append("</b></dd>");
            }
            if (!s.failingChecks().isEmpty()) {
                h.append("<dt>failing checks</dt><dd>");
                for (int i = 0; i < s.failingChecks().size(); i++) {
                    h.append(i == 0 ? "" : ", ").append("<a href=\"#").append(firstFailure(s.failingChecks().get(i))).append("\">")
                     .append(escape(s.failingChecks().get(i))).append("</a>");
                }
                h.append("</dd>");
            }
            h.append("</dl>");
        }
        h.append("</div><div class=\"card\" id=\"run-outcomes\"><h3>This run</h3>");
        Map<ViewOutcome, Integer> counts = outcomeCounts();
        if (report.run() == null) {
            h.append("<p>No run yet.</p>");
        } else {
            h.append("<ul class=\"plain\">");
            for (Map.Entry<ViewOutcome, Integer> e : counts.entrySet()) {
                h.append("<li><span class=\"sw sw-").append(e.getKey().key()).append("\"></span>").append(e.getValue()).append(' ')
                 .append(escape(e.getKey().label)).append("</li>");
            }
            h.append("</ul>");
            if (timeline != null && !timeline.criticalPath().isEmpty()) {
                h.append("<p>Critical path ").append(escape(Html.duration(timeline.criticalPathDuration()))).append(": ");
                viewLinks(h, timeline.criticalPath().stream().map(View::name).toList(), " \u2192 ");
                h.append("</p>");
            }
        }
        h.append("</div><div class=\"card\" id=\"breakers\"><h3>Open circuit breakers</h3>");
        if (report.openBreakers().isEmpty()) {
            h.append("<p class=\"muted\">None of the closure's views has an open breaker.</p>");
        } else {
            h.append("<ul class=\"plain\">");
            for (OpenBreaker b : report.openBreakers()) {
                h.append("<li data-view=\"").append(escape(b.matview())).append("\">");
                viewLink(h, b.matview());
                h.append(' ').append(badge(b.state(), "open".equals(b.state()) ? "bad" : "warn")).append(" after ")
                 .append(b.consecutiveFailures()).append(" failed run").append(b.consecutiveFailures() == 1 ? "" : "s")
                 .append(" (threshold ").append(b.threshold()).append("), opened ").append(Html.time(b.openedAt()));
                if (b.trialAfter() != null) {
                    h.append(", trial after ").append(Html.time(b.trialAfter()));
                }
                h.append("<br/><span class=\"muted\">").append(escape(Html.shorten(b.lastError(), 160))).append("</span></li>");
            }
            h.append("</ul><p class=\"muted\">Close one with <code>SELECT audit.reset_breaker('view')</code>.</p>");
        }
        h.append("</div></div></section>");
    }

    /** The anchor of the first failed row of a check in the certification shown, else the section. */
    private String firstFailure(String check) {
        Certification c = report.certification();
        if (c != null) {
            for (Check k : c.checks()) {
                if (!k.passed() && k.name().equals(check)) {
                    return "check-" + k.ordinal();
                }
            }
        }
        return "certification";
    }

    private Map<ViewOutcome, Integer> outcomeCounts() {
        Map<ViewOutcome, Integer> counts = new EnumMap<>(ViewOutcome.class);
        closure.views.forEach(v -> counts.merge(v.outcome(), 1, Integer::sum));
        Map<ViewOutcome, Integer> worstFirst = new LinkedHashMap<>();
        counts.keySet().stream().sorted((a, b) -> {
            if (a.isTarget() != b.isTarget()) {
                return a.isTarget() ? 1 : -1;
            }
            return b.compareTo(a);
        }).forEach(o -> worstFirst.put(o, counts.get(o)));
        return worstFirst;
    }

    // --- closure graph and views table -------------------------------------------------------------

    private void graph(StringBuilder h) {
        h.append("<section id=\"graph\"><h2>Closure graph</h2><p class=\"muted\">")
         .append(closure.views.size()).append(" nodes in dependency order: one column per level of <code>audit.refresh_plan</code>,"
                 + " edges from <code>depends_on</code>. Hover a node for its mode and rows; click it for its row in the table.");
        if (graph.collapsed()) {
            h.append(" <b id=\"graph-collapsed\">More than ").append(ClosureGraph.COLLAPSE_ABOVE)
             .append(" views: one box per schema and level, coloured by its worst view, with the mix of outcomes as a bar;"
                     + " every view is in the table.</b>");
        }
        h.append("</p><ul class=\"legend\" id=\"legend\">");
        for (ViewOutcome o : ViewOutcome.values()) {
            h.append("<li data-outcome=\"").append(o.key()).append("\"><span class=\"sw sw-").append(o.key()).append("\"></span>")
             .append(escape(o.symbol)).append(' ').append(escape(o.label)).append("</li>");
        }
        h.append("<li><span class=\"sw sw-edge\"></span>dashed orange edge: stale because of this input</li></ul>");
        h.append("<div class=\"scroll\">").append(graph.svg(report.target())).append("</div></section>");
        h.append("<section id=\"views\"><h2>Views</h2><p class=\"muted\">The closure graph as a table: every node with its outcome,"
                + " mode and why, rows after refresh, attempts (linked to the timeline), how long the last attempt took and the"
                + " median of its previous successful refreshes.</p><input id=\"views-filter\" type=\"search\""
                + " placeholder=\"filter views by name\" aria-label=\"filter views by name\" hidden=\"hidden\"/><div class=\"table-pane\">");
        viewsTable(h);
        h.append("</div></section>");
    }

    private void viewsTable(StringBuilder h) {
        h.append("<table id=\"views-table\"><caption>Every node of the closure graph, in plan order</caption><thead><tr><th>level</th>"
                + "<th>view</th><th>outcome</th><th>mode (reason)</th><th>rows after</th><th>attempts</th><th>took</th>"
                + "<th>median before</th><th>note</th></tr></thead><tbody>");
        for (View v : closure.views) {
            Attempt last = v.last();
            h.append("<tr id=\"").append(v.anchor()).append("\" data-view=\"").append(escape(v.name())).append("\" data-outcome=\"")
             .append(v.outcome().key()).append("\"><td>").append(v.target() && v.plan() == null ? "target" : Integer.toString(v.level()))
             .append("</td><td class=\"mono\">").append(escape(v.name())).append("</td><td><span class=\"sw sw-").append(v.outcome().key())
             .append("\"></span>").append(escape(v.outcome().label)).append("</td><td>").append(escape(v.modeAndReason()))
             .append("</td><td class=\"num\">").append(v.rows() == null ? "\u2014" : Html.count(v.rows())).append("</td><td class=\"num\">");
            if (v.attempts().isEmpty()) {
                h.append('0');
            } else {
                h.append("<a href=\"#").append(v.timelineAnchor()).append("\">").append(v.attempts().size()).append("</a>");
            }
            h.append("</td><td class=\"num\">").append(last == null ? "\u2014" : escape(Html.duration(last.duration(report.generatedAt()))))
             .append("</td><td class=\"num\">").append(v.past() == null ? "\u2014" : escape(Html.seconds(v.past().medianSeconds())))
             .append("</td><td>").append(escape(note(v))).append("</td></tr>");
        }
        h.append("</tbody></table>");
    }

    private static String note(View v) {
        Attempt last = v.last();
        List<String> notes = new ArrayList<>();
        if (last != null && last.errorMessage() != null) {
            notes.add(last.errorClass() + " " + last.sqlState() + ": " + Html.shorten(last.errorMessage(), 240));
        } else if (last != null && last.skipReason() != null) {
            notes.add(last.skipReason() + (last.decision() == null ? "" : ": " + Html.shorten(last.decision(), 160)));
        }
        if (v.plan() != null && v.plan().warning() != null) {
            notes.add("warning: " + v.plan().warning());
        }
        return String.join("; ", notes);
    }

    // --- timeline ----------------------------------------------------------------------------

    private void timeline(StringBuilder h) {
        h.append("<section id=\"timeline\"><h2>Timeline</h2>");
        if (timeline == null || timeline.stepCount() == 0) {
            h.append("<p class=\"muted\">No steps recorded for this run.</p></section>");
            return;
        }
        h.append("<ul class=\"legend\"><li><span class=\"sw sw-bar\"></span>one bar per attempt, coloured by its outcome</li>"
                + "<li><span class=\"sw sw-retry\"></span>hatched: a retry</li><li><span class=\"sw sw-critical\"></span>"
                + "thick black outline: the critical path</li><li><span class=\"sw sw-median\"></span>dashed box ending in a bar:"
                + " median of the view's previous successful refreshes, from the start of its last attempt</li></ul>");
        int shown = timeline.rows().size();
        if (shown < timeline.stepCount()) {
            h.append("<p id=\"timeline-subset\"><b>").append(shown).append(" of ").append(timeline.stepCount())
             .append(" views shown:</b> the critical path, failures, retries and the longest steps; the table lists every view.</p>");
        }
        h.append("<div class=\"scroll\">").append(timeline.svg()).append("</div></section>");
    }

    // --- certification ------------------------------------------------------------------------

    private void certification(StringBuilder h) {
        Certification c = report.certification();
        Run run = report.run();
        h.append("<section id=\"certification\"><h2>Certification</h2>");
        if (c == null) {
            h.append("<p id=\"certification-summary\">This target has never been certified (no row in audit.certification).</p></section>");
            return;
        }
        long failed = c.checks().stream().filter(k -> !k.passed()).count();
        boolean ofThisRun = run != null && c.runId() != null && c.runId() == run.id();
        h.append("<p id=\"certification-summary\" data-certification=\"").append(c.id()).append("\">");
        if (!ofThisRun) {
            h.append("<b>").append(run == null ? "No run yet" : "Run " + run.id() + " has no certification")
             .append("</b>; the target's latest certification is shown. ");
        }
        h.append("Certification ").append(c.id()).append(c.runId() == null ? " (certification only)" : " of run " + c.runId())
         .append(": ").append(badge(c.status(), c.certified() ? "good" : "bad")).append(' ').append(failed).append(" of ")
         .append(c.checks().size()).append(" checks failed \u00b7 ").append(Html.time(c.finishedAt())).append(" \u00b7 ")
         .append(escape(c.executor())).append("</p>");
        List<Check> failures = c.checks().stream().filter(k -> !k.passed()).toList();
        List<Check> days = c.checks().stream().filter(k -> "dataset_hash".equals(k.name()) && k.object().contains(" day ")).toList();
        for (int i = 0; i < days.size(); i++) {
            dayAnchors.put(days.get(i).object(), "hash-day-" + (i + 1));
        }
        if (!failures.isEmpty()) {
            h.append("<h3>Failed checks</h3>");
            checkTable(h, "failed-checks", failures);
        }
        if (!days.isEmpty()) {
            h.append("<h3>Dataset hash days</h3><table id=\"hash-days\"><thead><tr><th>day</th><th>result</th><th>rows</th>"
                    + "<th>detail</th></tr></thead><tbody>");
            for (Check d : days) {
                h.append("<tr id=\"").append(dayAnchors.get(d.object())).append("\" data-day=\"")
                 .append(escape(d.object().substring(d.object().lastIndexOf(" day ") + 5))).append("\"><td>")
                 .append(escape(d.object().substring(d.object().lastIndexOf(" day ") + 5))).append("</td><td class=\"")
                 .append(d.passed() ? "pass\">pass" : "fail\">fail").append("</td><td class=\"num\">").append(escape(rows(d.detail())))
                 .append("</td><td>").append(escape(d.detail())).append("</td></tr>");
            }
            h.append("</tbody></table>");
        }
        List<Check> passed = c.checks().stream().filter(Check::passed).toList();
        if (!passed.isEmpty()) {
            h.append("<details id=\"passed-checks\"><summary>").append(passed.size()).append(" passed checks</summary>");
            checkTable(h, "passed-checks-table", passed);
            h.append("</details>");
        }
        h.append("</section>");
    }

    private void checkTable(StringBuilder h, String id, List<Check> checks) {
        h.append("<table id=\"").append(id).append("\"><thead><tr><th>check</th><th>object</th><th>result</th><th>detail</th></tr></thead><tbody>");
        for (Check k : checks) {
            h.append("<tr id=\"check-").append(k.ordinal()).append("\" data-check=\"").append(escape(k.name())).append("\" data-object=\"")
             .append(escape(k.object())).append("\"><td>").append(escape(k.name())).append("</td><td>");
            objectLink(h, k.object());
            h.append("</td><td class=\"").append(k.passed() ? "pass\">pass" : "fail\">fail").append("</td><td>");
            Matcher path = k.detail() == null ? null : FORBIDDEN_PATH.matcher(k.detail());
            if (path != null && path.find()) {
                h.append("path: ");
                viewLinks(h, List.of(path.group(1).split(" -> ")), " \u2192 ");
                h.append("<br/>");
            }
            h.append(escape(k.detail())).append("</td></tr>");
        }
        h.append("</tbody></table>");
    }

    /** Row counts of a dataset-hash result as the check words them: "N" or "baseline -> now". */
    private static String rows(String detail) {
        if (detail == null) {
            return "";
        }
        Matcher changed = ROWS_CHANGED.matcher(detail);
        if (changed.find()) {
            return Html.count(Long.parseLong(changed.group(1))) + " \u2192 " + Html.count(Long.parseLong(changed.group(2)));
        }
        Matcher now = ROWS_NOW.matcher(detail);
        if (now.find()) {
            return Html.count(Long.parseLong(now.group(1) != null ? now.group(1) : now.group(2)));
        }
        return "";
    }

    // --- links and badges ---------------------------------------------------------------------

    private void objectLink(StringBuilder h, String object) {
        if (closure.get(object) != null) {
            viewLink(h, object);
        } else if (dayAnchors.containsKey(object)) {
            h.append("<a href=\"#").append(dayAnchors.get(object)).append("\" class=\"mono\">").append(escape(object)).append("</a>");
        } else {
            h.append("<span class=\"mono\">").append(escape(object)).append("</span>");
        }
    }

    private void viewLink(StringBuilder h, String name) {
        View v = closure.get(name);
        if (v == null) {
            h.append("<span class=\"mono\">").append(escape(name)).append("</span>");
        } else {
            h.append("<a href=\"#").append(v.anchor()).append("\" class=\"mono\">").append(escape(name)).append("</a>");
        }
    }

    private void viewLinks(StringBuilder h, List<String> names, String separator) {
        for (int i = 0; i < names.size(); i++) {
            h.append(i == 0 ? "" : separator);
            viewLink(h, names.get(i));
        }
    }

    private static String badge(String text, String tone) {
        return "<span class=\"badge b-" + tone + "\">" + escape(text) + "</span>";
    }

    private static String runTone(String status) {
        return switch (String.valueOf(status)) {
            case "certified" -> "good";
            case "not_certified", "refresh_failed", "abandoned" -> "bad";
            case "running" -> "info";
            default -> "warn";
        };
    }

    private static String statusTone(String status) {
        return switch (String.valueOf(status)) {
            case "CERTIFIED" -> "good";
            case "FAILED" -> "bad";
            case "STALE" -> "warn";
            default -> "none";
        };
    }

    // --- style ---------------------------------------------------------------------------------

    private static String css() {
        StringBuilder css = new StringBuilder("""
                :root{color-scheme:light}
                body{font:14px/1.45 system-ui,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#212121;background:#f5f7f8}
                header{background:#263238;color:#ffffff;padding:12px 24px}
                header h1{margin:0 0 4px;font-size:20px;font-weight:600}
                header p{margin:2px 0}
                header .reason{color:#ffcc80}
                header nav a{color:#b3e5fc;margin-right:16px}
                main{padding:4px 24px 24px}
                section{background:#ffffff;border:1px solid #dfe3e6;border-radius:6px;margin:14px 0;padding:10px 16px}
                h2{font-size:17px;margin:2px 0 8px}
                h3{font-size:14px;margin:4px 0 6px}
                footer{color:#757575;font-size:12px;padding:0 24px 24px}
                a{color:#1565c0}
                code,.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
                .muted{color:#607d8b}
                .cards{display:flex;flex-wrap:wrap;gap:12px}
                .card{flex:1 1 280px;border:1px solid #e0e0e0;border-radius:6px;padding:6px 12px;min-width:0}
                .card dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:4px 0}
                .card dt{color:#607d8b}.card dd{margin:0}
                ul.plain{list-style:none;padding:0;margin:4px 0}
                .badge{display:inline-block;padding:0 8px;border-radius:10px;font-weight:600;font-size:12px;color:#ffffff}
                .b-good{background:#2e7d32}.b-bad{background:#c62828}.b-warn{background:#ef6c00}.b-info{background:#3949ab}.b-none{background:#757575}
                .legend{list-style:none;padding:0;margin:4px 0 8px;display:flex;flex-wrap:wrap;gap:2px 16px;font-size:12px}
                .sw{display:inline-block;width:13px;height:13px;border:1px solid #455a64;border-radius:3px;vertical-align:-2px;margin-right:5px}
                .sw-edge{border:0;border-top:2px dashed #ef6c00;height:0;vertical-align:3px;width:18px;border-radius:0}
                .sw-bar{background:#90a4ae}.sw-retry{background:repeating-linear-gradient(45deg,#90a4ae 0 3px,#ffffff 3px 6px)}
                .sw-critical{background:#ffffff;border:2.5px solid #000000}.sw-median{background:#ffffff;border:1px dashed #212121}
                .scroll{overflow:auto;max-width:100%}
                .table-pane{max-height:760px;overflow:auto}
                #views-filter{margin:0 0 6px;padding:3px 6px;width:260px}
                table{border-collapse:collapse;width:100%;font-size:12.5px}
                caption{text-align:left;color:#607d8b;font-size:12px;padding:2px 0}
                th,td{border-bottom:1px solid #eceff1;padding:3px 6px;text-align:left;vertical-align:top}
                th{background:#eceff1}
                .table-pane th{position:sticky;top:0}
                td.num{text-align:right;white-space:nowrap}
                td.fail{color:#b71c1c;font-weight:700}td.pass{color:#2e7d32}
                tr:target{outline:2px solid #1565c0;background:#e3f2fd}
                g.node:target rect,g.tl-row:target rect{stroke:#1565c0;stroke-width:4}
                svg text{font-family:system-ui,"DejaVu Sans",sans-serif}
                .n1{font-size:12px;font-weight:600}.n2{font-size:11px}
                .colhead{font-size:12px;font-weight:600;fill:#546e7a}
                .tick{font-size:11px;fill:#757575}
                .tl-label{font-size:12px;fill:#263238}.tl-label.critical{font-weight:700}
                .retry-note{font-size:11px;fill:#6d4c41}
                details summary{cursor:pointer;margin:6px 0}
                """);
        for (ViewOutcome o : ViewOutcome.values()) {
            css.append(".sw-").append(o.key()).append("{background:").append(o.fill).append("}\n");
        }
        return css.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
