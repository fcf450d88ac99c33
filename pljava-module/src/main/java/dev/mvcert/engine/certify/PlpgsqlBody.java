package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.SqlLexer.Kind;
import dev.mvcert.engine.certify.SqlLexer.Token;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The SQL inside a PL/pgSQL body, taken apart along the PL/pgSQL grammar so that PostgreSQL
 * can parse each piece with the types the body gives it: the variables of every DECLARE
 * section (and integer FOR loop variables), and the statements the body runs, each written as
 * SQL that a BEGIN ATOMIC body can hold. Expressions become {@code SELECT expr}; one that is
 * assigned to a variable, a default or the function's result becomes
 * {@code SELECT CAST((expr) AS type)}, as PL/pgSQL converts it at run time (so
 * {@code v_day date := 'today'} is a date converted at every call); SELECT/INSERT/UPDATE/DELETE
 * statements lose their INTO clause; PERFORM becomes SELECT; a simple CASE's WHEN values are
 * compared with {@code IN}.
 *
 * <p>What PostgreSQL cannot parse that way (other statements: CALL, DDL, ...) is kept as an
 * unparsed part for the tokenizer. EXECUTE of a string (also in FOR ... IN EXECUTE,
 * RETURN QUERY EXECUTE, OPEN ... FOR EXECUTE) is dynamic SQL, which nothing can read.
 */
final class PlpgsqlBody {

    /** A variable: its name as PL/pgSQL folds it, and its type as written (%ROWTYPE dropped); type null when it has none SQL knows. */
    record Variable(String name, String type) {}

    /** Text of a probe statement: copied from the body at {@code from}, or written here ({@code from} -1). */
    record Part(String text, int from) {}

    /**
     * One piece of SQL to parse: its parts; {@code uncast}, the same without the cast to the
     * assigned type (tried when the cast does not parse), or null; the body line it starts on.
     */
    record Statement(List<Part> parts, List<Part> uncast, int line) {

        String text() {
            StringBuilder s = new StringBuilder();
            parts.forEach(p -> s.append(p.text()));
            return s.toString();
        }
    }

    /** A range of the body PostgreSQL cannot parse as SQL, left to the tokenizer. */
    record Unparsed(int from, int to, int line) {}

    private static final Pattern ROWTYPE = Pattern.compile("(?i)\\s*%\\s*rowtype\\s*$");
    private static final Set<String> RAISE_LEVELS = Set.of("debug", "log", "info", "notice", "warning", "exception");
    private static final Set<String> QUERY_STARTS = Set.of("select", "with", "insert", "update", "delete", "merge",
            "values", "table");
    private static final Set<String> SKIPPED = Set.of("get", "fetch", "move", "close", "null", "commit", "rollback");

    private final String source;
    private final List<Token> t;
    private final String returnType;
    private final List<Variable> variables = new ArrayList<>();
    private final List<Statement> statements = new ArrayList<>();
    private final List<Unparsed> unparsed = new ArrayList<>();
    private final List<String> dynamic = new ArrayList<>();
    private final Set<String> cursors = new HashSet<>();

    private PlpgsqlBody(String source, String returnType) {
        this.source = source;
        this.t = SqlLexer.tokenize(source);
        this.returnType = returnType;
    }

    /**
     * Reads a PL/pgSQL body.
     *
     * @param returnType the type RETURN converts its expression to, or null (void, sets, records, triggers)
     */
    static PlpgsqlBody read(String source, String returnType) {
        PlpgsqlBody body = new PlpgsqlBody(source == null ? "" : source, returnType);
        body.variables.add(new Variable("found", "boolean"));
        int i = 0;
        while (i < body.t.size()) {
            int next = body.statement(i);
            i = next > i ? next : i + 1;
        }
        return body;
    }

    List<Variable> variables() {
        return variables;
    }

    List<Statement> statements() {
        return statements;
    }

    List<Unparsed> unparsed() {
        return unparsed;
    }

