package dev.mvcert.engine.certify;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** User-defined assertions (audit.sql_assertion): each query must return no rows; a failure shows the first ones. */
final class SqlAssertionCheck implements Check {

    static final String NAME = "sql_assertion";
    private static final int SHOWN = 5;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        Connection c = context.connection();
        List<CheckResult> results = new ArrayList<>();
        for (TargetRules.SqlAssertion assertion : context.rules().assertions()) {
            String sql = "SELECT pg_catalog.row_to_json(q)::text FROM (" + assertion.query() + "\n) AS q LIMIT " + (SHOWN + 1);
            try {
                List<String> rows = Isolated.run(c, () -> {
                    List<String> found = new ArrayList<>();
                    try (Statement s = c.createStatement(); ResultSet rs = Isolated.queryRuleSql(s, sql)) {
                        while (rs.next()) {
                            found.add(rs.getString(1));
                        }
                    }
                    return found;
                });
                if (rows.isEmpty()) {
                    results.add(CheckResult.pass(NAME, assertion.name(), "returned no rows"));
                } else {
                    boolean more = rows.size() > SHOWN;
                    results.add(CheckResult.fail(NAME, assertion.name(), "returned rows (first " + Math.min(SHOWN, rows.size())
                            + (more ? ", more exist" : "") + "): " + String.join("; ", rows.subList(0, Math.min(SHOWN, rows.size())))));
                }
            } catch (SQLException e) {
                results.add(CheckResult.fail(NAME, assertion.name(), "assertion query failed: " + Isolated.describe(e)));
            }
        }
        return results;
    }
}
