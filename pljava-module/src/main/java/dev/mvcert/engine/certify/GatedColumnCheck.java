package dev.mvcert.engine.certify;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Runbook 001 failure class 3 (SLA leakage): columns matching a rule's regex hold values in
 * rows where the gate is not true. The columns are chosen in SQL by regular expression on
 * pg_attribute (never LIKE: in {@code LIKE 'img__%'} each {@code _} matches any character,
 * so it would also pick up a column such as {@code imgXY_score}) and the query is built
 * with {@code format('%I')}, so any column name is quoted correctly. One result per rule.
 */
final class GatedColumnCheck implements Check {

    static final String NAME = "gated_column_leakage";

    private static final String RULES = """
            SELECT g.column_regex, g.gate_expression,
                   pg_catalog.format('SELECT count(*) AS leaking_rows, %s FROM %s WHERE (%s) IS NOT TRUE AND (%s)',
                       pg_catalog.string_agg(pg_catalog.format('count(%I) AS %I', a.attname, a.attname), ', ' ORDER BY a.attnum),
                       g.target, g.gate_expression,
                       pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', a.attname), ' OR ' ORDER BY a.attnum)) AS query,
                   pg_catalog.string_agg(pg_catalog.encode(pg_catalog.convert_to(a.attname::text, 'UTF8'), 'hex'), ','
                                         ORDER BY a.attnum) AS hex_names
              FROM audit.gate_rule g
              LEFT JOIN pg_catalog.pg_attribute a
                ON a.attrelid = pg_catalog.to_regclass(g.target) AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attname::text ~ g.column_regex
             WHERE g.target = ?
             GROUP BY g.target, g.column_regex, g.gate_expression
             ORDER BY g.column_regex, g.gate_expression
            """;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        Connection c = context.connection();
        List<String[]> rules = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(RULES)) {
            ps.setString(1, context.target());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rules.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
        }
        List<CheckResult> results = new ArrayList<>();
        for (String[] rule : rules) {
            String object = "columns ~ '" + rule[0] + "' gated by (" + rule[1] + ")";
            if (rule[2] == null) {
                results.add(CheckResult.fail(NAME, object, "no column of " + context.target() + " matches the regex "
                        + rule[0] + "; the gated columns were renamed or dropped: fix the rule in audit.gate_rule"));
                continue;
            }
            try {
                results.add(Isolated.run(c, () -> measure(c, context.target(), object, rule)));
            } catch (SQLException e) {
                results.add(CheckResult.fail(NAME, object, "leakage query failed: " + Isolated.describe(e)));
            }
        }
        return results;
    }

    private static CheckResult measure(Connection c, String target, String object, String[] rule) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = Isolated.queryRuleSql(s, rule[2])) {
            rs.next();
            long leaking = rs.getLong(1);
            // Column names come from the catalog, not from result metadata: PL/Java's JDBC
            // reports column labels upper-cased, and a name's case matters to a DBA.
            List<String> names = hexNames(rule[3]);
            List<String> perColumn = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (rs.getLong(i + 2) > 0) {
                    perColumn.add(names.get(i) + " " + rs.getLong(i + 2));
                }
            }
            int columns = names.size();
            if (leaking == 0) {
                return CheckResult.pass(NAME, object, columns + " gated columns are NULL wherever (" + rule[1] + ") is not true");
            }
            return CheckResult.fail(NAME, object, leaking + " rows of " + target + " have gated columns populated where ("
                    + rule[1] + ") is not true (rows per column: " + String.join(", ", perColumn)
                    + "); fix the CASE gating at the feature-store entry point");
        }
    }

    /** "696d675f5f73636f7265,..." -> ["img__score", ...]: names travel hex-encoded, so any character is safe. */
    private static List<String> hexNames(String hexNames) {
        List<String> names = new ArrayList<>();
        for (String hex : hexNames.split(",")) {
            names.add(new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8));
        }
        return names;
    }
}