    /** Where the body runs dynamic SQL: "EXECUTE at line N". */
    List<String> dynamic() {
        return dynamic;
    }

    String source() {
        return source;
    }

    // --- statements ---------------------------------------------------------------------

    /** Reads the statement at i; returns the index after it. */
    private int statement(int i) {
        Token k = token(i);
        if (k.isSymbol("<<")) {
            int j = i;
            while (j < t.size() && !token(j).isSymbol(">>")) {
                j++;
            }
            return j + 1;
        }
        if (k.isSymbol(";") || k.kind() == Kind.SYMBOL && k.text().equals("#")) {
            // an empty statement, or a compiler option (#variable_conflict ...) up to the end of its line
            return k.isSymbol(";") ? i + 1 : endOfLine(i);
        }
        if (k.kind() != Kind.IDENTIFIER) {
            return assignmentOrOther(i);
        }
        switch (k.text()) {
            case "declare", "begin" -> {
                return block(i);
            }
            case "if" -> {
                int j = expression(i + 1, Set.of("then"), Set.of());
                j = statements(j + 1, Set.of("elsif", "elseif", "else", "end"));
                while (word(j, "elsif") || word(j, "elseif")) {
                    j = expression(j + 1, Set.of("then"), Set.of());
                    j = statements(j + 1, Set.of("elsif", "elseif", "else", "end"));
                }
                if (word(j, "else")) {
                    j = statements(j + 1, Set.of("end"));
                }
                return endOf(j, "if");
            }
            case "case" -> {
                return caseStatement(i);
            }
            case "loop" -> {
                return endOf(statements(i + 1, Set.of("end")), "loop");
            }
            case "while" -> {
                int j = expression(i + 1, Set.of("loop"), Set.of());
                return endOf(statements(j + 1, Set.of("end")), "loop");
            }
            case "for" -> {
                return forLoop(i);
            }
            case "foreach" -> {
                int j = find(i + 1, Set.of("array"), Set.of(";"));
                j = expression(j + 1, Set.of("loop"), Set.of());
                return endOf(statements(j + 1, Set.of("end")), "loop");
            }
            case "exit", "continue" -> {
                int j = find(i + 1, Set.of("when"), Set.of(";"));
                return word(j, "when") ? expression(j + 1, Set.of(), Set.of(";")) + 1 : j + 1;
            }
            case "return" -> {
                return returnStatement(i);
            }
            case "perform" -> {
                int end = until(i + 1, ";");
                add(List.of(new Part("SELECT ", -1), copy(i + 1, end)), null, k.line());
                return end + 1;
            }
            case "execute" -> {
                dynamic.add("EXECUTE at line " + k.line());
                return until(i, ";") + 1;
            }
            case "raise" -> {
                return raise(i);
            }
            case "assert" -> {
                return expression(i + 1, Set.of(), Set.of(";")) + 1;
            }
            case "open" -> {
                return open(i);
            }
            case "call" -> {
                return unparsedUntilSemicolon(i);
            }
            case "do" -> {
                dynamic.add("DO block at line " + k.line());
                return until(i, ";") + 1;
            }
            default -> {
                if (SKIPPED.contains(k.text())) {
                    return until(i, ";") + 1;
                }
                if (QUERY_STARTS.contains(k.text())) {
                    return query(i, until(i, ";")) + 1;
                }
                return assignmentOrOther(i);
            }
        }
    }

    /** Statements from i until one of the words that end the enclosing construct. */
    private int statements(int i, Set<String> stops) {
        int j = i;
        while (j < t.size() && !(token(j).kind() == Kind.IDENTIFIER && stops.contains(token(j).text()))) {
            int next = statement(j);
            j = next > j ? next : j + 1;
        }
        return j;
    }

