package dev.mvcert.engine.certify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads PostgreSQL's text form of a node tree ({@code pg_node_tree}: {@code pg_rewrite.ev_action},
 * {@code pg_proc.prosqlbody}, {@code pg_proc.proargdefaults}), as written by outfuncs.c and read
 * back by read.c: {@code {FUNCEXPR :funcid 1299 :args ({CONST ...}) :location 23}}.
 *
 * <p>Tokens are separated by blanks; {@code ( ) { }} are tokens of their own; a backslash
 * makes the next character part of the token; {@code <>} is an empty pointer or list.
 * A node's field holds one value: a token, a node, or a list {@code ( ... )} (of nodes,
 * strings {@code "a"}, or numbers after a marker: {@code (i 1 2)}, {@code (o 16385)},
 * {@code (b 3 4)}). A Const's {@code :constvalue} is {@code <>} or a length followed by its
 * bytes, {@code 4 [ 1 0 0 0 0 0 0 0 ]}. Values are kept as text; the reader interprets them.
 */
final class NodeTree {

    /** One node: its type ({@code FUNCEXPR}) and fields in order, without the colon. */
    record Node(String type, Map<String, Object> fields) {

        Object get(String field) {
            return fields.get(field);
        }

        boolean is(String nodeType) {
            return type.equals(nodeType);
        }

        Node node(String field) {
            return fields.get(field) instanceof Node n ? n : null;
        }

        /** A list field; empty for {@code <>}. */
        List<Object> list(String field) {
            return fields.get(field) instanceof List<?> l ? Collections.unmodifiableList(l) : List.of();
        }

        String text(String field) {
            return fields.get(field) instanceof String s ? s : null;
        }

        /** A numeric field (oids, locations, enums); {@code fallback} when absent or not a number. */
        long number(String field, long fallback) {
            String s = text(field);
            if (s == null) {
                return fallback;
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return fallback;
            }
        }

        boolean flag(String field) {
            return "true".equals(text(field));
        }

        Datum datum(String field) {
            return fields.get(field) instanceof Datum d ? d : null;
        }
    }

    /** The bytes of a Const's value as outDatum wrote them (a by-value datum fills a whole Datum word). */
    record Datum(int length, byte[] bytes) {}

    private final String text;
    /** The current token: text[start, end). */
    private int start;
    private int end;

    private NodeTree(String text) {
        this.text = text;
    }

    /** The tree in {@code text}: a Node, a List of values, a String token, or null for an empty tree. */
    static Object parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        NodeTree reader = new NodeTree(text);
        if (!reader.advance()) {
            return null;
        }
        Object value;
        try {
            value = reader.value();
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("node tree: nested too deeply to read (" + text.length() + " characters)");
        }
        if (reader.advance()) {
            throw reader.error("text after the end of the tree");
        }
        return value;
    }

    /** Calls {@code visit} for every node in {@code tree}, parents before children, in the order written. */
    static void forEachNode(Object tree, Consumer<Node> visit) {
        if (tree instanceof Node node) {
            visit.accept(node);
            for (Object child : node.fields().values()) {
                if (child instanceof Node || child instanceof List) {
                    forEachNode(child, visit);
                }
            }
        } else if (tree instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Node || item instanceof List) {
                    forEachNode(item, visit);
                }
            }
        }
    }

    /** The value starting at the current token. */
    private Object value() {
        char c = text.charAt(start);
        if (end - start == 1 && (c == '{' || c == '(')) {
            return c == '{' ? node() : list();
        }
        if (end - start == 1 && (c == ')' || c == '}')) {
            throw error("unexpected '" + c + "'");
        }
        if (end - start == 2 && c == '<' && text.charAt(start + 1) == '>') {
            return null;
        }
        return unescape(text.substring(start, end));
    }

    private Node node() {
        if (!advance() || isSymbol('}')) {
            throw error("node without a type");
        }
        String type = text.substring(start, end);
        Map<String, Object> fields = new LinkedHashMap<>();
        boolean more = advance();
        while (more && !isSymbol('}')) {
            if (text.charAt(start) != ':') {
                throw error("expected a field of " + type + ", found '" + text.substring(start, end) + "'");
            }
            String field = text.substring(start + 1, end);
            if (!advance()) {
                more = false;
                break;
            }
            if (field.equals("constvalue")) {
                fields.put(field, datum());
                more = advance();
                continue;
            }
            Object value = value();
            more = advance();
            // plan nodes write arrays as several bare numbers after one field name
            if (more && !isSymbol('}') && text.charAt(start) != ':') {
                List<Object> values = new ArrayList<>();
                values.add(value);
                while (more && !isSymbol('}') && text.charAt(start) != ':') {
                    values.add(value());
                    more = advance();
                }
                value = values;
            }
            fields.put(field, value);
        }
        if (!more) {
            throw error("node " + type + " is not closed");
        }
        return new Node(type, fields);
    }

    private List<Object> list() {
        List<Object> items = new ArrayList<>();
        boolean more = advance();
        while (more && !isSymbol(')')) {
            items.add(value());
            more = advance();
        }
        if (!more) {
            throw error("list is not closed");
        }
        return items;
    }

    /** {@code <>}, or a length followed by {@code [ b0 b1 ... ]}; the current token is the first. */
    private Datum datum() {
        if (end - start == 2 && text.startsWith("<>", start)) {
            return null;
        }
        int length = Integer.parseInt(text, start, end, 10);
        if (!advance() || !isSymbol('[')) {
            throw error("constant value without '['");
        }
        byte[] bytes = new byte[16];
        int count = 0;
        while (advance() && !isSymbol(']')) {
            if (count == bytes.length) {
                bytes = Arrays.copyOf(bytes, count * 2);
            }
            bytes[count++] = (byte) Integer.parseInt(text, start, end, 10);
        }
        if (start >= text.length() || !isSymbol(']')) {
            throw error("constant value is not closed");
        }
        return new Datum(length, Arrays.copyOf(bytes, count));
    }

    /** Moves to the next token (escapes kept), as read.c's pg_strtok; false at the end. */
    private boolean advance() {
        int p = end;
        while (p < text.length() && isBlank(text.charAt(p))) {
            p++;
        }
        start = p;
        if (p >= text.length()) {
            end = p;
            return false;
        }
        char c = text.charAt(p);
        if (c == '(' || c == ')' || c == '{' || c == '}') {
            end = p + 1;
            return true;
        }
        while (p < text.length()) {
            char d = text.charAt(p);
            if (isBlank(d) || d == '(' || d == ')' || d == '{' || d == '}') {
                break;
            }
            p += d == '\\' && p + 1 < text.length() ? 2 : 1;
        }
        end = p;
        return true;
    }

    private boolean isSymbol(char symbol) {
        return end - start == 1 && text.charAt(start) == symbol;
    }

    /** A token's value: backslashes removed, {@code "name"} (a String node) without its quotes. */
    private static String unescape(String token) {
        String s = token;
        // outToken escapes a leading quote of a plain token, so an unescaped one opens a String node
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder value = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                c = s.charAt(++i);
            }
            value.append(c);
        }
        return value.toString();
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    private IllegalArgumentException error(String what) {
        int from = Math.max(0, start - 40);
        return new IllegalArgumentException("node tree: " + what + " at offset " + start + " near '"
                + text.substring(from, Math.min(text.length(), start + 20)) + "'");
    }
}
