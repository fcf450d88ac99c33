package dev.mvcert.engine.certify;

import dev.mvcert.engine.json.Json;
import dev.mvcert.engine.certify.TreeScan.CallSite;
import dev.mvcert.engine.certify.TreeScan.Finding;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Decides, for the views of a closure and every function they reach, what makes their result
 * depend on when the query runs. Everything is read from what PostgreSQL parsed:
 *
 * <ul>
 * <li>views, BEGIN ATOMIC bodies and parameter defaults from their stored trees;</li>
 * <li>quoted SQL bodies and the SQL inside PL/pgSQL bodies by letting PostgreSQL parse them now
 *     ({@code audit._parse_sql_body}), with the types of their parameters and variables (and,
 *     for polymorphic functions, of the call);</li>
 * <li>calls by the oid PostgreSQL resolved, so exactly the overload it chose is followed;</li>
 * <li>built-in functions: SQL bodies like user functions, internal and C functions by their
 *     C symbol ({@code prosrc}; aliases such as transaction_timestamp are {@code now}).</li>
 * </ul>
 *
 * Only where PostgreSQL cannot parse (PL/pgSQL statements it cannot hold in a BEGIN ATOMIC
 * body) does the tokenizer read the text, flagging on doubt and following calls by name to
 * every overload. What nobody can read (dynamic SQL, C outside pg_catalog, other languages,
 * bodies that do not parse) is reported as not analysable. Catalog reads are batched: one
 * query for the view trees, one per round of newly reached functions; each function body
 * (per set of argument types, for polymorphic ones) is parsed once per certification.
 */
final class TimeOfQueryAnalysis {

    /** C symbols of built-in functions whose result depends on the time they run. */
    private static final Set<String> CLOCK_SYMBOLS = Set.of("now", "statement_timestamp", "clock_timestamp", "timeofday");
    /** C symbols whose result depends on the current date: the zone offset of a time with time zone is looked up for today. */
    private static final Set<String> DATE_OFFSET_SYMBOLS = Set.of("timetz_zone", "time_timetz");
    /** Input functions of the date/time types: called on a 'now'/'today' string they read the clock. */
    private static final Set<String> DATETIME_INPUT_SYMBOLS = Set.of("date_in", "time_in", "timetz_in", "timestamp_in",
            "timestamptz_in");
    private static final Set<String> SYSTEM_SCHEMAS = Set.of("pg_catalog", "information_schema");

