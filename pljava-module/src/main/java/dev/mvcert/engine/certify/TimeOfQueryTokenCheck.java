package dev.mvcert.engine.certify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runbook 001 failure class 2: a view or function of the closure depends on when the query
 * runs ({@code now()}, {@code CURRENT_DATE}, ...). Views are read from their query trees,
 * functions from their bodies, and functions called by function bodies are followed
 * transitively (PostgreSQL records no dependency for calls inside PL/pgSQL or SQL bodies).
 * See {@link TimeTokenScanner} for what counts. Dynamic SQL (EXECUTE of a string) and bodies
 * in other languages cannot be read; the latter are reported as not scanned.
 */
final class TimeOfQueryTokenCheck implements Check {

    static final String NAME = "time_of_query_token";

    private static final String TIME_FUNCTIONS = """
            SELECT p.oid, p.proname::text FROM pg_catalog.pg_proc p
             WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.proname::text = ANY (?::text[])
            """;
    private static final String DATETIME_TYPES = """
            SELECT t.oid FROM pg_catalog.pg_type t
             WHERE t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace
               AND t.typname IN ('date', 'time', 'timetz', 'timestamp', 'timestamptz')
            """;
    private static final String VIEW_TREES = """
            SELECT r.ev_class, r.ev_action::text FROM pg_catalog.pg_rewrite r
             WHERE r.rulename = '_RETURN'
               AND r.ev_class IN (SELECT pg_catalog.jsonb_array_elements_text(?::jsonb)::oid)
            """;
    private static final String FUNCTION_COLUMNS = """
            SELECT p.oid, pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                            pg_catalog.pg_get_function_identity_arguments(p.oid)),
                   l.lanname::text, p.prosrc, p.prosqlbody::text, p.proname::text
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              JOIN pg_catalog.pg_language l ON l.oid = p.prolang
            """;
    private static final String FUNCTIONS_BY_OID = FUNCTION_COLUMNS
            + " WHERE p.oid IN (SELECT pg_catalog.jsonb_array_elements_text(?::jsonb)::oid)"
            + "   AND n.nspname NOT IN ('pg_catalog', 'information_schema')";
    private static final String FUNCTIONS_BY_NAME = FUNCTION_COLUMNS + """
             JOIN pg_catalog.jsonb_to_recordset(?::jsonb) AS c(schema text, name text)
               ON p.proname::text = c.name AND (c.schema IS NULL OR n.nspname::text = c.schema)
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            """;