    /** [&lt;&lt;label&gt;&gt;] [DECLARE ...] BEGIN ... [EXCEPTION WHEN ... THEN ...] END [label]; */
    private int block(int i) {
        int j = i;
        if (word(j, "declare")) {
            j = declarations(j + 1);
        }
        if (word(j, "begin")) {
            j = statements(j + 1, Set.of("exception", "end"));
        }
        if (word(j, "exception")) {
            j++;
            while (word(j, "when")) {
                j = find(j + 1, Set.of("then"), Set.of(";"));
                j = statements(j + 1, Set.of("when", "end"));
            }
        }
        if (word(j, "end")) {
            j++;
            if (token(j).kind() == Kind.IDENTIFIER || token(j).kind() == Kind.QUOTED_IDENTIFIER) {
                j++;
            }
            if (token(j).isSymbol(";")) {
                j++;
            }
        }
        return j;
    }

    /** name [CONSTANT] type [COLLATE c] [NOT NULL] [{DEFAULT | := | =} expr]; cursors; aliases. */
    private int declarations(int i) {
        int j = i;
        while (j < t.size() && !word(j, "begin")) {
            Token name = token(j);
            if (name.isSymbol("<<") || name.isSymbol(";")) {
                j = name.isSymbol(";") ? j + 1 : statement(j);
                continue;
            }
            int k = j + 1;
            if (word(k, "alias")) {
                j = until(k, ";") + 1;
                continue;
            }
            if (word(k, "constant")) {
                k++;
            }
            if (word(k, "cursor") || word(k, "scroll") || word(k, "no") && word(k + 1, "scroll")) {
                j = cursorDeclaration(name, k);
                continue;
            }
            int typeEnd = find(k, Set.of("collate", "not", "default"), Set.of(":=", "=", ";"));
            String type = typeEnd > k ? ROWTYPE.matcher(source.substring(token(k).start(), token(typeEnd - 1).end())).replaceAll("") : null;
            if (type != null && type.equalsIgnoreCase("record")) {
                type = null;
            }
            variables.add(new Variable(name.text(), type));
            int end = until(typeEnd, ";");
            int assign = find(typeEnd, Set.of("default"), Set.of(":=", "="));
            if (assign < end) {
                assigned(assign + 1, end, type == null ? null : name.text(), null, name.line());
            }
            j = end + 1;
        }
        return j;
    }

    /** name [[NO] SCROLL] CURSOR [(arg type, ...)] {FOR | IS} query; */
    private int cursorDeclaration(Token name, int i) {
        variables.add(new Variable(name.text(), "refcursor"));
        cursors.add(name.text());
        int j = find(i, Set.of("for", "is"), Set.of("(", ";"));
        if (token(j).isSymbol("(")) {
            int close = closing(j);
            for (int[] arg : commaSeparated(j + 1, close)) {
                if (arg[1] - arg[0] >= 2) {
                    variables.add(new Variable(token(arg[0]).text(),
                            source.substring(token(arg[0] + 1).start(), token(arg[1] - 1).end())));
                }
            }
            j = find(close + 1, Set.of("for", "is"), Set.of(";"));
        }
        int end = until(j, ";");
        if (j < end) {
            query(j + 1, end);
        }
        return end + 1;
    }

    /** CASE [expr] WHEN values THEN ... [ELSE ...] END CASE; */
    private int caseStatement(int i) {
        int j = i + 1;
        int searchStart = -1;
        int searchEnd = -1;
        if (!word(j, "when")) {
            searchStart = j;
            searchEnd = expression(j, Set.of("when"), Set.of(), false);
            j = searchEnd;
        }
        while (word(j, "when")) {
            int then = find(j + 1, Set.of("then"), Set.of(";"));
            if (searchStart >= 0) {
                add(List.of(new Part("SELECT (", -1), copy(searchStart, searchEnd), new Part(") IN (", -1),
                        copy(j + 1, then), new Part(")", -1)), null, token(j).line());
            } else {
                expression(j + 1, Set.of("then"), Set.of());
            }
            j = statements(then + 1, Set.of("when", "else", "end"));
        }
        if (word(j, "else")) {
            j = statements(j + 1, Set.of("end"));
        }
        return endOf(j, "case");
    }

