package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.SqlLexer.Kind;
import dev.mvcert.engine.certify.SqlLexer.Token;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The tokenizer's reading of SQL and PL/pgSQL source, for the parts of a body that PostgreSQL
 * cannot parse for certification (statements a BEGIN ATOMIC body cannot hold, PL/pgSQL
 * expressions using record variables, ...): the names of the time functions called, the
 * CURRENT_DATE family of keywords, and the literals 'now', 'today', 'yesterday', 'tomorrow'
 * cast to a date/time type (which a function evaluates at every call). Where PostgreSQL can
 * parse, {@link TreeScan} decides instead, from the parse tree.
 *
 * <p>Scanning a part "in doubt" flags every such literal, cast or not: without a parse
 * nobody can tell whether it becomes a date.
 */
final class TimeTokenScanner {

    /** Functions whose result depends on when they are called. */
    static final Set<String> TIME_FUNCTIONS = Set.of("now", "clock_timestamp", "statement_timestamp",
            "transaction_timestamp", "timeofday");

    private static final Set<String> TIME_KEYWORDS = Set.of("current_date", "current_time", "current_timestamp",
            "localtime", "localtimestamp");

    private static final Set<String> DATETIME_TYPES = Set.of("date", "time", "timetz", "timestamp", "timestamptz");

    /** A function named in a body: schema is null when the call is unqualified. */
    record Call(String schema, String name) {}

    private TimeTokenScanner() {}

    /** Time-of-query tokens in SQL or PL/pgSQL source, each with its line in the body. */
    static List<String> scanSource(String source) {
        return scan(source, 0, source == null ? 0 : source.length(), false);
    }

    /**
     * Time-of-query tokens in the part [from, to) of a body, each with its line; with
     * {@code inDoubt}, every 'now'/'today'/... literal is reported, cast or not.
     */
    static List<String> scan(String source, int from, int to, boolean inDoubt) {
        List<Token> t = SqlLexer.tokenize(source);
        List<String> found = new ArrayList<>();
        Map<String, String> declaredTypes = declaredVariableTypes(t);
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            if (token.start() < from || token.start() >= to) {
                continue;
            }
            if (token.kind() == Kind.IDENTIFIER && TIME_FUNCTIONS.contains(token.text())
                    && next(t, i, 1).isSymbol("(") && !qualifiedByOtherThanPgCatalog(t, i)) {
                found.add(token.text() + "() at line " + token.line());
            } else if (token.kind() == Kind.IDENTIFIER && TIME_KEYWORDS.contains(token.text())
                    && !previous(t, i, 1).isSymbol(".")) {
                found.add(token.text().toUpperCase(Locale.ROOT) + " at line " + token.line());
            } else if (token.kind() == Kind.STRING && ClockLiteral.readsClock(token.text())) {
                if (castToDatetime(t, i, declaredTypes)) {
                    found.add("'" + token.text().strip() + "' as a date/time value at line " + token.line());
                } else if (inDoubt) {
                    found.add("'" + token.text().strip() + "' (in SQL PostgreSQL could not parse here, so it may become"
                            + " a date/time value) at line " + token.line());
                }
            }
        }
        return found;
    }

    /** Functions a body calls by name ({@code f(}, {@code s.f(}); keywords like {@code coalesce(} included, harmlessly. */
    static Set<Call> calledFunctions(String source) {
        return calledFunctions(source, 0, source == null ? 0 : source.length()).keySet();
    }

    /** Functions the part [from, to) of a body calls by name, each with the line of its first call. */
    static Map<Call, Integer> calledFunctions(String source, int from, int to) {
        List<Token> t = SqlLexer.tokenize(source);
        Map<Call, Integer> calls = new LinkedHashMap<>();
        for (int i = 0; i < t.size(); i++) {
            Token token = t.get(i);
            boolean name = token.kind() == Kind.IDENTIFIER || token.kind() == Kind.QUOTED_IDENTIFIER;
            if (name && token.start() >= from && token.start() < to && next(t, i, 1).isSymbol("(")) {
                Token dot = previous(t, i, 1);
                Token schema = previous(t, i, 2);
                if (dot.isSymbol(".") && (schema.kind() == Kind.IDENTIFIER || schema.kind() == Kind.QUOTED_IDENTIFIER)) {
                    calls.putIfAbsent(new Call(schema.text(), token.text()), token.line());
                } else if (!dot.isSymbol(".")) {
                    calls.putIfAbsent(new Call(null, token.text()), token.line());
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