    private static final String DATETIME_TYPES = """
            WITH RECURSIVE edge(parent, child) AS (
                SELECT t.typelem, t.oid FROM pg_catalog.pg_type t
                 WHERE t.typelem <> 0 AND t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
                UNION ALL SELECT t.typbasetype, t.oid FROM pg_catalog.pg_type t WHERE t.typtype = 'd'
                UNION ALL SELECT r.rngsubtype, r.rngtypid FROM pg_catalog.pg_range r
                UNION ALL SELECT r.rngtypid, r.rngmultitypid FROM pg_catalog.pg_range r
                UNION ALL SELECT a.atttypid, c.reltype FROM pg_catalog.pg_attribute a
                            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                           WHERE a.attnum > 0 AND NOT a.attisdropped AND c.reltype <> 0
            ), datetime(oid) AS (
                SELECT t.oid FROM pg_catalog.pg_type t
                 WHERE t.oid IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.time'::pg_catalog.regtype,
                                 'pg_catalog.timetz'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                                 'pg_catalog.timestamptz'::pg_catalog.regtype)
                UNION
                SELECT e.child FROM datetime d JOIN edge e ON e.parent = d.oid
            )
            SELECT d.oid, pg_catalog.format_type(d.oid, NULL) FROM datetime d
            """;
    private static final String VIEW_TREES = """
            SELECT r.ev_class, r.ev_action::text FROM pg_catalog.pg_rewrite r
             WHERE r.rulename = '_RETURN'
               AND r.ev_class IN (SELECT pg_catalog.jsonb_array_elements_text(?::jsonb)::oid)
            """;
    private static final String FUNCTION_COLUMNS = """
            SELECT p.oid, audit._function_identity(p.oid), n.nspname::text, l.lanname::text, p.prokind::text,
                   p.prosrc, p.prosqlbody::text, p.proargdefaults::text, p.pronargs, p.pronargdefaults,
                   p.proargnames::text, p.proname::text, p.probin,
                   EXISTS (SELECT FROM pg_catalog.unnest(COALESCE(p.proallargtypes, p.proargtypes::oid[])
                                                         || p.prorettype) AS u(t)
                            JOIN pg_catalog.pg_type t ON t.oid = u.t
                           WHERE t.typtype = 'p' AND t.typname::text LIKE 'any%') AS polymorphic,
                   CASE WHEN NOT p.proretset AND p.prorettype NOT IN ('pg_catalog.void'::pg_catalog.regtype,
                                 'pg_catalog.record'::pg_catalog.regtype, 'pg_catalog.trigger'::pg_catalog.regtype,
                                 'pg_catalog.event_trigger'::pg_catalog.regtype)
                             AND (SELECT t.typtype <> 'p' FROM pg_catalog.pg_type t WHERE t.oid = p.prorettype)
                        THEN pg_catalog.format_type(p.prorettype, NULL) END AS result_type,
                   pg_catalog.concat_ws(' ', a.aggtransfn::oid, a.aggfinalfn::oid, a.aggcombinefn::oid, a.aggserialfn::oid,
                             a.aggdeserialfn::oid, a.aggmtransfn::oid, a.aggminvtransfn::oid, a.aggmfinalfn::oid),
                   CASE WHEN n.nspname NOT IN ('pg_catalog', 'information_schema')
                        THEN audit._function_body_hash(p.oid) END,
                   CASE WHEN n.nspname NOT IN ('pg_catalog', 'information_schema')
                        THEN audit._function_signature(p.oid) END
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              JOIN pg_catalog.pg_language l ON l.oid = p.prolang
              LEFT JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
            """;
    private static final String FUNCTIONS_BY_OID = FUNCTION_COLUMNS
            + " WHERE p.oid IN (SELECT pg_catalog.jsonb_array_elements_text(?::jsonb)::oid) ORDER BY p.oid";
    private static final String FUNCTIONS_BY_NAME = FUNCTION_COLUMNS + """
             JOIN pg_catalog.jsonb_to_recordset(?::jsonb) AS c(schema text, name text)
               ON p.proname::text = c.name AND (c.schema IS NULL OR n.nspname::text = c.schema)
             ORDER BY p.oid
            """;
    private static final String OPERATOR_FUNCTIONS = """
            SELECT o.oid, o.oprcode::oid FROM pg_catalog.pg_operator o
             WHERE o.oid IN (SELECT pg_catalog.jsonb_array_elements_text(?::jsonb)::oid)
            """;
    private static final String PARSE = "SELECT p.tree, p.body_offset, p.problem"
            + " FROM audit._parse_sql_body(?::oid::regprocedure, ?::oid[], ?, ?::jsonb) p";

    /** A function as certification reads it from pg_proc. */
    record Function(long oid, String name, String schema, String language, String kind, String source, String sqlBody,
                    String argumentDefaults, int argumentCount, int defaultCount, List<String> argumentNames,
                    String simpleName, String binary, boolean polymorphic, String resultType,
                    List<Long> supportFunctions, String bodyHash, String signature) {

        boolean builtin() {
            return SYSTEM_SCHEMAS.contains(schema);
        }

        /** Bodies PostgreSQL parses at each call (a polymorphic one with the types of that call). */
        boolean parsedPerCall() {
            return language.equals("plpgsql") || language.equals("sql") && sqlBody == null;
        }

        boolean readsClock() {
            return (language.equals("internal") || language.equals("c") && builtin())
                    && (CLOCK_SYMBOLS.contains(source) || DATE_OFFSET_SYMBOLS.contains(source));
        }
    }

    /** A call a unit makes: to which unit, where (" at line N" or ""), and through what (a parameter default, a by-name guess). */
    record Call(Unit callee, String at, String through) {}