    /** FOR v IN [REVERSE] a .. b [BY c] LOOP | FOR r IN query LOOP | FOR r IN cursor[(args)] LOOP | FOR r IN EXECUTE ... */
    private int forLoop(int i) {
        int in = find(i + 1, Set.of("in"), Set.of(";"));
        int start = word(in + 1, "reverse") ? in + 2 : in + 1;
        int loop = expression(start, Set.of("loop"), Set.of(";"), false);
        if (word(start, "execute")) {
            dynamic.add("FOR ... IN EXECUTE at line " + token(start).line());
        } else if (find(start, Set.of(), Set.of("..")) < loop) {
            int dots = find(start, Set.of(), Set.of(".."));
            int by = find(dots + 1, Set.of("by"), Set.of());
            int upperEnd = Math.min(by, loop);
            if (token(in - 1).kind() == Kind.IDENTIFIER && in - 1 == i + 1) {
                variables.add(new Variable(token(in - 1).text(), "integer"));
            }
            add(List.of(new Part("SELECT ", -1), copy(start, dots), new Part(", ", -1), copy(dots + 1, upperEnd)),
                    null, token(start).line());
            if (by < loop) {
                expression(by + 1, Set.of("loop"), Set.of());
            }
        } else if (token(start).kind() == Kind.IDENTIFIER && cursors.contains(token(start).text())) {
            if (token(start + 1).isSymbol("(")) {
                add(List.of(new Part("SELECT ", -1), copy(start + 2, closing(start + 1))), null, token(start).line());
            }
        } else {
            query(start, loop);
        }
        return endOf(statements(loop + 1, Set.of("end")), "loop");
    }

    /** RETURN [expr] | RETURN NEXT [expr] | RETURN QUERY query | RETURN QUERY EXECUTE ... */
    private int returnStatement(int i) {
        int end = until(i, ";");
        if (word(i + 1, "query")) {
            if (word(i + 2, "execute")) {
                dynamic.add("RETURN QUERY EXECUTE at line " + token(i).line());
            } else {
                query(i + 2, end);
            }
        } else if (word(i + 1, "next")) {
            assigned(i + 2, end, null, null, token(i).line());
        } else {
            assigned(i + 1, end, null, returnType, token(i).line());
        }
        return end + 1;
    }

    /** RAISE [level] ['format' [, expr ...]] [USING option = expr [, ...]]; */
    private int raise(int i) {
        int end = until(i, ";");
        int j = i + 1;
        if (token(j).kind() == Kind.IDENTIFIER && RAISE_LEVELS.contains(token(j).text())) {
            j++;
        }
        int using = find(j, Set.of("using"), Set.of(";"));
        if (token(j).kind() == Kind.STRING && token(j + 1).isSymbol(",") && j + 2 < using) {
            add(List.of(new Part("SELECT ", -1), copy(j + 2, using)), null, token(j).line());
        }
        if (using < end) {
            for (int[] option : commaSeparated(using + 1, end)) {
                int equals = find(option[0], Set.of(), Set.of("=", ":="));
                if (equals + 1 < option[1]) {
                    add(List.of(new Part("SELECT ", -1), copy(equals + 1, option[1])), null, token(option[0]).line());
                }
            }
        }
        return end + 1;
    }

    /** OPEN cursor [(args)] | OPEN cursor [[NO] SCROLL] FOR query | ... FOR EXECUTE ... */
    private int open(int i) {
        int end = until(i, ";");
        int forWord = find(i + 1, Set.of("for"), Set.of(";"));
        if (forWord < end) {
            if (word(forWord + 1, "execute")) {
                dynamic.add("OPEN ... FOR EXECUTE at line " + token(i).line());
            } else {
                query(forWord + 1, end);
            }
        } else if (token(i + 2).isSymbol("(")) {
            add(List.of(new Part("SELECT ", -1), copy(i + 3, closing(i + 2))), null, token(i).line());
        }
        return end + 1;
    }

