package dev.mvcert.engine.certify.baseline;

import dev.mvcert.engine.certify.Isolated;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Hashes a target's rows per historical day: row count and the sum of
 * {@code hash_record_extended(row, 0)} as numeric. A sum is order-independent, needs constant
 * memory, runs in parallel, and keeps duplicate rows apart (an XOR would cancel them). One
 * query for all days, whose day condition is {@code day = ANY(date[])}: a scan can run in
 * parallel (the former semi-join on a set-returning function kept the whole scan in one
 * process) and an index on the day column serves a few days. When a column type has no hash
 * function (json, point, ...), the row's text form is hashed instead. Capture and
 * certification both use this class, so they always hash the same way.
 */
public final class DatasetHasher {

    private DatasetHasher() {}

    public static List<BaselineItem> hash(Connection connection, String target, String dayColumn, List<LocalDate> days)
            throws SQLException {
        if (days.isEmpty()) {
            return List.of();
        }
        String rowHash = recordHashWorks(connection, target) ? "pg_catalog.hash_record_extended(t.*, 0)"
                                                            : "pg_catalog.hashtextextended(t.*::text, 0)";
        // The days go into the query as a literal, not a parameter: a parameter cast to date[] is
        // a run-time input conversion (dates depend on DateStyle), evaluated again for every row.
        String sql;
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT pg_catalog.format('SELECT t.%1$I::pg_catalog.date AS day, pg_catalog.count(*), COALESCE(pg_catalog.sum(%3$s), 0)::text' ||
                       ' FROM %2$s AS t WHERE t.%1$I::pg_catalog.date OPERATOR(pg_catalog.=) ANY (%4$L::pg_catalog.date[])' ||
                       ' GROUP BY 1', ?::text, ?::text, ?::text, ?::text)""")) {
            ps.setString(1, dayColumn);
            ps.setString(2, target);
            ps.setString(3, rowHash);
            ps.setString(4, days.stream().map(LocalDate::toString).collect(Collectors.joining(",", "{", "}")));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                sql = rs.getString(1);
            }
        }
        Map<LocalDate, BaselineItem> found = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LocalDate day = rs.getDate(1).toLocalDate();
                    found.put(day, new BaselineItem(BaselineItem.DATASET, day.toString(), rs.getString(3), rs.getLong(2)));
                }
            }
        }
        List<BaselineItem> items = new ArrayList<>();
        for (LocalDate day : days) {
            items.add(found.getOrDefault(day, new BaselineItem(BaselineItem.DATASET, day.toString(), "0", 0L)));
        }
        return items;
    }

    /** Whether every column type of the target can be hashed by hash_record_extended (tried on one row). */
    private static boolean recordHashWorks(Connection connection, String target) throws SQLException {
        try {
            return Isolated.run(connection, () -> {
                try (PreparedStatement ps = connection.prepareStatement(
                        "SELECT pg_catalog.hash_record_extended(t.*, 0) FROM " + quotedTarget(connection, target) + " AS t LIMIT 1");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return true;
                }
            });
        } catch (SQLException e) {
            if ("42883".equals(e.getSQLState())) { // could not identify a hash function for a column type
                return false;
            }
            throw e;
        }
    }

    private static String quotedTarget(Connection connection, String target) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT audit._qualified_name(?::regclass)")) {
            ps.setString(1, target);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
