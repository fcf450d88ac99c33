package dev.mvcert.agent.install;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of install/prometheus/mvcert-alerts.yml and install/grafana/mvcert-dashboard.json,
 * and the metric names each expression reads, so tests can hold them against a real scrape.
 */
final class MonitoringFiles {

    static final Path ALERTS = Path.of("install", "prometheus", "mvcert-alerts.yml");
    static final Path ALERT_TESTS = Path.of("install", "prometheus", "mvcert-alerts.test.yml");
    static final Path DASHBOARD = Path.of("install", "grafana", "mvcert-dashboard.json");
    static final Path SERVICE = Path.of("install", "systemd", "mvcert-agent.service");

    /** Aggregations and keywords: words in PromQL that are not metric names. */
    private static final Set<String> NOT_METRICS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
            "count_values", "bottomk", "topk", "quantile", "and", "or", "unless", "bool", "offset", "inf", "nan", "atan2");
    /** Words followed by a parenthesised list of label names. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private static final Pattern JSON_EXPR = Pattern.compile("\"(expr|definition)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");

    private MonitoringFiles() {
    }

    /** The repository root: the nearest directory up from here holding install/prereqs.sh. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("install/prereqs.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("no install/prereqs.sh above " + Path.of("").toAbsolutePath());
    }

    /** Every {@code expr:} of the alert rules, folded blocks ({@code >-}, {@code |}) joined into one line. */
    static List<String> alertExpressions() throws IOException {
        List<String> lines = Files.readAllLines(root().resolve(ALERTS));
        List<String> exprs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = Pattern.compile("^(\\s*)expr:\\s*(.*)$").matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            String value = m.group(2).trim();
            if (value.startsWith(">") || value.startsWith("|")) {
                StringBuilder block = new StringBuilder();
                int indent = m.group(1).length();
                while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || leading(lines.get(i + 1)) > indent)) {
                    block.append(' ').append(lines.get(++i).trim());
                }
                value = block.toString().trim();
            } else if (value.startsWith("'") || value.startsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            exprs.add(value);
        }
        return exprs;
    }

    /** How many rules the alert file declares ({@code - alert:} lines). */
    static long alertCount() throws IOException {
        return Files.readAllLines(root().resolve(ALERTS)).stream().filter(l -> l.trim().startsWith("- alert:")).count();
    }

    /** Every PromQL {@code expr} of the dashboard's panels and the queries of its template variables. */
    static List<String> dashboardExpressions() throws IOException {
        Matcher m = JSON_EXPR.matcher(Files.readString(root().resolve(DASHBOARD)));
        List<String> exprs = new ArrayList<>();
        while (m.find()) {
            String value = m.group(2).replace("\\\"", "\"").replace("\\\\", "\\");
            if (m.group(1).equals("definition")) {
                Matcher lv = LABEL_VALUES.matcher(value);
                if (!lv.find()) {
                    throw new AssertionError("a template variable that is not label_values(metric, label): " + value);
                }
                value = lv.group(1);
            }
            exprs.add(value);
        }
        return exprs;
    }

    /**
     * The metric names a PromQL expression reads: identifiers outside strings, label matchers
     * and ranges that are not functions, aggregations, keywords or label lists.
     */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(expr, i);
            } else if (c == '{') {
                i = skipTo(expr, i, '{', '}');
            } else if (c == '[') {
                i = skipTo(expr, i, '[', ']');
            } else if (Character.isDigit(c) || c == '$') {
                i++;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || "._{}".indexOf(expr.charAt(i)) >= 0)) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < n && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word)) {
                    if (call) {
                        i = skipTo(expr, next, '(', ')');
                    }
                } else if (!call && !NOT_METRICS.contains(word)) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static int skipString(String s, int at) {
        char quote = s.charAt(at);
        int i = at + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    private static int skipTo(String s, int at, char open, char close) {
        int depth = 0;
        int i = at;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return i;
    }

    private static int leading(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