    /** target := expr; (target possibly a.b or a[i]), or any other SQL statement, which PostgreSQL parses only at run time. */
    private int assignmentOrOther(int i) {
        int end = until(i, ";");
        int assign = find(i, Set.of(), Set.of(":=", "="));
        boolean simpleTarget = assign == i + 1 && isName(token(i));
        boolean compositeTarget = assign > i + 1 && assign < end && targetTokens(i, assign);
        if (assign < end && (simpleTarget || compositeTarget)) {
            assigned(assign + 1, end, simpleTarget ? token(i).text() : null, null, token(i).line());
            return end + 1;
        }
        return unparsedUntilSemicolon(i);
    }

    private int unparsedUntilSemicolon(int i) {
        int end = until(i, ";");
        if (end > i) {
            unparsed.add(new Unparsed(token(i).start(), token(end - 1).end(), token(i).line()));
        }
        return end + 1;
    }

    // --- pieces of SQL -------------------------------------------------------------------

    /**
     * An expression PL/pgSQL evaluates as {@code SELECT expr} and converts to the type of the
     * variable it is assigned to ({@code COALESCE(variable, (expr))} resolves the expression to
     * the variable's type, also for %TYPE and domains) or to {@code type}; plain when neither is known.
     */
    private void assigned(int from, int to, String variable, String type, int line) {
        if (to <= from) {
            return;
        }
        List<Part> plain = List.of(new Part("SELECT ", -1), copy(from, to));
        if (variable != null && typeOf(variable) != null) {
            add(List.of(new Part("SELECT COALESCE(\"" + variable.replace("\"", "\"\"") + "\", (", -1), copy(from, to),
                    new Part("))", -1)), plain, line);
        } else if (type != null) {
            add(List.of(new Part("SELECT CAST((", -1), copy(from, to), new Part(") AS " + type + ")", -1)), plain, line);
        } else {
            add(plain, null, line);
        }
    }

    /** An SQL statement from..to (exclusive), its INTO clause blanked out. */
    private int query(int from, int to) {
        if (to <= from) {
            return to;
        }
        int into = -1;
        int intoEnd = -1;
        for (int j = from; j < to; j++) {
            if (word(j, "into") && !(j > from && (word(j - 1, "insert") || word(j - 1, "merge")))) {
                into = j;
                intoEnd = j + 1;
                if (word(intoEnd, "strict")) {
                    intoEnd++;
                }
                while (intoEnd < to && isName(token(intoEnd))) {
                    intoEnd++;
                    while (intoEnd + 1 < to && token(intoEnd).isSymbol(".") && isName(token(intoEnd + 1))) {
                        intoEnd += 2;
                    }
                    if (!token(intoEnd).isSymbol(",")) {
                        break;
                    }
                    intoEnd++;
                }
                break;
            }
        }
        List<Part> parts = new ArrayList<>();
        if (into < 0) {
            parts.add(copy(from, to));
        } else {
            if (into > from) {
                parts.add(copy(from, into));
            }
            int blankFrom = token(into).start();
            int blankTo = token(intoEnd - 1).end();
            parts.add(new Part(" ".repeat(blankTo - blankFrom), -1));
            if (intoEnd < to) {
                parts.add(new Part(source.substring(blankTo, token(to - 1).end()), blankTo));
            }
        }
        add(parts, null, token(from).line());
        return to;
    }

    /**
     * An expression from i up to a stop word or symbol outside parentheses and CASE ... END,
     * recorded as {@code SELECT expr} when {@code record}; returns the index of the stop.
     */
    private int expression(int i, Set<String> stopWords, Set<String> stopSymbols, boolean record) {
        int end = find(i, stopWords, stopSymbols);
        if (record) {
            assigned(i, end, null, null, token(i).line());
        }
        return end;
    }

