package dev.mvcert.engine.certify;

import java.util.Iterator;
import java.util.Map;

/** The little JSON the engine passes to SQL functions (jsonb arguments): flat objects in an array. */
public final class Json {

    private Json() {}

    /** A JSON array of flat objects whose values are strings, numbers, booleans or null. */
    public static String arrayOfObjects(Iterable<? extends Map<String, ?>> objects) {
        StringBuilder json = new StringBuilder("[");
        Iterator<? extends Map<String, ?>> it = objects.iterator();
        while (it.hasNext()) {
            json.append('{');
            Iterator<? extends Map.Entry<String, ?>> fields = it.next().entrySet().iterator();
            while (fields.hasNext()) {
                Map.Entry<String, ?> field = fields.next();
                json.append(quote(field.getKey())).append(':').append(value(field.getValue()));
                if (fields.hasNext()) {
                    json.append(',');
                }
            }
            json.append('}');
            if (it.hasNext()) {
                json.append(',');
            }
        }
        return json.append(']').toString();
    }

    private static String value(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        return quote(value.toString());
    }

    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
