package dev.mvcert.engine.certify;

import java.util.ArrayList;
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
    private int pos;

    private NodeTree(String text) {
        this.text = text;
    }

    /** The tree in {@code text}: a Node, a List of values, a String token, or null for an empty tree. */
    static Object parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        NodeTree reader = new NodeTree(text);
        Object value = reader.value(reader.token());
        if (reader.token() != null) {
            throw reader.error("text after the end of the tree");
        }
        return value;
    }

    /** Calls {@code visit} for every node in {@code tree}, parents before children. */
    static void forEachNode(Object tree, Consumer<Node> visit) {
        List<Object> pending = new ArrayList<>();
        pending.add(tree);
        while (!pending.isEmpty()) {
            Object value = pending.remove(pending.size() - 1);
            if (value instanceof Node node) {
                visit.accept(node);
                List<Object> children = new ArrayList<>(node.fields().values());
                Collections.reverse(children);
                pending.addAll(children);
            } else if (value instanceof List<?> list) {
                for (int i = list.size() - 1; i >= 0; i--) {
                    pending.add(list.get(i));
                }
            }
        }
    }

    private Object value(String token) {
        if (token == null) {
            throw error("unexpected end of the tree");
        }
        return switch (token) {
            case "{" -> node();
            case "(" -> list();
            case "<>" -> null;
            case ")", "}" -> throw error("unexpected '" + token + "'");
            default -> unescape(token);
        };
    }

    private Node node() {
        String type = token();
        if (type == null || type.equals("}")) {
            throw error("node without a type");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        String token = token();
        while (token != null && !token.equals("}")) {
            if (!token.startsWith(":")) {
                throw error("expected a field of " + type + ", found '" + token + "'");
            }
            String field = token.substring(1);
            if (field.equals("constvalue")) {
                fields.put(field, datum());
                token = token();
                continue;
            }
            fields.put(field, value(token()));
            token = token();
            // plan nodes write arrays as several bare numbers after one field name
            if (token != null && !token.equals("}") && !token.startsWith(":")) {
                List<Object> values = new ArrayList<>();
                values.add(fields.get(field));
                while (token != null && !token.equals("}") && !token.startsWith(":")) {
                    values.add(value(token));
                    token = token();
                }
                fields.put(field, values);
            }
        }
        if (token == null) {
            throw error("node " + type + " is not closed");
        }
        return new Node(type, fields);
    }

    private List<Object> list() {
        List<Object> items = new ArrayList<>();
        String token = token();
        while (token != null && !token.equals(")")) {
            items.add(value(token));
            token = token();
        }
        if (token == null) {
            throw error("list is not closed");
        }
        return items;
    }

    private Datum datum() {
        String length = token();
        if ("<>".equals(length)) {
            return null;
        }
        if (!"[".equals(token())) {
            throw error("constant value without '['");
        }
        List<Byte> bytes = new ArrayList<>();
        String token = token();
        while (token != null && !token.equals("]")) {
            bytes.add((byte) Integer.parseInt(token));
            token = token();
        }
        if (token == null) {
            throw error("constant value is not closed");
        }
        byte[] value = new byte[bytes.size()];
        for (int i = 0; i < value.length; i++) {
            value[i] = bytes.get(i);
        }
        return new Datum(Integer.parseInt(length), value);
    }

    /** The next raw token (escapes kept), or null at the end; as read.c's pg_strtok. */
    private String token() {
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
        if (pos >= text.length()) {
            return null;
        }
        char c = text.charAt(pos);
        if (c == '(' || c == ')' || c == '{' || c == '}') {
            pos++;
            return String.valueOf(c);
        }
        int start = pos;
        while (pos < text.length()) {
            char d = text.charAt(pos);
            if (isBlank(d) || d == '(' || d == ')' || d == '{' || d == '}') {
                break;
            }
            pos += d == '\\' && pos + 1 < text.length() ? 2 : 1;
        }
        return text.substring(start, pos);
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
        int from = Math.max(0, pos - 40);
        return new IllegalArgumentException("node tree: " + what + " at offset " + pos + " near '"
                + text.substring(from, Math.min(text.length(), pos + 20)) + "'");
    }
}