    /** One body certification reads: a view's query, or a function (a polymorphic one at the argument types of a call). */
    static final class Unit {
        final String key;
        final String name;
        final Function function;
        final List<Long> argumentTypes;
        final Unit calledBy;
        final Set<String> findings = new LinkedHashSet<>();
        final Set<String> problems = new LinkedHashSet<>();
        final List<Call> calls = new ArrayList<>();

        Unit(String key, String name, Function function, List<Long> argumentTypes, Unit calledBy) {
            this.key = key;
            this.name = name;
            this.function = function;
            this.argumentTypes = argumentTypes;
            this.calledBy = calledBy;
        }

        boolean builtin() {
            return function != null && function.builtin();
        }
    }

    /** A call site waiting for its function's catalog row. */
    private record PendingCall(Unit caller, CallSite site, String at, String through) {}

    private final Connection connection;
    private final Map<Long, String> datetimeTypes = new HashMap<>();
    private final Map<Long, Function> functions = new HashMap<>();
    private final Map<Long, Long> operatorFunctions = new HashMap<>();
    private final Map<String, Unit> units = new LinkedHashMap<>();
    private final Deque<Unit> pending = new ArrayDeque<>();
    private final List<PendingCall> calls = new ArrayList<>();
    private final Map<Unit, Map<TimeTokenScanner.Call, Integer>> namedCalls = new LinkedHashMap<>();
    private final Map<Long, Object> defaults = new HashMap<>();
    private final Map<Unit, String> builtinReasons = new HashMap<>();
    private Charset serverCharset = StandardCharsets.UTF_8;

    TimeOfQueryAnalysis(Connection connection) {
        this.connection = connection;
    }

