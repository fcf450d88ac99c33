package dev.mvcert.engine.json;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * mvcert's one JSON writer: the engine's jsonb arguments, the agent's /health bodies, the
 * benchmark's results. Maps become objects (in their iteration order), lists and arrays become
 * arrays, numbers and booleans stay themselves (a non-finite double becomes null), everything
 * else becomes a string. JDK only, so it runs in-database under PL/Java too.
 */
public final class Json {

    private Json() {}

    /** Compact JSON of a value. */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b, null);
        return b.toString();
    }

    /** Indented JSON of a value, for files people read. */
    public static String pretty(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b, "");
        return b.toString();
    }

    /** A JSON string literal. */
    public static String string(String s) {
        StringBuilder b = new StringBuilder();
        string(s, b);
        return b.toString();
    }

    private static void write(Object o, StringBuilder b, String indent) {
        String inner = indent == null ? null : indent + "  ";
        if (o == null) {
            b.append("null");
        } else if (o instanceof Map<?, ?> map) {
            b.append('{');
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                newline(b, inner);
                string(String.valueOf(e.getKey()), b);
                b.append(indent == null ? ":" : ": ");
                write(e.getValue(), b, inner);
                if (it.hasNext()) {
                    b.append(',');
                }
            }
            if (!map.isEmpty()) {
                newline(b, indent);
            }
            b.append('}');
        } else if (o instanceof Iterable<?> list) {
            b.append('[');
            boolean first = true;
            for (Object item : list) {
                b.append(first ? "" : indent == null ? "," : ", ");
                first = false;
                write(item, b, indent);
            }
            b.append(']');
        } else if (o instanceof Object[] array) {
            write(List.of(array), b, indent);
        } else if (o instanceof Double d && (d.isNaN() || d.isInfinite())) {
            b.append("null");
        } else if (o instanceof Number || o instanceof Boolean) {
            b.append(o);
        } else {
            string(o.toString(), b);
        }
    }

    private static void newline(StringBuilder b, String indent) {
        if (indent != null) {
            b.append('\n').append(indent);
        }
    }

    private static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
