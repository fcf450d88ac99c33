package dev.mvcert.engine.certify;

import dev.mvcert.engine.jdbc.JdbcTemplate;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
             WHERE c.oid = ANY ((?::text[])::pg_catalog.oid[])
             GROUP BY c.oid, c.relispopulated
            """;

    /** What the query says about one materialized view. */
    private record Structure(boolean populated, String invalidIndexes, long uniqueIndexes) {}

    @Override
    public String name() {
        return "structural";
    }

    @Override
    public List<CheckResult> run(CheckContext context) throws SQLException {
        List<ClosureObject> matviews = context.closure().objects().stream().filter(ClosureObject::isMaterializedView).toList();
        // one query for all of them
        Map<Long, Structure> found = new HashMap<>();
        try (PreparedStatement ps = context.connection().prepareStatement(QUERY)) {
            ps.setString(1, JdbcTemplate.textArray(matviews.stream().map(o -> Long.toString(o.relid())).toList()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1), new Structure(rs.getBoolean(2), rs.getString(3), rs.getLong(4)));
                }
            }
        }
        List<CheckResult> results = new ArrayList<>();
        for (ClosureObject o : matviews) {
            Structure s = found.get(o.relid());
            if (s == null) {
                results.add(CheckResult.fail(POPULATED, o.name(), "materialized view no longer exists"));
                continue;
            }
            results.add(s.populated()
                    ? CheckResult.pass(POPULATED, o.name(), "populated")
                    : CheckResult.fail(POPULATED, o.name(), "materialized view is not populated (created WITH NO DATA"
                            + " or never refreshed): REFRESH MATERIALIZED VIEW " + o.name()));
            results.add(s.invalidIndexes() == null
                    ? CheckResult.pass(UNIQUE_INDEX, o.name(), s.uniqueIndexes() + " unique indexes, all valid")
                    : CheckResult.fail(UNIQUE_INDEX, o.name(), "unique index " + s.invalidIndexes() + " is invalid or not ready, so"
                            + " REFRESH ... CONCURRENTLY cannot use it: REINDEX INDEX it in a maintenance window"));
        }
        return results;
    }
}
