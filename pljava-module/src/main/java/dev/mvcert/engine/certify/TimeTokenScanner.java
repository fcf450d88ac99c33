package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.SqlLexer.Kind;
import dev.mvcert.engine.certify.SqlLexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds time-of-query tokens: values that change with the moment a query runs, which make a
 * feature store leak the future into its past (runbook 001, failure class 2).
 *
 * <p>Views are scanned in their stored query tree ({@code pg_rewrite.ev_action}), which names
 * every call exactly: {@code {FUNCEXPR :funcid N} for now() and its kin (oids looked up by the
 * caller in pg_proc) and {@code SQLVALUEFUNCTION} nodes of a date/time type for CURRENT_DATE
 * and its kin; string constants are stored as bytes there, so {@code 'now()'} cannot match.
 * A {@code 'today'::date} written in a view was folded to a constant when the view was
 * created: frozen, not time-of-query, so it is not reported.
 *
 * <p>Function bodies are source text ({@code prosrc}) and are tokenized: calls of the time
 * functions, the CURRENT_DATE family of keywords, and the literals 'now', 'today',
 * 'yesterday', 'tomorrow' cast to a date/time type (which a function evaluates at every call).
 */
final class TimeTokenScanner {

    /** Functions whose result depends on when they are called. */
    static final Set<String> TIME_FUNCTIONS = Set.of("now", "clock_timestamp", "statement_timestamp",
            "transaction_timestamp", "timeofday");

    private static final Set<String> TIME_KEYWORDS = Set.of("current_date", "current_time", "current_timestamp",
            "localtime", "localtimestamp");

    private static final Set<String> DATETIME_TYPES = Set.of("date", "time", "timetz", "timestamp", "timestamptz");

    private static final Set<String> SPECIAL_DATETIME_VALUES = Set.of("now", "today", "yesterday", "tomorrow");

    /** PostgreSQL 15 SQLValueFunctionOp order (primnodes.h); only used to name a node in messages. */
    private static final String[] SQL_VALUE_FUNCTION_NAMES = {"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIME(n)",
            "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(n)", "LOCALTIME", "LOCALTIME(n)", "LOCALTIMESTAMP",
            "LOCALTIMESTAMP(n)"};

    private static final Pattern FUNCEXPR = Pattern.compile("\\{FUNCEXPR :funcid (\\d+) ");
    private static final Pattern SQL_VALUE_FUNCTION = Pattern.compile("\\{SQLVALUEFUNCTION :op (\\d+) :type (\\d+) ");

    /** A function named in a body: schema is null when the call is unqualified. */
    record Call(String schema, String name) {}

    private TimeTokenScanner() {}

    /**
     * Time-of-query tokens in a stored query tree (a view's ev_action or a BEGIN ATOMIC body).
     *
     * @param timeFunctions oid -> name of the time functions, as found in pg_proc
     * @param datetimeTypes oids of the date/time types (date, time, timetz, timestamp, timestamptz)
     */
    static List<String> scanQueryTree(String tree, Map<Long, String> timeFunctions, Set<Long> datetimeTypes) {
        Set<String> found = new LinkedHashSet<>();
        if (tree == null) {
            return List.of();
        }
        Matcher call = FUNCEXPR.matcher(tree);
        while (call.find()) {
            String name = timeFunctions.get(Long.parseLong(call.group(1)));
            if (name != null) {
                found.add(name + "()");
            }
        }
        Matcher value = SQL_VALUE_FUNCTION.matcher(tree);
        while (value.find()) {
            if (datetimeTypes.contains(Long.parseLong(value.group(2)))) {
                int op = Integer.parseInt(value.group(1));
                found.add(op < SQL_VALUE_FUNCTION_NAMES.length ? SQL_VALUE_FUNCTION_NAMES[op] : "SQL value function " + op);
            }
        }
        return List.copyOf(found);
    }

    /** Function oids called in a stored query tree (to follow BEGIN ATOMIC bodies). */
    static Set<Long> calledFunctionOids(String tree) {
        Set<Long> oids = new LinkedHashSet<>();
        if (tree != null) {
            Matcher call = FUNCEXPR.matcher(tree);
            while (call.find()) {
                oids.add(Long.parseLong(call.group(1)));
            }
        }
        return oids;
    }

    /** Time-of-query tokens in SQL or PL/pgSQL source, each with its line in the body. */
    static List<String> scanSource(String source) {
        List<Token> t = SqlLexer.tokenize(source);
        List<String> found = new ArrayList<>();
        Map<String, String> declaredTypes = declaredVariableTypes(t);
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            if (token.kind() == Kind.IDENTIFIER && TIME_FUNCTIONS.contains(token.text())
                    && next(t, i, 1).isSymbol("(") && !qualifiedByOtherThanPgCatalog(t, i)) {
                found.add(token.text() + "() at line " + token.line());
            } else if (token.kind() == Kind.IDENTIFIER && TIME_KEYWORDS.contains(token.text())
                    && !previous(t, i, 1).isSymbol(".")) {
                found.add(token.text().toUpperCase(Locale.ROOT) + " at line " + token.line());
            } else if (token.kind() == Kind.STRING
                    && SPECIAL_DATETIME_VALUES.contains(token.text().strip().toLowerCase(Locale.ROOT))
                    && castToDatetime(t, i, declaredTypes)) {
                found.add("'" + token.text().strip() + "' as a date/time value at line " + token.line());
            }
        }
        return found;
    }

    /** Functions a body calls by name ({@code f(}, {@code s.f(}); keywords like {@code coalesce(} included, harmlessly. */
    static Set<Call> calledFunctions(String source) {
        List<Token> t = SqlLexer.tokenize(source);
        Set<Call> calls = new LinkedHashSet<>();
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            boolean name = token.kind() == Kind.IDENTIFIER || token.kind() == Kind.QUOTED_IDENTIFIER;
            if (name && next(t, i, 1).isSymbol("(")) {
                Token dot = previous(t, i, 1);
                Token schema = previous(t, i, 2);
                if (dot.isSymbol(".") && (schema.kind() == Kind.IDENTIFIER || schema.kind() == Kind.QUOTED_IDENTIFIER)) {
                    calls.add(new Call(schema.text(), token.text()));
                } else if (!dot.isSymbol(".")) {
                    calls.add(new Call(null, token.text()));
                }
            }
        }
        return calls;
    }

    private static boolean qualifiedByOtherThanPgCatalog(List<Token> t, int i) {
        return previous(t, i, 1).isSymbol(".") && !previous(t, i, 2).isWord("pg_catalog");
    }

    /** 'now'::date, date 'now', timestamp with time zone 'now', CAST('now' AS date), v_day := 'today'. */
    private static boolean castToDatetime(List<Token> t, int i, Map<String, String> declaredTypes) {
        if (next(t, i, 1).isSymbol("::")) {
            Token type = next(t, i, 2);
            if (type.isWord("pg_catalog") && next(t, i, 3).isSymbol(".")) {
                type = next(t, i, 4);
            }
            return isDatetimeType(type);
        }
        Token before = previous(t, i, 1);
        if (isDatetimeType(before) || (before.isWord("zone") && previous(t, i, 2).isWord("time"))) {
            return true;
        }
        if (before.isSymbol("(") && previous(t, i, 2).isWord("cast") && next(t, i, 1).isWord("as")) {
            return isDatetimeType(next(t, i, 2));
        }
        if (before.isSymbol(":=") || before.isSymbol("=") || before.isWord("default")) {
            // an assignment: in a declaration `v date := 'today'` or later `v := 'today'`
            for (int k = i - 2; k >= 0 && k >= i - 8; k--) {
                Token back = t.get(k);
                if (back.isSymbol(";") || back.isWord("declare") || back.isWord("begin")) {
                    break;
                }
                if (isDatetimeType(back) || DATETIME_TYPES.contains(declaredTypes.getOrDefault(back.text(), ""))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** PL/pgSQL DECLARE sections: variable name -> first word of its type. */
    private static Map<String, String> declaredVariableTypes(List<Token> t) {
        Map<String, String> types = new HashMap<>();
        boolean inDeclare = false;
        boolean statementStart = false;
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            if (token.isWord("declare")) {
                inDeclare = true;
                statementStart = true;
            } else if (token.isWord("begin")) {
                inDeclare = false;
            } else if (inDeclare && token.isSymbol(";")) {
                statementStart = true;
            } else if (inDeclare && statementStart && (token.kind() == Kind.IDENTIFIER || token.kind() == Kind.QUOTED_IDENTIFIER)) {
                Token type = next(t, i, 1);
                if (type.isWord("constant")) {
                    type = next(t, i, 2);
                }
                if (type.kind() == Kind.IDENTIFIER) {
                    types.put(token.text(), type.text());
                }
                statementStart = false;
            }
        }
        return types;
    }

    private static boolean isDatetimeType(Token token) {
        return token.kind() == Kind.IDENTIFIER && DATETIME_TYPES.contains(token.text());
    }

    private static final Token NONE = new Token(Kind.SYMBOL, "", 0);

    private static Token next(List<Token> t, int i, int ahead) {
        return i + ahead < t.size() ? t.get(i + ahead) : NONE;
    }

    private static Token previous(List<Token> t, int i, int back) {
        return i - back >= 0 ? t.get(i - back) : NONE;
    }
}