    private int expression(int i, Set<String> stopWords, Set<String> stopSymbols) {
        return expression(i, stopWords, stopSymbols, true);
    }

    private void add(List<Part> parts, List<Part> uncast, int line) {
        statements.add(new Statement(parts, uncast, line));
    }

    /** Tokens from..to (exclusive) as one part copied from the body, comments and spacing included. */
    private Part copy(int from, int to) {
        if (to <= from) {
            return new Part("", -1);
        }
        int start = token(from).start();
        return new Part(source.substring(start, token(to - 1).end()), start);
    }

    // --- token navigation --------------------------------------------------------------------

    private static final Token NONE = new Token(Kind.SYMBOL, "", 0, 0, 0);

    private Token token(int i) {
        return i >= 0 && i < t.size() ? t.get(i) : NONE;
    }

    private boolean word(int i, String w) {
        return token(i).isWord(w);
    }

    private static boolean isName(Token token) {
        return token.kind() == Kind.IDENTIFIER || token.kind() == Kind.QUOTED_IDENTIFIER;
    }

    /** name(.name | [subscript])* */
    private boolean targetTokens(int from, int to) {
        if (!isName(token(from))) {
            return false;
        }
        int j = from + 1;
        while (j < to) {
            if (token(j).isSymbol(".") && isName(token(j + 1))) {
                j += 2;
            } else if (token(j).isSymbol("[")) {
                j = find(j + 1, Set.of(), Set.of("]")) + 1;
            } else {
                return false;
            }
        }
        return j == to;
    }

    private String typeOf(String variable) {
        for (int v = variables.size() - 1; v >= 0; v--) {
            if (variables.get(v).name().equals(variable)) {
                return variables.get(v).type();
            }
        }
        return null;
    }

    /** The first index from i at a stop word or symbol outside parentheses, brackets and CASE ... END; the end of the body if none. */
    private int find(int i, Set<String> stopWords, Set<String> stopSymbols) {
        int depth = 0;
        int cases = 0;
        for (int j = i; j < t.size(); j++) {
            Token x = t.get(j);
            if (x.isSymbol(";") || depth == 0 && cases == 0 && (x.kind() == Kind.IDENTIFIER && stopWords.contains(x.text())
                    || x.kind() == Kind.SYMBOL && stopSymbols.contains(x.text()))) {
                // a statement never runs past its semicolon
                return j;
            }
            if (x.isSymbol("(") || x.isSymbol("[")) {
                depth++;
            } else if ((x.isSymbol(")") || x.isSymbol("]")) && depth > 0) {
                depth--;
            } else if (x.isWord("case")) {
                cases++;
            } else if (x.isWord("end") && cases > 0) {
                cases--;
            }
        }
        return t.size();
    }

    private int until(int i, String symbol) {
        return find(i, Set.of(), Set.of(symbol));
    }

    private int closing(int open) {
        return find(open + 1, Set.of(), Set.of(")"));
    }

    /** END word [label]; -> index after it. */
    private int endOf(int i, String what) {
        int j = i;
        if (word(j, "end")) {
            j++;
        }
        if (word(j, what)) {
            j++;
        }
        if (isName(token(j))) {
            j++;
        }
        return token(j).isSymbol(";") ? j + 1 : j;
    }

    /** [from, to) ranges of comma-separated items outside parentheses. */
    private List<int[]> commaSeparated(int from, int to) {
        List<int[]> items = new ArrayList<>();
        int start = from;
        while (start < to) {
            int comma = Math.min(find(start, Set.of(), Set.of(",")), to);
            items.add(new int[] {start, comma});
            start = comma + 1;
        }
        return items;
    }

    private int endOfLine(int i) {
        int line = token(i).line();
        int j = i;
        while (j < t.size() && token(j).line() == line) {
            j++;
        }
        return j;
    }
}
