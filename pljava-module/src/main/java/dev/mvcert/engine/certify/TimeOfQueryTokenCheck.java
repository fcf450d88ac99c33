package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.TimeOfQueryAnalysis.Call;
import dev.mvcert.engine.certify.TimeOfQueryAnalysis.Unit;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runbook 001 failure class 2: a view or function of the closure depends on when the query
 * runs ({@code now()}, {@code CURRENT_DATE}, {@code 'today'} converted at run time, built-ins
 * such as one-argument {@code age()} that read the clock in their own body, defaults like
 * {@code asof date DEFAULT current_date} taken by a call, ...). {@link TimeOfQueryAnalysis}
 * decides from what PostgreSQL parsed; this check reports one result per view of the closure
 * and per user function reached, naming the path from the target and what to change.
 *
 * <p>A function that cannot be analysed (dynamic SQL, C outside pg_catalog, another language,
 * a body that does not parse) fails closed, unless an admin recorded a reviewed exemption
 * for exactly its current body ({@code audit.exempt_function}); a changed body voids it.
 */
final class TimeOfQueryTokenCheck implements Check {

    static final String NAME = "time_of_query_token";

    private static final String EXEMPTIONS = """
            SELECT e.function_identity, e.body_hash, e.exempted_by,
                   pg_catalog.to_char(e.exempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', e.note
              FROM audit.analysis_exemption e
             WHERE e.ended_at IS NULL
            """;

    private record Exemption(String bodyHash, String by, String at, String note) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        Connection c = context.connection();
        Closure closure = context.closure();
        Map<Long, String> views = new LinkedHashMap<>();
        Map<Long, ClosureObject> viewObjects = new LinkedHashMap<>();
        List<Long> functions = new ArrayList<>();
        for (ClosureObject o : closure.objects()) {
            if (o.isView()) {
                views.put(o.relid(), o.name());
                viewObjects.put(o.relid(), o);
            } else if (o.isFunction()) {
                functions.add(o.relid());
            }
        }
        TimeOfQueryAnalysis analysis = new TimeOfQueryAnalysis(c);
        List<Unit> units = new ArrayList<>(analysis.analyse(views, functions));
        Map<String, Exemption> exemptions = loadExemptions(c);

        List<CheckResult> results = new ArrayList<>();
        Map<Long, List<Unit>> byFunction = new LinkedHashMap<>();
        for (Unit unit : units) {
            if (unit.function == null) {
                ClosureObject view = viewObjects.get(Long.parseLong(unit.key.substring("view:".length())));
                Set<String> found = findings(unit, analysis);
                List<String> failures = new ArrayList<>();
                if (!found.isEmpty()) {
                    failures.add(view.kind() + " " + closure.pathTo(view.name()) + " uses " + String.join(", ", found)
                            + "; refactor to anchor-based logic (a day column or an as-of parameter)");
                }
                if (!unit.problems.isEmpty()) {
                    failures.add(view.kind() + " " + closure.pathTo(view.name()) + " cannot be analysed for time-of-query reads: "
                            + String.join("; ", unit.problems));
                }
                results.add(failures.isEmpty()
                        ? CheckResult.pass(NAME, view.name(), "no time-of-query read in the " + view.kind())
                        : CheckResult.fail(NAME, view.name(), String.join("; ", failures)));
            } else if (!unit.builtin()) {
                byFunction.computeIfAbsent(unit.function.oid(), k -> new ArrayList<>()).add(unit);
            }
        }
        // every user function reached belongs to what is certified: a later change to one moves the target out of CERTIFIED
        context.bodyFunctions().addAll(byFunction.keySet());
        for (List<Unit> variants : byFunction.values()) {
            results.add(functionResult(variants, analysis, closure, exemptions));
        }
        return results;
    }

    private static CheckResult functionResult(List<Unit> variants, TimeOfQueryAnalysis analysis, Closure closure,
                                              Map<String, Exemption> exemptions) {
        Unit first = variants.get(0);
        String name = first.name;
        Set<String> found = new LinkedHashSet<>();
        Set<String> problems = new LinkedHashSet<>();
        // a polymorphic function read at the argument types of several calls: what any of them finds
        for (Unit unit : variants) {
            found.addAll(findings(unit, analysis));
            problems.addAll(unit.problems);
        }
        String where = path(first, closure)
                + (closure.get(name) == null && first.calledBy != null ? " (called by " + first.calledBy.name + ")" : "");
        List<String> failures = new ArrayList<>();
        if (!found.isEmpty()) {
            failures.add("function " + where + " uses " + String.join(", ", found)
                    + "; refactor to anchor-based logic (pass the as-of day as an argument)");
        }
        String exempted = null;
        if (!problems.isEmpty()) {
            String cannot = "function " + where + " cannot be analysed for time-of-query reads: " + String.join("; ", problems);
            Exemption exemption = exemptions.get(name);
            String exempt = "SELECT audit.exempt_function(" + quote(first.function.signature())
                    + ", 'reviewed: <what was checked>');";
            if (exemption == null) {
                failures.add(cannot + ". Make it readable (no dynamic SQL, SQL or PL/pgSQL), or review it and record an"
                        + " exemption for exactly this body: " + exempt);
            } else if (!exemption.bodyHash().equals(first.function.bodyHash())) {
                failures.add(cannot + ". Its body changed since the exemption of " + exemption.at() + " by " + exemption.by()
                        + ": review it again, then " + exempt);
            } else {
                exempted = "not analysable (" + String.join("; ", problems) + "), exempted after review by "
                        + exemption.by() + " at " + exemption.at() + ": " + exemption.note();
            }
        }
        if (!failures.isEmpty()) {
            return CheckResult.fail(NAME, name, String.join("; ", failures));
        }
        return CheckResult.pass(NAME, name, exempted != null ? exempted : "no time-of-query read in the function body");
    }

    /** What a unit does itself, and the built-ins it calls that depend on the time of the query. */
    private static Set<String> findings(Unit unit, TimeOfQueryAnalysis analysis) {
        Set<String> found = new LinkedHashSet<>(unit.findings);
        for (Call call : unit.calls) {
            Unit callee = call.callee();
            String reason = callee.builtin() ? analysis.builtinReason(callee) : null;
            if (reason == null) {
                continue;
            }
            String what = callee.function.readsClock() && reason.equals("it reads the clock")
                    ? callee.function.simpleName() + "()"
                    : callee.name + " (" + reason + ")";
            found.add(what + (call.through() == null ? "" : " (" + call.through() + ")") + call.at());
        }
        return found;
    }

    /** target -> ... -> object: the closure's path, extended by the calls that reached a function outside it. */
    private static String path(Unit unit, Closure closure) {
        if (closure.get(unit.name) != null) {
            return closure.pathTo(unit.name);
        }
        List<String> chain = new ArrayList<>();
        chain.add(unit.name);
        Unit caller = unit.calledBy;
        while (caller != null && closure.get(caller.name) == null) {
            chain.add(0, caller.name);
            caller = caller.calledBy;
        }
        return (caller == null ? "" : closure.pathTo(caller.name) + " -> ") + String.join(" -> ", chain);
    }

    private static Map<String, Exemption> loadExemptions(Connection c) throws SQLException {
        Map<String, Exemption> exemptions = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(EXEMPTIONS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                exemptions.put(rs.getString(1), new Exemption(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
            }
        }
        return exemptions;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