    /**
     * Analyses the given views and functions and everything they call.
     *
     * @param views     view or materialized view oid -> its name
     * @param closureFunctions function oids the closure names
     * @return every unit read, views first, in the order they were reached
     */
    Collection<Unit> analyse(Map<Long, String> views, Collection<Long> closureFunctions) throws SQLException {
        loadDatetimeTypes();
        Map<Long, String> trees = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(VIEW_TREES)) {
            ps.setString(1, jsonArray(views.keySet()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    trees.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        for (Map.Entry<Long, String> view : views.entrySet()) {
            Unit unit = new Unit("view:" + view.getKey(), view.getValue(), null, List.of(), null);
            units.put(unit.key, unit);
            if (trees.get(view.getKey()) == null) {
                unit.problems.add("its query tree was not found (dropped while certifying?)");
            } else {
                scanStored(unit, trees.get(view.getKey()), "");
            }
        }
        loadFunctions(closureFunctions);
        List<Function> deferred = new ArrayList<>();
        for (Long oid : closureFunctions) {
            Function f = functions.get(oid);
            if (f != null && f.polymorphic() && f.parsedPerCall()) {
                deferred.add(f);
            } else if (f != null) {
                unitFor(f, List.of(), null);
            }
        }
        drain();
        // a polymorphic function is read at the types of its calls; alone only when no call was seen
        for (Function f : deferred) {
            if (units.values().stream().noneMatch(u -> u.function == f)) {
                unitFor(f, List.of(), null);
            }
        }
        drain();
        return units.values();
    }

    /** Why a built-in function depends on the time of the query (or may: it cannot be read), or null. */
    String builtinReason(Unit unit) {
        return reason(unit, new HashSet<>());
    }

    // --- the walk ---------------------------------------------------------------------------

    private void drain() throws SQLException {
        while (!calls.isEmpty() || !namedCalls.isEmpty() || !pending.isEmpty()) {
            resolveCalls();
            while (!pending.isEmpty()) {
                read(pending.poll());
            }
        }
    }

    private void resolveCalls() throws SQLException {
        Set<Long> opnos = new LinkedHashSet<>();
        for (PendingCall call : calls) {
            if (call.site().function() == 0 && call.site().operator() != 0 && !operatorFunctions.containsKey(call.site().operator())) {
                opnos.add(call.site().operator());
            }
        }
        loadOperators(opnos);
        Set<Long> oids = new LinkedHashSet<>();
        for (PendingCall call : calls) {
            oids.add(functionOf(call.site()));
        }
        loadFunctions(oids);
        List<PendingCall> current = new ArrayList<>(calls);
        calls.clear();
        for (PendingCall call : current) {
            Function callee = functions.get(functionOf(call.site()));
            if (callee != null) {
                resolved(call, callee);
            }
        }
        Map<Unit, Map<TimeTokenScanner.Call, Integer>> named = new LinkedHashMap<>(namedCalls);
        namedCalls.clear();
        if (!named.isEmpty()) {
            Set<TimeTokenScanner.Call> names = new LinkedHashSet<>();
            named.values().forEach(m -> names.addAll(m.keySet()));
            List<Function> candidates = loadByName(names);
            for (Map.Entry<Unit, Map<TimeTokenScanner.Call, Integer>> caller : named.entrySet()) {
                for (Map.Entry<TimeTokenScanner.Call, Integer> call : caller.getValue().entrySet()) {
                    for (Function f : candidates) {
                        if (f.simpleName().equals(call.getKey().name())
                                && (call.getKey().schema() == null || call.getKey().schema().equals(f.schema()))) {
                            Unit callee = unitFor(f, List.of(), caller.getKey());
                            caller.getKey().calls.add(new Call(callee, " at line " + call.getValue(),
                                    "called by name in SQL PostgreSQL could not parse, so every overload counts"));
                            // the arguments are unknown: any default may be taken
                            defaultsTaken(caller.getKey(), f, allParameters(f), " at line " + call.getValue());
                        }
                    }
                }
            }
        }
    }

    private long functionOf(CallSite site) {
        return site.function() != 0 ? site.function() : operatorFunctions.getOrDefault(site.operator(), 0L);
    }

    /** A call whose function is known: defaults it takes, date/time input it converts, and the callee to read. */
    private void resolved(PendingCall call, Function callee) {
        Unit caller = call.caller();
        CallSite site = call.site();
        if (site.positional() >= 0 && callee.defaultCount() > 0) {
            Set<Integer> omitted = new LinkedHashSet<>();
            for (int p = site.positional(); p < callee.argumentCount(); p++) {
                if (!site.named().contains(p)) {
                    omitted.add(p);
                }
            }
            defaultsTaken(caller, callee, omitted, call.at());
        }
        if (callee.language().equals("internal") && DATETIME_INPUT_SYMBOLS.contains(callee.source())
                && ClockLiteral.readsClock(site.firstArgumentText())) {
            caller.findings.add("'" + site.firstArgumentText().strip() + "' converted by " + callee.simpleName()
                    + "() at run time" + call.at());
        }
        List<Long> types = callee.polymorphic() && callee.parsedPerCall() ? site.argumentTypes() : List.of();
        Unit unit = unitFor(callee, types, caller);
        caller.calls.add(new Call(unit, call.at(), call.through()));
    }

    /** The defaults of callee's parameters (0-based) a call leaves out: evaluated in the caller, at every call. */
    private void defaultsTaken(Unit caller, Function callee, Set<Integer> parameters, String at) {
        int firstDefault = callee.argumentCount() - callee.defaultCount();
        if (callee.argumentDefaults() == null || parameters.isEmpty()) {
            return;
        }
        Object tree = defaults.computeIfAbsent(callee.oid(), oid -> parseOrNull(callee.argumentDefaults()));
        if (!(tree instanceof List<?> list)) {
            caller.problems.add("the parameter defaults of " + callee.name() + " cannot be read");
            return;
        }
        for (int p : parameters) {
            int d = p - firstDefault;
            if (d < 0 || d >= list.size()) {
                continue;
            }
            String parameter = p < callee.argumentNames().size() && !callee.argumentNames().get(p).isEmpty()
                    ? callee.argumentNames().get(p) : "$" + (p + 1);
            String through = "the default of " + parameter + " of " + callee.name() + ", which the call leaves out";
            TreeScan scan = TreeScan.scan(list.get(d), datetimeTypes, TreeScan.STORED);
            for (Finding finding : scan.findings()) {
                caller.findings.add(callee.name() + " without argument " + parameter + ", whose default "
                        + finding.what() + " is evaluated at run time" + at);
            }
            for (CallSite site : scan.calls()) {
                calls.add(new PendingCall(caller, site, at, through));
            }
        }
    }

    private static Set<Integer> allParameters(Function f) {
        Set<Integer> all = new LinkedHashSet<>();
        for (int p = 0; p < f.argumentCount(); p++) {
            all.add(p);
        }
        return all;
    }

    private Unit unitFor(Function f, List<Long> argumentTypes, Unit caller) {
        String key = "function:" + f.oid() + (argumentTypes.isEmpty() ? "" : ":" + argumentTypes);
        Unit unit = units.get(key);
        if (unit == null) {
            unit = new Unit(key, f.name(), f, argumentTypes, caller);
            units.put(key, unit);
            pending.add(unit);
        }
        return unit;
    }

    /** Reads one function by its language. */
    private void read(Unit unit) throws SQLException {
        Function f = unit.function;
        switch (f.language()) {
            case "internal", "c" -> {
                if (f.kind().equals("a")) {
                    for (Long support : f.supportFunctions()) {
                        calls.add(new PendingCall(unit, new CallSite(support, 0, List.of(), -1, Set.of(), null, -1), "",
                                "an aggregate support function"));
                    }
                } else if (f.readsClock()) {
                    unit.findings.add("C function " + f.source() + (DATE_OFFSET_SYMBOLS.contains(f.source())
                            ? ", whose result depends on the current date" : ", which reads the clock"));
                } else if (f.language().equals("c") && !f.builtin()) {
                    unit.problems.add("it is a C function (" + f.binary() + ", symbol " + f.source()
                            + "), whose code cannot be read");
                }
            }
            case "sql" -> {
                if (f.sqlBody() != null) {
                    scanStored(unit, f.sqlBody(), "");
                } else {
                    readSqlBody(unit);
                }
            }
            case "plpgsql" -> readPlpgsql(unit);
            default -> unit.problems.add("its body is in language " + f.language() + ", which cannot be read");
        }
    }

    private void readSqlBody(Unit unit) throws SQLException {
        Function f = unit.function;
        ProbeSource source = ProbeSource.ofBody(f.source(), serverCharset);
        String problem = parse(unit, null, null, source);
        if (problem != null) {
            if (f.builtin()) {
                // a system body PostgreSQL cannot parse here (polymorphic, without call types): trust its text
                scanUnparsed(unit, f.source(), 0, f.source().length(), false);
            } else {
                unit.problems.add("its body cannot be parsed: " + problem);
            }
        }
    }

    private void readPlpgsql(Unit unit) throws SQLException {
        Function f = unit.function;
        PlpgsqlBody body = PlpgsqlBody.read(f.source(), f.resultType());
        for (String dynamic : body.dynamic()) {
            unit.problems.add("it runs dynamic SQL (" + dynamic + ")");
        }
        String variables = variablesJson(body.variables());
        List<PlpgsqlBody.Statement> statements = body.statements();
        if (!statements.isEmpty()) {
            ProbeSource all = ProbeSource.ofStatements(statements, true, f.source(), serverCharset);
            if (parse(unit, all.text(), variables, all) != null) {
                // parse them one at a time; what still fails goes to the tokenizer
                for (PlpgsqlBody.Statement statement : statements) {
                    ProbeSource one = ProbeSource.ofStatements(List.of(statement), true, f.source(), serverCharset);
                    if (parse(unit, one.text(), variables, one) == null) {
                        continue;
                    }
                    ProbeSource uncast = ProbeSource.ofStatements(List.of(statement), false, f.source(), serverCharset);
                    if (statement.uncast() != null && parse(unit, uncast.text(), variables, uncast) == null) {
                        continue;
                    }
                    for (PlpgsqlBody.Part part : statement.parts()) {
                        if (part.from() >= 0) {
                            scanUnparsed(unit, f.source(), part.from(), part.from() + part.text().length(), true);
                        }
                    }
                }
            }
        }
        for (PlpgsqlBody.Unparsed part : body.unparsed()) {
            scanUnparsed(unit, f.source(), part.from(), part.to(), true);
        }
    }

    /** Lets PostgreSQL parse; on success scans the tree as parsed now. Returns the problem, or null. */
    private String parse(Unit unit, String statements, String variables, ProbeSource source) throws SQLException {
        String tree;
        try (PreparedStatement ps = connection.prepareStatement(PARSE)) {
            ps.setLong(1, unit.function.oid());
            setText(ps, 2, unit.argumentTypes.isEmpty() ? null : oidArray(unit.argumentTypes));
            setText(ps, 3, statements);
            setText(ps, 4, variables);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                tree = rs.getString(1);
                source.parsedAt(rs.getInt(2));
                if (rs.getString(3) != null) {
                    return rs.getString(3);
                }
            }
        }
        Object parsed;
        try {
            parsed = NodeTree.parse(tree);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        TreeScan scan = TreeScan.scan(parsed, datetimeTypes, source);
        for (Finding finding : scan.findings()) {
            unit.findings.add(finding.what() + source.lineAt(finding.location()));
        }
        for (CallSite site : scan.calls()) {
            calls.add(new PendingCall(unit, site, source.lineAt(site.location()), null));
        }
        return null;
    }

    /** PL/Java's statements want NULL set with its type. */
    private static void setText(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    private void scanStored(Unit unit, String tree, String at) {
        Object parsed;
        try {
            parsed = NodeTree.parse(tree);
        } catch (IllegalArgumentException e) {
            unit.problems.add("its stored query tree cannot be read: " + e.getMessage());
            return;
        }
        TreeScan scan = TreeScan.scan(parsed, datetimeTypes, TreeScan.STORED);
        for (Finding finding : scan.findings()) {
            unit.findings.add(finding.what() + at);
        }
        for (CallSite site : scan.calls()) {
            calls.add(new PendingCall(unit, site, at, null));
        }
    }

    /** The tokenizer's reading of a part PostgreSQL cannot parse: its tokens, and every function of a called name. */
    private void scanUnparsed(Unit unit, String source, int from, int to, boolean inDoubt) {
        unit.findings.addAll(TimeTokenScanner.scan(source, from, to, inDoubt));
        Map<TimeTokenScanner.Call, Integer> named = TimeTokenScanner.calledFunctions(source, from, to);
        if (!named.isEmpty()) {
            namedCalls.computeIfAbsent(unit, u -> new LinkedHashMap<>()).putAll(named);
        }
    }

    // --- built-ins ------------------------------------------------------------------------------

    private String reason(Unit unit, Set<Unit> visiting) {
        if (builtinReasons.containsKey(unit)) {
            return builtinReasons.get(unit);
        }
        if (!visiting.add(unit)) {
            return null;
        }
        String reason = null;
        Function f = unit.function;
        if (f.readsClock()) {
            reason = DATE_OFFSET_SYMBOLS.contains(f.source())
                    ? "its result depends on the current date: the time zone offset is looked up for today"
                    : "it reads the clock";
        } else if (!unit.findings.isEmpty()) {
            reason = "its body reads " + String.join(", ", unit.findings);
        } else if (!unit.problems.isEmpty()) {
            // a system function nobody can read (an extension's, installed in pg_catalog): fail closed where it is called
            reason = "it cannot be analysed: " + String.join("; ", unit.problems);
        } else {
            for (Call call : unit.calls) {
                String inner = call.callee().builtin() ? reason(call.callee(), visiting) : null;
                if (inner != null) {
                    reason = "it calls " + call.callee().name + " (" + inner + ")";
                    break;
                }
            }
        }
        builtinReasons.put(unit, reason);
        return reason;
    }

    // --- catalog ---------------------------------------------------------------------------------

    private void loadDatetimeTypes() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(DATETIME_TYPES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                datetimeTypes.put(rs.getLong(1), rs.getString(2));
            }
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_catalog.current_setting('server_encoding')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            serverCharset = charsetOf(rs.getString(1));
        }
    }

    private void loadOperators(Collection<Long> opnos) throws SQLException {
        if (opnos.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(OPERATOR_FUNCTIONS)) {
            ps.setString(1, jsonArray(opnos));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    operatorFunctions.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
    }

    private void loadFunctions(Collection<Long> oids) throws SQLException {
        List<Long> missing = oids.stream().filter(o -> o != 0 && !functions.containsKey(o)).distinct().toList();
        if (missing.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(FUNCTIONS_BY_OID)) {
            ps.setString(1, jsonArray(missing));
            for (Function f : read(ps)) {
                functions.put(f.oid(), f);
            }
        }
    }

    private List<Function> loadByName(Set<TimeTokenScanner.Call> calls) throws SQLException {
        List<Map<String, ?>> rows = new ArrayList<>();
        for (TimeTokenScanner.Call call : calls) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("schema", call.schema());
            row.put("name", call.name());
            rows.add(row);
        }
        try (PreparedStatement ps = connection.prepareStatement(FUNCTIONS_BY_NAME)) {
            ps.setString(1, Json.write(rows));
            List<Function> found = new ArrayList<>();
            for (Function f : read(ps)) {
                functions.putIfAbsent(f.oid(), f);
                found.add(functions.get(f.oid()));
            }
            return found;
        }
    }

    private static List<Function> read(PreparedStatement ps) throws SQLException {
        List<Function> found = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                found.add(new Function(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9), rs.getInt(10),
                        textArray(rs.getString(11)), rs.getString(12), rs.getString(13), rs.getBoolean(14), rs.getString(15),
                        oids(rs.getString(16)), rs.getString(17), rs.getString(18)));
            }
        }
        return found;
    }

    private static Object parseOrNull(String tree) {
        try {
            return NodeTree.parse(tree);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static List<Long> oids(String spaceSeparated) {
        List<Long> oids = new ArrayList<>();
        if (spaceSeparated != null) {
            for (String s : spaceSeparated.trim().split("\\s+")) {
                if (!s.isEmpty() && !s.equals("0")) {
                    oids.add(Long.parseLong(s));
                }
            }
        }
        return oids;
    }

    /** A one-dimensional text array as PostgreSQL prints it ({a,"b c",""}); PL/Java reads arrays as text. */
    static List<String> textArray(String literal) {
        List<String> items = new ArrayList<>();
        if (literal == null || literal.length() < 2) {
            return items;
        }
        String body = literal.substring(1, literal.length() - 1);
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (quoted && c == '\\' && i + 1 < body.length()) {
                item.append(body.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                wasQuoted = true;
            } else if (c == ',' && !quoted) {
                items.add(!wasQuoted && item.toString().equals("NULL") ? "" : item.toString());
                item.setLength(0);
                wasQuoted = false;
            } else {
                item.append(c);
            }
        }
        if (!body.isEmpty()) {
            items.add(!wasQuoted && item.toString().equals("NULL") ? "" : item.toString());
        }
        return items;
    }

    private static String variablesJson(List<PlpgsqlBody.Variable> variables) {
        List<Map<String, ?>> rows = new ArrayList<>();
        for (PlpgsqlBody.Variable v : variables) {
            if (v.type() != null) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", v.name());
                row.put("type", v.type());
                rows.add(row);
            }
        }
        return Json.write(rows);
    }

    static String jsonArray(Iterable<Long> oids) {
        StringBuilder json = new StringBuilder("[");
        for (Long oid : oids) {
            json.append(json.length() > 1 ? "," : "").append('"').append(oid).append('"');
        }
        return json.append(']').toString();
    }

    private static String oidArray(List<Long> oids) {
        StringJoiner array = new StringJoiner(",", "{", "}");
        oids.forEach(o -> array.add(String.valueOf(o)));
        return array.toString();
    }

    /** The Java charset of a PostgreSQL server encoding (tree locations count bytes in it). */
    private static Charset charsetOf(String encoding) {
        String name = switch (encoding == null ? "" : encoding.toUpperCase()) {
            case "UTF8", "SQL_ASCII" -> "UTF-8";
            case "LATIN1" -> "ISO-8859-1";
            case "LATIN2" -> "ISO-8859-2";
            case "LATIN9" -> "ISO-8859-15";
            case "WIN1250" -> "windows-1250";
            case "WIN1251" -> "windows-1251";
            case "WIN1252" -> "windows-1252";
            case "EUC_JP" -> "EUC-JP";
            case "SJIS" -> "Shift_JIS";
            case "GBK" -> "GBK";
            case "BIG5" -> "Big5";
            default -> "UTF-8";
        };
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