    private record Function(long oid, String name, String language, String source, String tree, String simpleName) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        Connection c = context.connection();
        Map<Long, String> timeFunctions = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(TIME_FUNCTIONS)) {
            ps.setString(1, "{" + String.join(",", TimeTokenScanner.TIME_FUNCTIONS) + "}");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    timeFunctions.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        Set<Long> datetimeTypes = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(DATETIME_TYPES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                datetimeTypes.add(rs.getLong(1));
            }
        }

        List<CheckResult> results = new ArrayList<>();
        Map<Long, ClosureObject> views = new LinkedHashMap<>();
        List<Long> functionOids = new ArrayList<>();
        for (ClosureObject o : context.closure().objects()) {
            if (o.isView()) {
                views.put(o.relid(), o);
            } else if (o.isFunction()) {
                functionOids.add(o.relid());
            }
        }
        Map<Long, String> trees = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(VIEW_TREES)) {
            ps.setString(1, jsonArray(views.keySet()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    trees.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        for (ClosureObject view : views.values()) {
            List<String> found = TimeTokenScanner.scanQueryTree(trees.get(view.relid()), timeFunctions, datetimeTypes);
            results.add(found.isEmpty()
                    ? CheckResult.pass(NAME, view.name(), "no time-of-query token in the " + view.kind())
                    : CheckResult.fail(NAME, view.name(), view.kind() + " " + context.closure().pathTo(view.name())
                            + " uses " + String.join(", ", found)
                            + "; refactor to anchor-based logic (a day column or an as-of parameter)"));
        }

        // Functions: those the closure names, then whatever their bodies call, until nothing new.
        Map<Long, Function> seen = new LinkedHashMap<>();
        Map<Long, String> calledBy = new HashMap<>();
        List<Function> frontier = loadByOid(c, functionOids);
        while (!frontier.isEmpty()) {
            List<Long> nextOids = new ArrayList<>();
            Set<TimeTokenScanner.Call> nextNames = new HashSet<>();
            Map<TimeTokenScanner.Call, String> nameCaller = new HashMap<>();
            for (Function f : frontier) {
                if (seen.putIfAbsent(f.oid(), f) != null) {
                    continue;
                }
                if (f.tree() != null) {
                    for (Long oid : TimeTokenScanner.calledFunctionOids(f.tree())) {
                        nextOids.add(oid);
                        calledBy.putIfAbsent(oid, f.name());
                    }
                } else if (scannable(f)) {
                    for (TimeTokenScanner.Call call : TimeTokenScanner.calledFunctions(f.source())) {
                        nextNames.add(call);
                        nameCaller.putIfAbsent(call, f.name());
                    }
                }
            }
            List<Function> next = new ArrayList<>(loadByOid(c, nextOids));
            for (Function f : loadByName(c, nextNames)) {
                next.add(f);
                nameCaller.entrySet().stream()
                        .filter(e -> e.getKey().name().equals(f.simpleName()))
                        .findFirst().ifPresent(e -> calledBy.putIfAbsent(f.oid(), e.getValue()));
            }
            next.removeIf(f -> seen.containsKey(f.oid()));
            frontier = next;
        }
        context.bodyFunctions().addAll(seen.keySet());
        for (Function f : seen.values()) {
            String where = context.closure().get(f.name()) != null
                    ? context.closure().pathTo(f.name())
                    : f.name() + " (called by " + calledBy.getOrDefault(f.oid(), "a function of the closure") + ")";
            if (f.tree() != null) {
                List<String> found = TimeTokenScanner.scanQueryTree(f.tree(), timeFunctions, datetimeTypes);
                results.add(found.isEmpty()
                        ? CheckResult.pass(NAME, f.name(), "no time-of-query token in the function body")
                        : CheckResult.fail(NAME, f.name(), "function " + where + " uses " + String.join(", ", found)
                                + "; refactor to anchor-based logic"));
            } else if (scannable(f)) {
                List<String> found = TimeTokenScanner.scanSource(f.source());
                results.add(found.isEmpty()
                        ? CheckResult.pass(NAME, f.name(), "no time-of-query token in the " + f.language() + " body")
                        : CheckResult.fail(NAME, f.name(), "function " + where + " uses " + String.join(", ", found)
                                + "; refactor to anchor-based logic (pass the as-of day as an argument)"));
            } else {
                results.add(CheckResult.pass(NAME, f.name(),
                        "not scanned: body in language " + f.language() + " cannot be read for time-of-query tokens"));
            }
        }
        return results;
    }

    private static boolean scannable(Function f) {
        return f.language().equals("sql") || f.language().equals("plpgsql");
    }

    private static List<Function> loadByOid(Connection c, List<Long> oids) throws SQLException {
        if (oids.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement(FUNCTIONS_BY_OID)) {
            ps.setString(1, jsonArray(oids));
            return read(ps);
        }
    }

    private static List<Function> loadByName(Connection c, Set<TimeTokenScanner.Call> calls) throws SQLException {
        if (calls.isEmpty()) {
            return List.of();
        }
        List<Map<String, ?>> rows = new ArrayList<>();
        for (TimeTokenScanner.Call call : calls) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("schema", call.schema());
            row.put("name", call.name());
            rows.add(row);
        }
        try (PreparedStatement ps = c.prepareStatement(FUNCTIONS_BY_NAME)) {
            ps.setString(1, Json.arrayOfObjects(rows));
            return read(ps);
        }
    }

    private static List<Function> read(PreparedStatement ps) throws SQLException {
        List<Function> functions = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                functions.add(new Function(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6)));
            }
        }
        return functions;
    }

    private static String jsonArray(Iterable<Long> oids) {
        StringBuilder json = new StringBuilder("[");
        for (Long oid : oids) {
            json.append(json.length() > 1 ? "," : "").append('"').append(oid).append('"');
        }
        return json.append(']').toString();
    }
}
