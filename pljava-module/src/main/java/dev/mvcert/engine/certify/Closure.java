package dev.mvcert.engine.certify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A target's closure, read once per certification from {@code audit.closure}. */
public final class Closure {

    private static final String QUERY = """
            SELECT c.relation, c.relid, c.kind, c.depth, c.parent, c.via,
                   COALESCE(cn.nspname, pn.nspname)::text AS schema,
                   audit._definition_hash(c.kind, c.relid) AS definition_hash
              FROM audit.closure(?::regclass) c
              LEFT JOIN pg_catalog.pg_class cl
                ON c.kind NOT IN ('function', 'procedure', 'aggregate') AND cl.oid = c.relid
              LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = cl.relnamespace
              LEFT JOIN pg_catalog.pg_proc p
                ON c.kind IN ('function', 'procedure', 'aggregate') AND p.oid = c.relid
              LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
             ORDER BY c.depth, c.relation
            """;

    private final Map<String, ClosureObject> objects;

    private Closure(Map<String, ClosureObject> objects) {
        this.objects = objects;
    }

    public static Closure load(Connection connection, String target) throws SQLException {
        Map<String, ClosureObject> objects = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(QUERY)) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ClosureObject o = new ClosureObject(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getInt(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
                    objects.put(o.name(), o);
                }
            }
        }
        return new Closure(objects);
    }

    public List<ClosureObject> objects() {
        return List.copyOf(objects.values());
    }

    public ClosureObject get(String name) {
        return objects.get(name);
    }

    /** The path target -> ... -> object through the parents the closure reports. */
    public String pathTo(String name) {
        List<String> path = new ArrayList<>();
        String current = name;
        while (current != null && path.size() <= objects.size()) {
            path.add(0, current);
            ClosureObject o = objects.get(current);
            current = o == null ? null : o.parent();
        }
        return String.join(" -> ", path);
    }
}
