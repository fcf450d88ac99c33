package dev.mvcert.engine.certify;

import dev.mvcert.engine.certify.NodeTree.Node;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one parse tree does that can depend on when the query runs, read node by node: the
 * clock reads it makes itself (CURRENT_DATE and its kin, date/time strings converted at run
 * time) and the functions it calls, each exactly as PostgreSQL resolved it (by oid, with the
 * argument types of the call), for the caller to follow.
 *
 * <p>A stored tree (a view's query, a BEGIN ATOMIC body, parameter defaults) was parsed when
 * it was created: a literal such as {@code 'today'::date} was converted then and is a frozen
 * constant. A tree parsed just now from a body that PostgreSQL parses at every call (a quoted
 * SQL body, PL/pgSQL statements) is different: each date/time constant in it is converted
 * again at every call, so its source text decides ({@link Source#literalAt}).
 */
final class TreeScan {

    /** Where the tree came from, and so whether its date/time constants are frozen. */
    interface Source {
        /** The value of the string literal written at this tree location, or null when there is none. */
        String literalAt(int location);

        /** " at line N" of the body for a tree location, or "" when unknown. */
        String lineAt(int location);
    }

    /** A stored tree: constants frozen, no source text. */
    static final Source STORED = null;

    /** A clock read the tree makes itself. */
    record Finding(String what, int location) {}

    /**
     * A call: the function PostgreSQL resolved ({@code function}), or only the operator when
     * the tree records no function for it ({@code operator}); the argument types as the
     * parser saw them (0 where not known); how many arguments were passed by position and the
     * parameter numbers passed by name ({@code positional} -1: defaults do not apply); the
     * text of a first argument that is a string constant.
     */
    record CallSite(long function, long operator, List<Long> argumentTypes, int positional, Set<Integer> named,
                    String firstArgumentText, int location) {}

    /** PostgreSQL 15 SQLValueFunctionOp values 0-8 (primnodes.h); the rest (CURRENT_USER, ...) read no clock. */
    private static final String[] CLOCK_VALUE_FUNCTIONS = {"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIME(n)",
            "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(n)", "LOCALTIME", "LOCALTIME(n)", "LOCALTIMESTAMP", "LOCALTIMESTAMP(n)"};

    private final Map<Long, String> datetimeTypes;
    private final Source source;
    private final List<Finding> findings = new ArrayList<>();
    private final List<CallSite> calls = new ArrayList<>();

    private TreeScan(Map<Long, String> datetimeTypes, Source source) {
        this.datetimeTypes = datetimeTypes;
        this.source = source;
    }

    /**
     * Scans a tree.
     *
     * @param datetimeTypes oid -> name of every type whose input reads date/time strings (the
     *                      date/time types, and arrays, ranges, domains and composites of them)
     * @param source        the body the tree was parsed from just now, or {@link #STORED}
     */
    static TreeScan scan(Object tree, Map<Long, String> datetimeTypes, Source source) {
        TreeScan scan = new TreeScan(datetimeTypes, source);
        NodeTree.forEachNode(tree, scan::visit);
        return scan;
    }

    List<Finding> findings() {
        return findings;
    }

    List<CallSite> calls() {
        return calls;
    }

    private void visit(Node node) {
        int location = (int) node.number("location", -1);
        switch (node.type()) {
            case "FUNCEXPR" -> {
                List<Object> args = node.list("args");
                Set<Integer> named = new LinkedHashSet<>();
                int positional = 0;
                for (Object arg : args) {
                    if (arg instanceof Node a && a.is("NAMEDARGEXPR")) {
                        named.add((int) a.number("argnumber", -1));
                    } else if (named.isEmpty()) {
                        positional++;
                    }
                }
                String first = args.isEmpty() ? null : stringValue(args.get(0));
                calls.add(new CallSite(node.number("funcid", 0), 0, argumentTypes(args), positional, named, first, location));
            }
            case "OPEXPR", "DISTINCTEXPR", "NULLIFEXPR" -> calls.add(new CallSite(node.number("opfuncid", 0),
                    node.number("opno", 0), argumentTypes(node.list("args")), -1, Set.of(), null, location));
            case "SCALARARRAYOPEXPR" -> {
                calls.add(new CallSite(node.number("opfuncid", 0), node.number("opno", 0), List.of(), -1, Set.of(), null, location));
                for (String extra : new String[] {"hashfuncid", "negfuncid"}) {
                    if (node.number(extra, 0) != 0) {
                        calls.add(new CallSite(node.number(extra, 0), 0, List.of(), -1, Set.of(), null, location));
                    }
                }
            }
            case "ROWCOMPAREEXPR" -> {
                for (Object opno : node.list("opnos")) {
                    if (opno instanceof String s && s.chars().allMatch(Character::isDigit)) {
                        calls.add(new CallSite(0, Long.parseLong(s), List.of(), -1, Set.of(), null, location));
                    }
                }
            }
            case "AGGREF" -> calls.add(new CallSite(node.number("aggfnoid", 0), 0, List.of(), -1, Set.of(), null, location));
            case "WINDOWFUNC" -> calls.add(new CallSite(node.number("winfnoid", 0), 0, List.of(), -1, Set.of(), null, location));
            case "SQLVALUEFUNCTION" -> {
                int op = (int) node.number("op", -1);
                if (op >= 0 && op < CLOCK_VALUE_FUNCTIONS.length) {
                    findings.add(new Finding(CLOCK_VALUE_FUNCTIONS[op], location));
                }
            }
            case "COERCEVIAIO" -> {
                String type = datetimeTypes.get(node.number("resulttype", 0));
                Node arg = stripRelabel(node.node("arg"));
                if (type != null && arg != null && arg.is("CONST") && !arg.flag("constisnull")) {
                    String text = ClockLiteral.constText(arg);
                    if (text == null && source != null) {
                        text = source.literalAt((int) arg.number("location", -1));
                    }
                    if (text == null) {
                        findings.add(new Finding("a constant whose value cannot be read converted to " + type
                                + " at run time", location));
                    } else if (ClockLiteral.readsClock(text)) {
                        findings.add(new Finding("'" + text.strip() + "' converted to " + type + " at run time", location));
                    }
                }
            }
            case "CONST" -> {
                String type = datetimeTypes.get(node.number("consttype", 0));
                if (source != null && type != null && !node.flag("constisnull")) {
                    String literal = source.literalAt(location);
                    if (literal == null) {
                        findings.add(new Finding("a " + type + " constant whose source text cannot be read", location));
                    } else if (ClockLiteral.readsClock(literal)) {
                        findings.add(new Finding("'" + literal.strip() + "' as a date/time value (" + type + ")", location));
                    }
                }
            }
            default -> { }
        }
    }

    private String stringValue(Object arg) {
        Node a = arg instanceof Node n ? stripRelabel(n) : null;
        if (a == null || !a.is("CONST")) {
            return null;
        }
        String text = ClockLiteral.constText(a);
        return text == null && source != null && !a.flag("constisnull") ? source.literalAt((int) a.number("location", -1)) : text;
    }

    private static Node stripRelabel(Node node) {
        Node n = node;
        while (n != null && (n.is("RELABELTYPE") || n.is("COLLATEEXPR"))) {
            n = n.node("arg");
        }
        return n;
    }

    private static List<Long> argumentTypes(List<Object> args) {
        List<Long> types = new ArrayList<>(args.size());
        for (Object arg : args) {
            types.add(arg instanceof Node n ? exprType(n) : 0L);
        }
        return types;
    }

    /** The type of an expression node, as PostgreSQL's exprType says; 0 where this reader does not know. */
    static long exprType(Node n) {
        return switch (n.type()) {
            case "CONST" -> n.number("consttype", 0);
            case "VAR" -> n.number("vartype", 0);
            case "PARAM" -> n.number("paramtype", 0);
            case "FUNCEXPR" -> n.number("funcresulttype", 0);
            case "OPEXPR", "DISTINCTEXPR", "NULLIFEXPR" -> n.number("opresulttype", 0);
            case "AGGREF" -> n.number("aggtype", 0);
            case "WINDOWFUNC" -> n.number("wintype", 0);
            case "RELABELTYPE", "COERCEVIAIO", "ARRAYCOERCEEXPR", "CONVERTROWTYPEEXPR", "COERCETODOMAIN",
                 "FIELDSELECT", "FIELDSTORE" -> n.number("resulttype", 0);
            case "SUBSCRIPTINGREF" -> n.number("refrestype", 0);
            case "CASEEXPR" -> n.number("casetype", 0);
            case "CASETESTEXPR", "COERCETODOMAINVALUE", "SETTODEFAULT", "NEXTVALUEEXPR" -> n.number("typeId", 0);
            case "ARRAYEXPR" -> n.number("array_typeid", 0);
            case "ROWEXPR" -> n.number("row_typeid", 0);
            case "COALESCEEXPR" -> n.number("coalescetype", 0);
            case "MINMAXEXPR" -> n.number("minmaxtype", 0);
            case "SQLVALUEFUNCTION" -> n.number("type", 0);
            case "BOOLEXPR", "NULLTEST", "BOOLEANTEST", "SCALARARRAYOPEXPR", "ROWCOMPAREEXPR" -> 16L;
            case "GROUPINGFUNC" -> 23L;
            case "COLLATEEXPR", "NAMEDARGEXPR" -> n.node("arg") == null ? 0L : exprType(n.node("arg"));
            case "SUBLINK" -> subLinkType(n);
            default -> 0L;
        };
    }

    /** An EXPR sublink has the type of its subquery's first column; EXISTS, ALL, ANY and row comparisons are boolean. */
    private static long subLinkType(Node sublink) {
        long kind = sublink.number("subLinkType", -1);
        if (kind == 4) {
            Node query = sublink.node("subselect");
            for (Object entry : query == null ? List.of() : query.list("targetList")) {
                if (entry instanceof Node t && !t.flag("resjunk") && t.node("expr") != null) {
                    return exprType(t.node("expr"));
                }
            }
            return 0L;
        }
        return kind >= 0 && kind <= 3 ? 16L : 0L;
    }
}
