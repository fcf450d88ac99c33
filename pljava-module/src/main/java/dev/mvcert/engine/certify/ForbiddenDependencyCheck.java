package dev.mvcert.engine.certify;

import dev.mvcert.engine.json.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runbook 001 failure class 1: the closure contains an object a deny rule forbids (a legacy
 * {@code _mv}, the labels, a "current" table). Matching runs in PostgreSQL so that regex
 * rules mean what they mean in SQL. A failure names the path target -> ... -> object.
 */
final class ForbiddenDependencyCheck implements Check {

    static final String NAME = "forbidden_dependency";

    private static final String MATCH = """
            SELECT o.name, r.kind, r.pattern, r.reason
              FROM audit.deny_rule r
              JOIN pg_catalog.jsonb_to_recordset(?::jsonb) AS o(name text, schema text)
                ON CASE r.kind WHEN 'name' THEN o.name = r.pattern
                               WHEN 'regex' THEN o.name ~ r.pattern
                               ELSE o.schema = r.pattern END
             WHERE r.target = ?
             ORDER BY o.name, r.kind, r.pattern
            """;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        List<Map<String, ?>> objects = new ArrayList<>();
        for (ClosureObject o : context.closure().objects()) {
            if (o.depth() > 0) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", o.name());
                row.put("schema", o.schema());
                objects.add(row);
            }
        }
        Map<String, List<String>> violations = new LinkedHashMap<>();
        try (PreparedStatement ps = context.connection().prepareStatement(MATCH)) {
            ps.setString(1, Json.write(objects));
            ps.setString(2, context.target());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String rule = rs.getString(2) + " rule " + rs.getString(3)
                            + (rs.getString(4) == null ? "" : " (" + rs.getString(4) + ")");
                    violations.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rule);
                }
            }
        }
        if (violations.isEmpty()) {
            return List.of(CheckResult.pass(NAME, context.target(),
                    "none of " + objects.size() + " objects in the closure matches a deny rule"));
        }
        List<CheckResult> results = new ArrayList<>();
        violations.forEach((object, rules) -> results.add(CheckResult.fail(NAME, object,
                "forbidden dependency " + context.closure().pathTo(object) + " matches " + String.join(", ", rules)
                        + "; remove it from the dependency chain, refresh and certify again")));
        return results;
    }
}
