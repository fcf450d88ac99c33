package dev.mvcert.engine.certify;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Structure of the closure: every materialized view is populated (an unpopulated one cannot
 * be read at all), and every unique index on a materialized view is valid and ready (an
 * invalid one makes REFRESH ... CONCURRENTLY fail and needs a REINDEX in a maintenance window).
 */
final class StructuralCheck implements Check {

    static final String POPULATED = "populated";
    static final String UNIQUE_INDEX = "unique_index_valid";

    private static final String QUERY = """
            SELECT c.oid, c.relispopulated,
                   pg_catalog.string_agg(pg_catalog.format('%I.%I', n.nspname, ic.relname), ', ' ORDER BY ic.relname)
                       FILTER (WHERE NOT (i.indisvalid AND i.indisready)) AS invalid_indexes,
                   pg_catalog.count(i.indexrelid) AS unique_indexes
              FROM pg_catalog.pg_class c
              LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisunique
              LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
              LEFT JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
             WHERE c.oid = ?
             GROUP BY c.oid, c.relispopulated
            """;

    @Override
    public String name() {
        return "structural";
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        List<CheckResult> results = new ArrayList<>();
        try (PreparedStatement ps = context.connection().prepareStatement(QUERY)) {
            for (ClosureObject o : context.closure().objects()) {
                if (!o.isMaterializedView()) {
                    continue;
                }
                ps.setLong(1, o.relid());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        results.add(CheckResult.fail(POPULATED, o.name(), "materialized view no longer exists"));
                        continue;
                    }
                    results.add(rs.getBoolean(2)
                            ? CheckResult.pass(POPULATED, o.name(), "populated")
                            : CheckResult.fail(POPULATED, o.name(), "materialized view is not populated (created WITH NO DATA"
                                    + " or never refreshed): REFRESH MATERIALIZED VIEW " + o.name()));
                    String invalid = rs.getString(3);
                    results.add(invalid == null
                            ? CheckResult.pass(UNIQUE_INDEX, o.name(), rs.getLong(4) + " unique indexes, all valid")
                            : CheckResult.fail(UNIQUE_INDEX, o.name(), "unique index " + invalid + " is invalid or not ready, so"
                                    + " REFRESH ... CONCURRENTLY cannot use it: REINDEX INDEX it in a maintenance window"));
                }
            }
        }
        return results;
    }
}
